/**
 * Players: `<video>` elements the SDK puts in the app's containers (`set*VideoPlayer`) and
 * hidden `<audio>` elements that play every received audio track. Video is muted, so it always
 * autoplays; audio may be refused without a user gesture, which is reported
 * (`onAutoplayFailed`) and retried on the page's next click or key press.
 */
import { StreamIndex, VideoRenderMode } from "../generated/protocol";
/** Where and how to render a video (`setLocalVideoPlayer` / `setRemoteVideoPlayer`). */
export interface VideoPlayerConfig {
    /** The container: an element or its id. Omit it to remove the player. */
    renderDom?: HTMLElement | string | null;
    /** Whose video. */
    userId: string;
    /** How the picture fills the container (default HIDDEN: cover and crop). */
    renderMode?: VideoRenderMode;
}
/** What players report. */
export interface PlayerEvents {
    autoplayFailed(payload: {
        userId: string;
        kind: "audio" | "video";
        streamIndex: StreamIndex;
    }): void;
    playerEvent(payload: {
        userId: string;
        type: "audio" | "video";
        streamIndex: StreamIndex;
        rawEvent: Event;
    }): void;
}
/** Resolves a `renderDom` option, or throws CANT_FIND_DOM. */
export declare function findDom(dom: HTMLElement | string, method: string): HTMLElement;
/** Every player of an engine. */
export declare class Players {
    private readonly events;
    private local;
    private remote;
    private audio;
    private blocked;
    private sinkId;
    private readonly retry;
    constructor(events: PlayerEvents);
    /** Shows `track` (when there is one) in `config.renderDom`; no renderDom removes the player. */
    setLocal(index: StreamIndex, config: VideoPlayerConfig, track: MediaStreamTrack | null): void;
    /** The local player's track changed. */
    localTrack(index: StreamIndex, track: MediaStreamTrack | null): void;
    /** Like {@link setLocal}, for a remote user's video. */
    setRemote(index: StreamIndex, config: VideoPlayerConfig, track: MediaStreamTrack | null): void;
    /** A remote video track appeared, changed or went (null). */
    remoteTrack(userId: string, index: StreamIndex, track: MediaStreamTrack | null): void;
    /** Plays (or stops playing, with null) a remote user's audio. */
    remoteAudio(userId: string, index: StreamIndex, track: MediaStreamTrack | null): void;
    /** The `<video>` showing `userId`'s stream (local players under the local user id). */
    videoElement(index: StreamIndex, userId: string | null): HTMLVideoElement | null;
    /** Retries players of `userId` (or all) that the browser refused to start. */
    play(userId?: string): void;
    /** The output device chosen with {@link setSinkId} (null: the system default). */
    get outputId(): string | null;
    /** Sends remote audio to another output device ("default" is always accepted). */
    setSinkId(deviceId: string): Promise<void>;
    /** Removes every remote player's track (leaving the room); the players stay bound. */
    clearRemote(): void;
    /** Removes every player. */
    destroy(): void;
    private mount;
}
