/**
 * Local sources: the microphone, the camera, the screen, or tracks the app brings
 * (`setExternal*Track` after `set*SourceType(EXTERNAL)`). Owns the tracks it captured and stops
 * them; external tracks stay the app's. Reports every change of a stream's track through
 * {@link LocalMedia.onChange} so publishing, players and the room can follow.
 */
import { StreamIndex, VideoSourceType } from "../generated/protocol";
import { type ScreenEncoderConfig, type VideoEncoderConfig } from "./encoding";
export type { VideoEncoderConfig };
/** A track's kind. */
export type Kind = "audio" | "video";
/**
 * Screen capture options (the vendor's `ScreenConfig`), passed to the browser's screen picker.
 * `sourceId` names an Electron capture source, which Chorus does not support; it is ignored.
 */
export interface ScreenConfig {
    /** What the picker offers first: a screen, a tab or a window. */
    displaySurface?: "monitor" | "browser" | "window";
    /** Whether the user may switch the shared tab while sharing. */
    surfaceSwitching?: "include" | "exclude";
    /** Whether the picker offers the current tab. */
    selfBrowserSurface?: "include" | "exclude";
    /** An Electron source id (ignored, see above). */
    sourceId?: string;
    /** Frames per second: a Chorus shortcut; `setScreenEncoderConfig` is the vendor's way. */
    frameRate?: number;
    /**
     * Also capture the screen's audio (what the browser offers with the share: a tab's audio,
     * or the system's on some systems), published as the screen stream's audio. Default false.
     */
    enableAudio?: boolean;
    /** Whether the browser offers the system's audio (Chrome's `systemAudio`; default "include"). */
    systemAudio?: "include" | "exclude";
}
/** What is captured, per stream index and kind. */
export declare class LocalMedia {
    private sources;
    /** Camera settings for the next capture. */
    encoderConfig: VideoEncoderConfig;
    /** Microphone constraints for the next capture (the audio profile and capture config). */
    audioConstraints: () => MediaTrackConstraints;
    /** Screen settings for the next screen capture. */
    screenConfig: ScreenEncoderConfig;
    /** Extra camera constraints from `setVideoCaptureConfig`. */
    captureConfig: MediaTrackConstraints;
    /** A stream's track changed (null: no longer captured). */
    onChange: (index: StreamIndex, kind: Kind, track: MediaStreamTrack | null) => void;
    /** A captured track ended by itself. */
    onEnded: (index: StreamIndex, kind: Kind) => void;
    /** The track of `kind` on `index`, if any is live. */
    track(index: StreamIndex, kind: Kind): MediaStreamTrack | null;
    /** Starts the microphone. */
    startAudio(deviceId?: string): Promise<MediaTrackSettings>;
    /** Starts the camera. */
    startVideo(deviceId?: string): Promise<MediaTrackSettings>;
    /**
     * Starts the screen share: its video, and with `enableAudio` its audio too when the user
     * shares some (and the screen's audio source is internal).
     */
    startScreen(config?: ScreenConfig): Promise<MediaTrackSettings>;
    /** Stops the screen share: its video and the audio it captured (an app's audio track stays). */
    stopScreen(): void;
    /** Stops capturing `kind` on `index` (a no-op when nothing is captured). */
    stop(index: StreamIndex, kind: Kind, method: string): void;
    /** Switches a stream's source between internal capture and an app track. */
    setSourceType(index: StreamIndex, kind: Kind, type: VideoSourceType): void;
    /** Uses the app's `track` as the source of `kind` on `index`. */
    setExternal(index: StreamIndex, kind: Kind, track: MediaStreamTrack, method: string): void;
    /** Switches a running capture to another device; remembered for the next capture otherwise. */
    setDevice(kind: Kind, deviceId: string): Promise<void>;
    /** Whether the track of `kind` on `index` was captured by the SDK (not the app's own). */
    owns(index: StreamIndex, kind: Kind): boolean;
    /** The device last chosen for `kind`. */
    deviceId(kind: Kind): string | undefined;
    /** Stops everything captured. */
    destroy(): void;
    private begin;
    /** The camera's constraints: the encoder's size and rate, then `setVideoCaptureConfig`'s. */
    videoConstraints(deviceId?: string): MediaTrackConstraints;
    private getUserMedia;
    private set;
}
/** A DOMException or anything else, in a few words. */
export declare function describe(e: unknown): string;
