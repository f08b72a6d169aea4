/**
 * Argument checks shared by the engine's methods: ids, extraInfo, media types, stream indexes.
 * They fail at once with INVALID_PARAMS and say what a valid value looks like; the limits are
 * the contract's, generated from crates/proto.
 */
import {
  ErrorCode,
  ID_PATTERN,
  ID_RULE,
  MAX_EXTRA_INFO_BYTES,
  MediaType,
  SIGNAL_PATH,
  StreamIndex,
} from "./generated/protocol";
import { rtcError } from "./errors";

const MAIN = StreamIndex.STREAM_INDEX_MAIN;
const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;

/** Throws INVALID_PARAMS unless `id` is a valid room or user id. */
export function checkId(id: unknown, what: string, method: string): void {
  if (typeof id !== "string" || !ID_PATTERN.test(id))
    throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: ${what} must be ${ID_RULE} (got ${JSON.stringify(id)})`);
}

/** Throws INVALID_PARAMS when `extraInfo` is over the contract's limit. */
export function checkExtraInfo(extraInfo: string | undefined, method: string): void {
  if (extraInfo !== undefined && new TextEncoder().encode(extraInfo).length > MAX_EXTRA_INFO_BYTES) {
    throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: userInfo.extraInfo is over ${MAX_EXTRA_INFO_BYTES} bytes`);
  }
}

/** Returns `mediaType` if it is a {@link MediaType}, else throws INVALID_PARAMS. */
export function checkMediaType(mediaType: unknown, method: string): MediaType {
  if (mediaType !== MediaType.AUDIO && mediaType !== MediaType.VIDEO && mediaType !== MediaType.AUDIO_AND_VIDEO) {
    throw rtcError(
      ErrorCode.INVALID_PARAMS,
      `${method}: mediaType must be MediaType.AUDIO (1), VIDEO (2) or AUDIO_AND_VIDEO (3)`,
    );
  }
  return mediaType;
}

/** Returns `index` if it is a {@link StreamIndex}, else throws INVALID_PARAMS. */
export function checkIndex(index: unknown, method: string): StreamIndex {
  if (index !== MAIN && index !== SCREEN)
    throw rtcError(
      ErrorCode.INVALID_PARAMS,
      `${method}: the stream index must be StreamIndex.STREAM_INDEX_MAIN (0) or STREAM_INDEX_SCREEN (1)`,
    );
  return index;
}

/** The signalling URL of `serverUrl` for `appId`. */
export function signalUrl(serverUrl: string, appId: string): string {
  const base = serverUrl.replace(/\/+$/, "").replace(/^http/, "ws");
  return `${base}${SIGNAL_PATH}?appId=${encodeURIComponent(appId)}`;
}
