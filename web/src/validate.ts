/**
 * Argument checks shared by the engine's methods: ids, media types, stream indexes. They fail
 * at once with INVALID_PARAMS and say what a valid value looks like.
 */
import { ErrorCode, MediaType, SIGNAL_PATH, StreamIndex } from "./generated/protocol";
import { rtcError } from "./errors";

const MAIN = StreamIndex.STREAM_INDEX_MAIN;
const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;
const ID = /^[a-zA-Z0-9_@\-.]{1,128}$/;

/** Throws INVALID_PARAMS unless `id` is a valid room or user id. */
export function checkId(id: unknown, what: string, method: string): void {
  if (typeof id !== "string" || !ID.test(id)) throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: ${what} must be 1 to 128 of a-z A-Z 0-9 _ @ - . (got ${JSON.stringify(id)})`);
}

/** Returns `mediaType` if it is a {@link MediaType}, else throws INVALID_PARAMS. */
export function checkMediaType(mediaType: unknown, method: string): MediaType {
  if (mediaType !== MediaType.AUDIO && mediaType !== MediaType.VIDEO && mediaType !== MediaType.AUDIO_AND_VIDEO) {
    throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: mediaType must be MediaType.AUDIO (1), VIDEO (2) or AUDIO_AND_VIDEO (3)`);
  }
  return mediaType;
}

/** Returns `index` if it is a {@link StreamIndex}, else throws INVALID_PARAMS. */
export function checkIndex(index: unknown, method: string): StreamIndex {
  if (index !== MAIN && index !== SCREEN) throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: the stream index must be StreamIndex.STREAM_INDEX_MAIN (0) or STREAM_INDEX_SCREEN (1)`);
  return index;
}

/** The signalling URL of `serverUrl` for `appId`. */
export function signalUrl(serverUrl: string, appId: string): string {
  const base = serverUrl.replace(/\/+$/, "").replace(/^http/, "ws");
  return `${base}${SIGNAL_PATH}?appId=${encodeURIComponent(appId)}`;
}
