/**
 * Video encoding settings: the camera's (`setVideoEncoderConfig`, one config or one per
 * simulcast layer), its simulcast layers (`setLocalSimulcastMode`) and the screen's
 * (`setScreenEncoderConfig`). It turns them into capture constraints and into the senders'
 * encoding parameters (resolution scale, frame rate and bitrate cap per layer), and applies
 * them to what is being sent whenever a track is set or a setting changes. The number of
 * layers is fixed when the publisher transport is set up; everything else changes live.
 * Depends on nothing of the engine: the conductor hands it senders.
 */
import { ErrorCode, SimulcastStreamType, StreamIndex } from "../generated/protocol";
import { VideoCodecType, VideoSimulcastMode } from "../enums/values";
import { rtcError } from "../errors";
import { warn } from "../log";

/**
 * Encoding settings of the camera's video (the vendor's `VideoEncoderConfig`). The vendor
 * requires every field but the last two; Chorus takes any subset and leaves the rest to the
 * browser. Until the app sets one, the camera is captured and sent as {@link DEFAULT_CAMERA}.
 */
export interface VideoEncoderConfig {
  /** Width in pixels: a number, or a constraint (`{ideal, min, max, exact}`). */
  width?: ConstrainULong;
  /** Height in pixels: a number, or a constraint. */
  height?: ConstrainULong;
  /** Frames per second: a number, or a constraint. */
  frameRate?: ConstrainDouble;
  /** Most kbit/s the encoder may send. */
  maxKbps?: number;
  /** What the picture shows, which tells the encoder what to keep: sharpness or motion. */
  contentHint?: "text" | "motion" | "detail";
  /**
   * The codec the camera is sent in: H.264 or VP8 (H.265 where the browser encodes it);
   * `auto` (the default): H.264, then VP8. It is negotiated when the publisher transport is
   * set up, so it takes effect from the next join when set while publishing.
   */
  preferCodecName?: VideoCodecType;
}

/**
 * The camera's settings until the app sets its own, the vendor's documented defaults: 640x480
 * at 15 fps and at most 600 kbit/s.
 */
export const DEFAULT_CAMERA: Readonly<VideoEncoderConfig> = { width: 640, height: 480, frameRate: 15, maxKbps: 600 };

/** Encoding settings of the screen's video (the vendor's `ScreenEncoderConfig`). */
export type ScreenEncoderConfig = Omit<VideoEncoderConfig, "preferCodecName">;

/** The vendor's default low layer of `setLocalSimulcastMode`: 120x90 at 10 fps and 100 kbit/s. */
const DEFAULT_LOW: VideoEncoderConfig = { width: 120, height: 90, frameRate: 10, maxKbps: 100 };

/** Layer names, highest first, as the SFU orders them (full, half, quarter). */
const RIDS = ["f", "h", "q"];

/** The number in a constraint: itself, else its exact, ideal or max value. */
export function numberOf(c: ConstrainULong | ConstrainDouble | undefined): number | undefined {
  if (typeof c === "number") return c;
  if (c && typeof c === "object") return c.exact ?? c.ideal ?? c.max ?? c.min;
  return undefined;
}

/** A constraint for capture: numbers as ideals, constraint objects as given. */
function constraint<T extends ConstrainULong | ConstrainDouble>(c: T | undefined): T | undefined {
  return typeof c === "number" ? ({ ideal: c } as T) : c;
}

/** Capture constraints that ask for `config`'s size and frame rate. */
export function captureConstraints(config: VideoEncoderConfig): MediaTrackConstraints {
  const out: MediaTrackConstraints = {};
  const [width, height, frameRate] = [
    constraint(config.width),
    constraint(config.height),
    constraint(config.frameRate),
  ];
  if (width !== undefined) out.width = width;
  if (height !== undefined) out.height = height;
  if (frameRate !== undefined) out.frameRate = frameRate;
  return out;
}

/** Throws INVALID_PARAMS unless `config` is an object of sane numbers. */
export function checkConfig(config: unknown, method: string): VideoEncoderConfig {
  const c = config as VideoEncoderConfig;
  const bad = (v: unknown) => v !== undefined && (typeof v === "number" ? !(v > 0) : typeof v !== "object");
  if (
    !c ||
    typeof c !== "object" ||
    bad(c.width) ||
    bad(c.height) ||
    bad(c.frameRate) ||
    (c.maxKbps !== undefined && !(typeof c.maxKbps === "number" && c.maxKbps > 0))
  )
    throw rtcError(
      ErrorCode.INVALID_PARAMS,
      `${method}: pass {width, height, frameRate, maxKbps} with positive numbers (width, height and frameRate may be constraints)`,
    );
  if (c.preferCodecName !== undefined && !Object.values(VideoCodecType).includes(c.preferCodecName))
    throw rtcError(
      ErrorCode.INVALID_PARAMS,
      `${method}: preferCodecName must be one of ${Object.values(VideoCodecType).join(", ")}`,
    );
  return { ...c };
}

/**
 * The simulcast layer closest to `wanted` when the highest layer is `top` (unknown: the high
 * one): from 70 % of its linear size the high layer, from 35 % the middle one, else the low.
 */
