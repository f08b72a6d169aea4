/**
 * Live transcoding from the Web SDK (the vendor's "push to CDN"): the server composites users of
 * this engine's room and pushes the result over RTMP to a URL, H.264 and AAC-LC in FLV
 * (docs/protocol.md, "Live transcoding"). How it goes arrives as `onStreamMixingEvent`, which
 * the server sends and the engine passes on as it comes. The server owns the push and checks
 * every value, naming the one that is wrong; this module checks the shape early, turns the
 * vendor's parameters into the protocol's, and holds no state.
 */
import {
  ErrorCode,
  type LiveTranscodeConfig as WireConfig,
  type LiveTranscodeRegion as WireRegion,
} from "../generated/protocol";
import { AAC_PROFILE, TRANSCODING_VIDEO_CODEC } from "../enums/values";
import { rtcError } from "../errors";
import type { Connection } from "../signal/connection";
import { checkId } from "../validate";

/** The pushed audio (the vendor's `LiveTranscodeAudioConfig`): AAC-LC only. */
export interface LiveTranscodeAudioConfig {
  /** `"AAC"`, the one codec. */
  codec?: "AAC";
  /** Bit rate in kbit/s, 32 to 192 (default 64). */
  kBitRate: number;
  /** 32000, 44100 or 48000 Hz (default 48000). */
  sampleRate: number;
  /** 1 or 2 (default 2). */
  channels: number;
  /** `AAC_PROFILE.LC`, the one profile Chorus encodes (HEv1 and HEv2 are refused). */
  AACProfile: AAC_PROFILE;
}

/**
 * The pushed video (the vendor's `LiveTranscodeVideoConfig`). `gop` is checked (1 to 5) but
 * keyframes come at least every 2 s whatever it says; H.265 is refused.
 */
export interface LiveTranscodeVideoConfig {
  /** Width, 2 to 1920 px (default 640; an odd one is rounded up). */
  width: number;
  /** Height, 2 to 1920 px (default 360; an odd one is rounded up). */
  height: number;
  /** `TRANSCODING_VIDEO_CODEC.H264`. */
  codec: TRANSCODING_VIDEO_CODEC;
  /** Frames per second, 1 to 60 (default 15). */
  fps: number;
  /** Seconds between keyframes, 1 to 5 (default 2). */
  gop: number;
  /** Bit rate in kbit/s, 1 to 10000 (default 500). */
  kBitRate: number;
}

/** One user's place in the pushed picture (the vendor's `LiveTranscodeLayoutRegion`). */
export interface LiveTranscodeLayoutRegion {
  /** Opacity in (0, 1] (default 1). */
  alpha?: number;
  /** The publishing user, in this engine's room. */
  userId: string;
  /** Left edge, a share of the width in [0, 1) (default 0). */
  x?: number;
  /** Top edge, a share of the height in [0, 1) (default 0). */
  y?: number;
  /** Stacking order, 0 (bottom) to 100 (default 0). */
  zorder?: number;
  /** Width, a share of the width in (0, 1] (default 1). */
  w?: number;
  /** Height, a share of the height in (0, 1] (default 1). */
  h?: number;
  /** 1 cover and crop (default), 2 fit inside, 3 stretch. */
  renderMode?: number;
  /** 0 audio and video (default), 1 audio only, 2 video only. */
  contentControl?: number;
  /** The screen share rather than the camera. */
  isScreenStream: boolean;
  /** Accepted, not used: regions name users, this one included, by `userId`. */
  isLocalUser?: boolean;
}

/** The layout (the vendor's `LiveTranscodeLayoutConfig`). */
export interface LiveTranscodeLayoutConfig {
  /** The users, at most 17. */
  regions: LiveTranscodeLayoutRegion[];
  /** Data for the app, up to 4 KB: kept by the server, not put into the stream. */
  appData: string;
  /** Background colour `#RRGGBB` (default `#000000`). */
  backgroundColor: string;
}

/** Live transcoding's parameters (the vendor's `LiveTranscodeConfig`). */
export interface LiveTranscodeConfig {
  /** Where to push: `rtmp://host[:port]/app/stream` (rtmps is refused). Cannot change. */
  url: string;
  /** The pushed audio. Cannot change. */
  audio?: Partial<LiveTranscodeAudioConfig>;
  /** The pushed video. */
  video?: Partial<LiveTranscodeVideoConfig>;
  /** The layout. */
  layout?: Partial<LiveTranscodeLayoutConfig>;
}

/** The live-transcoding calls. */
type Method = "startLiveTranscoding" | "updateLiveTranscoding";

