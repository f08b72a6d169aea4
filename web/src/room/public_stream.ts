/**
 * Public streams from the Web SDK: pushing one, which the server composites from users of the
 * app's rooms (docs/protocol.md, "Public streams"), and changing or stopping it. The server owns
 * the stream and checks every parameter, naming the one that is wrong; this module checks the
 * shape early and turns the vendor's parameters into the protocol's. It holds no state, so a
 * reconnect has nothing to restore here.
 */
import { ErrorCode, type PublicStreamConfig as WireConfig, type PublicStreamRegion } from "../generated/protocol";
import { rtcError } from "../errors";
import type { Connection } from "../signal/connection";
import { checkId } from "../validate";

/**
 * One source of a public stream (the vendor's `PublicStreamLayoutRegion`): a user's camera or
 * screen in a room, which part of its picture shows (`sourceCrop`) and where it goes.
 */
export interface PublicStreamRegionParam {
  /** The publishing user. */
  userId: string;
  /** The room the user publishes in. */
  roomId: string;
  /** The screen share rather than the camera. */
  isScreenStream: boolean;
  /** Left edge, a share of the output width in [0, 1) (default 0). */
  x?: number;
  /** Top edge, a share of the output height in [0, 1) (default 0). */
  y?: number;
  /** Width, a share of the output width in (0, 1] (default 1). */
  w?: number;
  /** Height, a share of the output height in (0, 1] (default 1). */
  h?: number;
  /** Stacking order, 0 (bottom) to 100 (default 0). */
  zorder?: number;
  /** Opacity in (0, 1] (default 1). */
  alpha?: number;
  /** 1 cover and crop (default), 2 fit inside, 3 stretch. */
  renderMode?: number;
  /** A `PublicStreamType`: 0 audio and video (default), 1 audio only, 2 video only. */
  mediaType?: number;
  /**
   * The part of the picture shown, as shares of its size: x, y in [0, 1), w, h in (0, 1], inside
   * the picture (the whole picture by default); then scaled per `renderMode`.
   */
  sourceCrop?: { x: number; y: number; w: number; h: number };
}

/**
 * A public stream's parameters (the vendor's `PublicStreamConfig`). `layout.interpolationMode`
 * is accepted and not applied (a stalled source always keeps its last picture, the vendor's
 * default). `layout.backgroundImage`, an http(s) URL of a PNG or JPEG (at most 1024 bytes), is
 * fetched by the server and painted under the regions; one it cannot fetch or decode leaves the
 * background colour.
 */
export interface PublicStreamConfig {
  /** The output video: even width and height (640x360 by default), fps (15), kbit/s. */
  video?: { width?: number; height?: number; fps?: number; kBitRate: number };
  /** The layout: background colour `#RRGGBB` (black by default) and at most 17 regions. */
  layout?: {
    interpolationMode?: number;
    backgroundColor?: string;
    backgroundImage?: string;
    regions?: PublicStreamRegionParam[];
  };
}

/** The public-stream calls. */
type Method = "startPushPublicStream" | "updatePublicStreamParam" | "stopPushPublicStream";

function invalid(method: Method, message: string): Error {
  return rtcError(ErrorCode.INVALID_PARAMS, `${method}: ${message}`);
}

function region(r: PublicStreamRegionParam, i: number, method: Method): PublicStreamRegion {
  if (r === null || typeof r !== "object") throw invalid(method, `layout.regions[${i}] must be an object`);
  checkId(r.userId, `layout.regions[${i}].userId`, method);
  checkId(r.roomId, `layout.regions[${i}].roomId`, method);
  const out: PublicStreamRegion = { userId: r.userId, roomId: r.roomId, isScreenStream: r.isScreenStream === true };
  for (const key of ["x", "y", "w", "h", "zorder", "alpha", "renderMode", "mediaType"] as const) {
    const value = r[key];
    if (value === undefined) continue;
    if (typeof value !== "number") throw invalid(method, `layout.regions[${i}].${key} must be a number`);
    (out as Record<string, unknown>)[key] = value;
  }
  if (r.sourceCrop !== undefined) {
    const crop = r.sourceCrop;
    const { x, y, w, h } = crop ?? {};
    if ([x, y, w, h].some((v) => typeof v !== "number")) {
      throw invalid(method, `layout.regions[${i}].sourceCrop must be {x, y, w, h} of numbers`);
    }
    out.sourceCrop = { x, y, w, h };
  }
  return out;
}

/** The protocol's form of `config`; only the shape is checked here, the values by the server. */
function wire(config: Partial<PublicStreamConfig>, method: Method): WireConfig {
  if (config === null || typeof config !== "object") throw invalid(method, "publicStreamParam must be an object");
  const out: WireConfig = {};
  if (config.video !== undefined) {
    const { width, height, fps, kBitRate } = config.video ?? {};
    if (typeof kBitRate !== "number") throw invalid(method, "video.kBitRate must be a number");
    out.video = { width, height, fps, kBitRate };
  }
  if (config.layout !== undefined) {
    const { backgroundColor, backgroundImage, regions } = config.layout ?? {};
    if (regions !== undefined && !Array.isArray(regions)) throw invalid(method, "layout.regions must be an array");
    if (backgroundImage !== undefined && typeof backgroundImage !== "string") {
      throw invalid(method, "layout.backgroundImage must be a string");
    }
    out.layout = {
      backgroundColor,
      backgroundImage,
      regions: regions?.map((r, i) => region(r, i, method)),
    };
  }
  return out;
}

/**
 * Sends `startPushPublicStream` or `updatePublicStreamParam` for `id`. Outside a room:
 * NOT_CONNECTED_YET; a malformed id or parameter: INVALID_PARAMS; the server adds REPEAT_PUSH
 * (pushed already) and STREAM_NOT_EXIST (an update of one not pushed).
 */
export async function pushPublicStream(
  connection: Connection,
  inRoom: boolean,
  method: "startPushPublicStream" | "updatePublicStreamParam",
  id: string,
  config: Partial<PublicStreamConfig>,
): Promise<void> {
  checkId(id, "publicStreamId", method);
  const param = wire(config, method);
  if (!inRoom) throw rtcError(ErrorCode.NOT_CONNECTED_YET, `${method}: not in a room; join a room of the app first`);
  await connection.request(method, { publicStreamId: id, param });
}

/** Sends `stopPushPublicStream` for `id`; STREAM_NOT_EXIST when it is not pushed. */
export async function stopPublicStream(connection: Connection, inRoom: boolean, id: string): Promise<void> {
  const method = "stopPushPublicStream";
  checkId(id, "publicStreamId", method);
  if (!inRoom) throw rtcError(ErrorCode.NOT_CONNECTED_YET, `${method}: not in a room; join a room of the app first`);
  await connection.request(method, { publicStreamId: id });
}

/**
 * `onPushPublicStreamResult`'s payload for public stream `id`: 200 when pushed; when `error`
 * is given, 1191 for a bad parameter (INVALID_PARAMS) and 1193 for any other failure, with
 * the error's code and message.
 */
export function pushResult(id: string, error?: unknown): { code: number; message: string } {
  if (error === undefined) return { code: 200, message: `public stream ${id} pushed` };
  const code = (error as { code?: unknown })?.code;
  const text = error instanceof Error ? error.message : String(error);
  return { code: code === ErrorCode.INVALID_PARAMS ? 1191 : 1193, message: `${String(code ?? "")}: ${text}` };
}
