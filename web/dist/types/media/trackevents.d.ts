/**
 * Video and track events that follow players and local tracks: `onVideoFirstFrameRendered`
 * (a remote player showed its first frame), `onRemoteVideoSizeChanged` (the size of a remote
 * picture changed), `onLocalVideoSizeChanged` (the camera or screen captures another size than
 * the encoder asked for) and `onTrackMute`/`onTrackUnmute` (a local source stopped or resumed
 * delivering frames or samples). Depends on the players' view and plain tracks only.
 */
import { StreamIndex } from "../generated/protocol";
import type { Kind } from "./capture";
import { type VideoEncoderConfig } from "./encoding";
import type { VideoPlayerView } from "./players";
/**
 * `onVideoFirstFrameRendered`: a remote player showed its first frame of a track (again after
 * it gets another track).
 */
export interface VideoFirstFrameRenderedEvent {
    /** Whose video. */
    userId: string;
    /** In pixels. */
    width: number;
    /** In pixels. */
    height: number;
    /** Whether it is the screen stream. */
    isScreen: boolean;
    /** The player, when not the default one. */
    playerId?: string;
}
/** `onVideoFirstFrameDecoded`: the first frame of a remote video decoded. */
export interface VideoFirstFrameDecodedEvent {
    /** Whose video. */
    userId: string;
    /** In pixels. */
    height: number;
    /** In pixels. */
    width: number;
}
/** A picture's size. */
export interface VideoSize {
    /** In pixels. */
    width: number;
    /** In pixels. */
    height: number;
}
/** `onLocalVideoSizeChanged`: what a local stream captures, where it is not what was asked. */
export interface LocalVideoSizeChangedEvent {
    /** Main or screen. */
    streamIndex: StreamIndex;
    /** The size captured. */
    info: VideoSize;
}
/** `onTrackMute` / `onTrackUnmute`: a local source stopped or resumed delivering media. */
export interface TrackMuteEvent {
    /** "audio" or "video". */
    kind: string;
    /** Whether it is the screen stream. */
    isScreen: boolean;
}
/** What the watchers need from the engine. */
export interface TrackEventHooks {
    /** Emits an engine event. */
    emit(event: string, ...args: unknown[]): void;
    /** The room, when in one. */
    roomId(): string | undefined;
}
/** Watches players and local tracks for the events above. */
export declare class TrackEvents {
    private readonly hooks;
    private rendered;
    private resizing;
    private sizes;
    /** The largest picture seen of each remote stream (its highest layer, as far as seen). */
    private largest;
    private muteWatched;
    constructor(hooks: TrackEventHooks);
    /** A video player was bound or got another track. */
    playerChanged(view: VideoPlayerView): void;
    /** A local track of `kind` on `index` is now `track`: mute and unmute are reported. */
    localTrack(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void;
    /**
     * Compares what `track` captures with what `config` asked for; reports the size captured
     * when it differs (in either side by more than a pixel).
     */
    checkLocalSize(index: StreamIndex, track: MediaStreamTrack | null, config: VideoEncoderConfig): void;
    /** Forgets the remote sizes seen (leaving the room). */
    reset(): void;
    /** The largest picture of `userId`'s stream `index` shown so far, if any. */
    largestSize(userId: string, index: StreamIndex): VideoSize | undefined;
    private watchFirstRender;
    private watchResize;
}
