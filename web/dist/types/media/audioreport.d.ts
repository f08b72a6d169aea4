/**
 * Audio level reports: `onLocalAudioPropertiesReport`, `onRemoteAudioPropertiesReport` and
 * `onActiveSpeaker` every interval of `enableAudioPropertiesReport`, and the deprecated
 * `onAudioVolumeIndication` every interval of `setAudioVolumeIndicationInterval`. Levels come
 * from {@link Volumes.level} (local streams as sent, remote ones as received, so a playback
 * volume does not change them, as in the vendor's SDK). Reports run only in a room.
 */
import { StreamIndex } from "../generated/protocol";
import type { AudioReportMode, LocalMainReportMode } from "../enums/values";
import type { RoomState } from "../room/state";
import type { RemoteAudio, Volumes } from "./volume";
/** What the reports need from the engine. */
export interface ReportHooks {
    /** The room, when joined. */
    room(): RoomState | null;
    /** Emits an engine event. */
    emit(event: string, ...args: unknown[]): void;
    /** Whether the local stream `index` has a live audio track. */
    hasLocal(index: StreamIndex): boolean;
    /** The audio tracks received now. */
    remote(): RemoteAudio[];
}
/**
 * `enableAudioPropertiesReport`'s options (the vendor's `AudioPropertiesConfig`). Chorus uses
 * `interval`; reports go on while the page is hidden (the vendor's default for
 * `enableInBackground`), and the local report measures the microphone as sent, which is what
 * both report modes give while Chorus mixes nothing into it.
 */
export interface AudioPropertiesConfig {
    /** Milliseconds between reports (default 100; 0 or less: off; below 100: 100). */
    interval?: number;
    /** Whether reports go on while the page is hidden (accepted; they always do). */
    enableInBackground?: boolean;
    /** The vendor's local report mode (accepted; see above). */
    localMainReportMode?: LocalMainReportMode;
    /** The vendor's report range (accepted; see above). */
    audioReportMode?: AudioReportMode;
}
/** The shortest interval; shorter ones are raised to it (the vendor's rule). */
export declare const MIN_INTERVAL_MS = 100;
/** An engine's audio level reports. */
export declare class AudioReports {
    private readonly volumes;
    private readonly hooks;
    private properties;
    private indication;
    private speaker;
    constructor(volumes: Volumes, hooks: ReportHooks);
    /** `enableAudioPropertiesReport`'s interval (0 or less: off). */
    setProperties(ms: unknown): void;
    /** `setAudioVolumeIndicationInterval`'s interval (0 or less: off). */
    setIndication(ms: unknown): void;
    /** A room session started. */
    joined(): void;
    /** The room session ended. */
    left(): void;
    private reportProperties;
    private reportIndication;
}
