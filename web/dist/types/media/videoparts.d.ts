/**
 * The video features an engine's media conductor carries besides sending and receiving:
 * encoding settings, render mirroring, player visibility, placeholder pictures and the events
 * that follow players and local tracks. One object, so the conductor wires them in one place.
 */
import { StreamIndex } from "../generated/protocol";
import { type Kind } from "./capture";
import { DummyImages } from "./dummy";
import { VideoEncoding } from "./encoding";
import { Mirrors } from "./mirror";
import type { VideoPlayerView } from "./players";
import { TrackEvents, type TrackEventHooks } from "./trackevents";
import { VisibilityReports } from "./visibility";
import { JitterTargets, RenderSync } from "./sync";
/** An engine's video features. */
export declare class VideoParts {
    /** Encoding settings of the camera and the screen. */
    readonly encoding: VideoEncoding;
    /** Render mirroring. */
    readonly mirrors: Mirrors;
    /** Periodic `onPlayerVisibility` reports. */
    readonly visibility: VisibilityReports;
    /** Events of players and local tracks. */
    readonly events: TrackEvents;
    /** Placeholder pictures sent while the camera is off. */
    readonly dummies: DummyImages;
    /** Whether received audio and video play in sync. */
    readonly sync: RenderSync;
    /** Jitter buffer targets of received streams. */
    readonly jitter: JitterTargets;
    constructor(players: () => VideoPlayerView[], hooks: TrackEventHooks, receiver: (userId: string, index: StreamIndex, kind: Kind) => RTCRtpReceiver | undefined);
    /** A video player was bound, or got another track. */
    playerChanged(view: VideoPlayerView): void;
    /** A local track changed. */
    localTrack(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void;
    /** Reports the size `track` captures when it is not what the encoder asked for. */
    checkLocalSize(index: StreamIndex, track: MediaStreamTrack | null): void;
    /**
     * Applies changed settings of stream `index` to what is captured and sent: `constraints` to
     * `track` when the SDK captured it (an app's track stays as the app made it), the encoding
     * to `sender`; then reports a size other than the one asked for.
     */
    apply(index: StreamIndex, track: MediaStreamTrack | null, owned: boolean, constraints: MediaTrackConstraints, sender: RTCRtpSender | undefined): Promise<void>;
    /** Stops everything. */
    destroy(): void;
}