function invalid(method: Method, message: string): Error {
  return rtcError(ErrorCode.INVALID_PARAMS, `${method}: ${message}`);
}

/** Copies the keys of `from` that are numbers (or absent) into `to`, naming any that is not. */
function numbers(
  from: Record<string, unknown>,
  keys: readonly string[],
  to: Record<string, unknown>,
  where: string,
  method: Method,
): void {
  for (const key of keys) {
    const value = from[key];
    if (value === undefined) continue;
    if (typeof value !== "number") throw invalid(method, `${where}.${key} must be a number`);
    to[key] = value;
  }
}

function region(r: LiveTranscodeLayoutRegion, i: number, method: Method): WireRegion {
  if (r === null || typeof r !== "object") throw invalid(method, `layout.regions[${i}] must be an object`);
  checkId(r.userId, `layout.regions[${i}].userId`, method);
  const out: WireRegion = { userId: r.userId, isScreenStream: r.isScreenStream === true };
  const keys = ["x", "y", "w", "h", "zorder", "alpha", "renderMode", "contentControl"];
  numbers(r as unknown as Record<string, unknown>, keys, out, `layout.regions[${i}]`, method);
  return out;
}

/** The protocol's form of `config`; only the shape is checked here, the values by the server. */
function wire(config: Partial<LiveTranscodeConfig>, method: Method): WireConfig {
  if (config === null || typeof config !== "object") throw invalid(method, "transcode must be an object");
  const out: WireConfig = {};
  if (config.url !== undefined) {
    if (typeof config.url !== "string") throw invalid(method, "url must be a string");
    out.url = config.url;
  }
  if (config.audio !== undefined) {
    const a = config.audio ?? {};
    out.audio = {};
    numbers(a, ["kBitRate", "sampleRate", "channels"], out.audio, "audio", method);
    if (a.codec !== undefined) out.audio.codec = String(a.codec);
    if (a.AACProfile !== undefined) out.audio.AACProfile = String(a.AACProfile);
  }
  if (config.video !== undefined) {
    const v = config.video ?? {};
    out.video = {};
    numbers(v, ["width", "height", "fps", "gop", "kBitRate"], out.video, "video", method);
    if (v.codec !== undefined) out.video.codec = String(v.codec);
  }
  if (config.layout !== undefined) {
    const l = config.layout ?? {};
    out.layout = {};
    if (l.backgroundColor !== undefined) out.layout.backgroundColor = String(l.backgroundColor);
    if (l.appData !== undefined) out.layout.appData = String(l.appData);
    if (l.regions !== undefined) {
      if (!Array.isArray(l.regions)) throw invalid(method, "layout.regions must be an array");
      out.layout.regions = l.regions.map((r, i) => region(r, i, method));
    }
  }
  return out;
}

function notInRoom(method: string): Error {
  return rtcError(ErrorCode.NOT_CONNECTED_YET, `${method}: live transcoding composites a room; join a room first`);
}

/** Sends `startLiveTranscoding`; `url` is required. */
export async function startLiveTranscoding(
  connection: Connection,
  inRoom: boolean,
  transcode: LiveTranscodeConfig,
): Promise<void> {
  if (!inRoom) throw notInRoom("startLiveTranscoding");
  const params = wire(transcode, "startLiveTranscoding");
  if (params.url === undefined) throw invalid("startLiveTranscoding", "url is missing");
  await connection.request("startLiveTranscoding", params);
}

/** Sends `updateLiveTranscoding` (layout and video; the URL and audio cannot change). */
export async function updateLiveTranscoding(
  connection: Connection,
  inRoom: boolean,
  transcode: Partial<LiveTranscodeConfig>,
): Promise<void> {
  if (!inRoom) throw notInRoom("updateLiveTranscoding");
  await connection.request("updateLiveTranscoding", wire(transcode, "updateLiveTranscoding"));
}

/** Sends `stopLiveTranscoding`; stopping what is off does nothing. */
export async function stopLiveTranscoding(connection: Connection, inRoom: boolean): Promise<void> {
  if (!inRoom) return;
  await connection.request("stopLiveTranscoding", {});
}

/** The vendor's defaults for every parameter (`url` empty: the caller gives it). */
export function defaultTranscoding(): Required<LiveTranscodeConfig> {
  return {
    url: "",
    audio: { codec: "AAC", kBitRate: 64, sampleRate: 48000, channels: 2, AACProfile: AAC_PROFILE.LC },
    video: { width: 640, height: 360, codec: TRANSCODING_VIDEO_CODEC.H264, fps: 15, gop: 2, kBitRate: 500 },
    layout: { regions: [], appData: "", backgroundColor: "#000000" },
  };
}
