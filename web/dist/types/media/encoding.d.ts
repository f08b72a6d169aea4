/**
 * Video encoding settings: the camera's (`setVideoEncoderConfig`, one config or one per
 * simulcast layer), its simulcast layers (`setLocalSimulcastMode`) and the screen's
 * (`setScreenEncoderConfig`). It turns them into capture constraints and into the senders'
 * encoding parameters (resolution scale, frame rate and bitrate cap per layer), and applies
 * them to what is being sent whenever a track is set or a setting changes. The number of
 * layers is fixed when the publisher transport is set up; everything else changes live.
 * Depends on nothing of the engine: the conductor hands it senders.
 */
import { SimulcastStreamType, StreamIndex } from "../generated/protocol";
import { VideoCodecType, VideoSimulcastMode } from "../enums/values";
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
export declare const DEFAULT_CAMERA: Readonly<VideoEncoderConfig>;
/** Encoding settings of the screen's video (the vendor's `ScreenEncoderConfig`). */
export type ScreenEncoderConfig = Omit<VideoEncoderConfig, "preferCodecName">;
/** The number in a constraint: itself, else its exact, ideal or max value. */
export declare function numberOf(c: ConstrainULong | ConstrainDouble | undefined): number | undefined;
/** Capture constraints that ask for `config`'s size and frame rate. */
export declare function captureConstraints(config: VideoEncoderConfig): MediaTrackConstraints;
/** Throws INVALID_PARAMS unless `config` is an object of sane numbers. */
export declare function checkConfig(config: unknown, method: string): VideoEncoderConfig;
/**
 * The simulcast layer closest to `wanted` when the highest layer is `top` (unknown: the high
 * one): from 70 % of its linear size the high layer, from 35 % the middle one, else the low.
 */
export declare function layerForSize(wanted: {
    width: number;
    height: number;
}, top: {
    width: number;
    height: number;
} | undefined): SimulcastStreamType;
/** An engine's video encoding settings. */
export declare class VideoEncoding {
    /** The camera's (the highest layer's) settings. */
    camera: VideoEncoderConfig;
    /** The screen's settings. */
    screen: ScreenEncoderConfig;
    /** The lower simulcast layers, lowest first; null: the layers `enableSimulcastMode` picks. */
    private layers;
    /**
     * Sets the simulcast layers below the camera's own (lowest first, at most two). With
     * {@link VideoSimulcastMode.VIDEO_ONLY_ONE} there are none. Returns whether the camera is
     * sent in layers.
     */
    setSimulcast(mode: VideoSimulcastMode, lower?: VideoEncoderConfig[]): boolean;
    /** Sets the camera's settings; with several configs, the first is the highest layer and the others lower ones. */
    setCamera(configs: VideoEncoderConfig | VideoEncoderConfig[]): boolean | null;
    /** Forgets custom layers: `enableSimulcastMode` picks its own. */
    useDefaultLayers(): void;
    /** The main video's send encodings for a new publisher transport (null: Chorus's default). */
    sendEncodings(): RTCRtpEncodingParameters[] | null;
    /**
     * Applies the settings of stream `index` to `sender`: each layer's scale (from the size
     * captured now), frame rate and bitrate cap, and the track's content hint.
     */
    tune(index: StreamIndex, sender: RTCRtpSender): Promise<void>;
    /** The camera's layers, highest first. */
    private ladder;
}