export function layerForSize(
  wanted: { width: number; height: number },
  top: { width: number; height: number } | undefined,
): SimulcastStreamType {
  const scale = top ? Math.sqrt((wanted.width * wanted.height) / (top.width * top.height)) : 1;
  if (scale >= 0.7) return SimulcastStreamType.VIDEO_STREAM_HIGH;
  return scale >= 0.35 ? SimulcastStreamType.VIDEO_STREAM_MID : SimulcastStreamType.VIDEO_STREAM_LOW;
}

/** An engine's video encoding settings. */
export class VideoEncoding {
  /** The camera's (the highest layer's) settings. */
  camera: VideoEncoderConfig = { ...DEFAULT_CAMERA };
  /** The screen's settings. */
  screen: ScreenEncoderConfig = {};
  /** The lower simulcast layers, lowest first; null: the layers `enableSimulcastMode` picks. */
  private layers: VideoEncoderConfig[] | null = null;

  /**
   * Sets the simulcast layers below the camera's own (lowest first, at most two). With
   * {@link VideoSimulcastMode.VIDEO_ONLY_ONE} there are none. Returns whether the camera is
   * sent in layers.
   */
  setSimulcast(mode: VideoSimulcastMode, lower?: VideoEncoderConfig[]): boolean {
    if (!Object.values(VideoSimulcastMode).includes(mode))
      throw rtcError(
        ErrorCode.INVALID_PARAMS,
        "setLocalSimulcastMode: mode must be VIDEO_ONLY_ONE (0), VIDEO_ON_DEMAND (1) or VIDEO_ALWAYS_SIMULCAST (2)",
      );
    if (lower !== undefined && (!Array.isArray(lower) || lower.length > 2))
      throw rtcError(
        ErrorCode.SET_SIMULCAST_FAILED,
        "setLocalSimulcastMode: pass at most two layer configs, lowest first (browsers send at most three layers)",
      );
    if (mode === VideoSimulcastMode.VIDEO_ONLY_ONE) {
      this.layers = [];
      return false;
    }
    const layers = (lower?.length ? lower : [DEFAULT_LOW]).map((c) => checkConfig(c, "setLocalSimulcastMode"));
    const top = numberOf(this.camera.width);
    for (const l of layers) {
      const w = numberOf(l.width);
      if (top !== undefined && w !== undefined && w > top)
        throw rtcError(
          ErrorCode.SET_SIMULCAST_FAILED,
          `setLocalSimulcastMode: a lower layer (${w} px wide) must be smaller than the camera's ${top} px`,
        );
    }
    this.layers = layers;
    return true;
  }

  /** Sets the camera's settings; with several configs, the first is the highest layer and the others lower ones. */
  setCamera(configs: VideoEncoderConfig | VideoEncoderConfig[]): boolean | null {
    const list = (Array.isArray(configs) ? configs : [configs]).map((c) => checkConfig(c, "setVideoEncoderConfig"));
    if (list.length === 0 || list.length > 3)
      throw rtcError(
        ErrorCode.INVALID_PARAMS,
        "setVideoEncoderConfig: pass one config, or one per simulcast layer (at most three, highest first)",
      );
    this.camera = list[0];
    if (list.length === 1) return null;
    this.layers = list.slice(1).reverse();
    return true;
  }

  /** Forgets custom layers: `enableSimulcastMode` picks its own. */
  useDefaultLayers(): void {
    this.layers = null;
  }

  /** The main video's send encodings for a new publisher transport (null: Chorus's default). */
  sendEncodings(): RTCRtpEncodingParameters[] | null {
    if (this.layers === null || this.layers.length === 0) return null;
    const top = numberOf(this.camera.width);
    return this.ladder().map((config, i) => {
      const w = numberOf(config.width);
      const scale = i === 0 || top === undefined || w === undefined ? 2 ** (i * 2) : Math.max(1, top / w);
      return { rid: RIDS[i], scaleResolutionDownBy: scale };
    });
  }

  /**
   * Applies the settings of stream `index` to `sender`: each layer's scale (from the size
   * captured now), frame rate and bitrate cap, and the track's content hint.
   */
  async tune(index: StreamIndex, sender: RTCRtpSender): Promise<void> {
    const track = sender.track;
    if (!track || track.kind !== "video") return;
    const main = index === StreamIndex.STREAM_INDEX_MAIN;
    const top = main ? this.camera : this.screen;
    if (top.contentHint && track.contentHint !== top.contentHint) track.contentHint = top.contentHint;
    const params = sender.getParameters();
    if (!params.encodings?.length) return;
    const layered = main && params.encodings.length > 1 && this.layers !== null && this.layers.length > 0;
    const configs = layered ? this.ladder() : [top];
    const captured = track.getSettings().width;
    params.encodings.forEach((e, i) => {
      const config = configs[Math.min(i, configs.length - 1)];
      const kbps = config.maxKbps;
      const fps = numberOf(config.frameRate);
      if (kbps) e.maxBitrate = kbps * 1000;
      if (fps) e.maxFramerate = fps;
      const w = numberOf(config.width);
      if (layered && i > 0 && captured && w) e.scaleResolutionDownBy = Math.max(1, captured / w);
    });
    await sender.setParameters(params).catch((e) => warn("encoding parameters not applied:", (e as Error).message));
  }

  /** The camera's layers, highest first. */
  private ladder(): VideoEncoderConfig[] {
    return [this.camera, ...[...(this.layers ?? [])].reverse()].slice(0, RIDS.length);
  }
}
