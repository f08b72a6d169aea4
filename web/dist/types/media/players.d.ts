/**
 * Players: `<video>` elements the SDK puts in the app's containers (`set*VideoPlayer`) and
 * hidden `<audio>` elements that play every received audio track. Video is muted, so it always
 * autoplays; audio may be refused without a user gesture, which is reported
 * (`onAutoplayFailed`) and retried on the page's next click or key press. As in the vendor's
 * SDK, one stream may show in several players, each named by a `playerId` (none: the default).
 */
import { MediaType, StreamIndex, VideoRenderMode } from "../generated/protocol";
import type { AutoPlayFailedEvent, PlayerEvent } from "../payloads";
/** Where and how to render a video (`setLocalVideoPlayer` / `setRemoteVideoPlayer`). */
export interface VideoPlayerConfig {
    /** The container: an element or its id. Omit it (or pass null) to remove the player. */
    renderDom?: HTMLElement | string | null;
    /** Whose video: needed for remote players; for local ones, only the id their events carry. */
    userId?: string;
    /** How the picture fills the container (default RENDER_MODE_HIDDEN: cover and crop). */
    renderMode?: VideoRenderMode;
    /** Which of the stream's players (none: the default one). */
    playerId?: string;
    /** The vendor's rotation of remote video; Chorus renders unrotated and ignores it. */
    rotation?: number;
}
/** What players report. */
export interface PlayerEvents {
    autoplayFailed(payload: AutoPlayFailedEvent): void;
    playerEvent(payload: PlayerEvent): void;
    /** A video player was bound or got another track (or none): mirror, visibility and first-frame watchers follow. */
    videoChanged?(view: VideoPlayerView): void;
}
/** A video player as the modules that decorate or watch it see it. */
export interface VideoPlayerView {
    /** Its element. */
    readonly el: HTMLVideoElement | HTMLAudioElement;
    /** The user its events name (for local players, the id the app gave). */
    readonly userId: string;
    /** Whose stream it shows: the publisher, or "" for a local player. */
    readonly owner: string;
    /** Main or screen. */
    readonly index: StreamIndex;
    /** The player, when not the default one. */
    readonly playerId?: string;
    /** The track it shows now. */
    readonly current: MediaStreamTrack | null;
}
/** Resolves a `renderDom` option, or throws CANT_FIND_DOM. */
export declare function findDom(dom: HTMLElement | string, method: string): HTMLElement;
/** Every player of an engine. */
export declare class Players {
    private readonly events;
    private video;
    private audio;
    private blocked;
    private sinkId;
    private mutedAudio;
    private readonly retry;
    constructor(events: PlayerEvents);
    /**
     * Shows `track` (when there is one) in `config.renderDom`, in the player `config.playerId`;
     * no renderDom removes that player. Returns the player's `<video>`, if any.
     */
    setLocal(index: StreamIndex, config: VideoPlayerConfig | undefined, track: MediaStreamTrack | null): HTMLVideoElement | undefined;
    /** The local stream's track changed. */
    localTrack(index: StreamIndex, track: MediaStreamTrack | null): void;
    /** Like {@link setLocal}, for `config.userId`'s video. */
    setRemote(index: StreamIndex, config: VideoPlayerConfig, track: MediaStreamTrack | null): HTMLVideoElement | undefined;
    /** A remote video track appeared, changed or went (null): every player of the stream follows. */
    remoteTrack(userId: string, index: StreamIndex, track: MediaStreamTrack | null): void;
    /** Plays (or stops playing, with null) a remote user's audio. */
    remoteAudio(userId: string, index: StreamIndex, track: MediaStreamTrack | null): void;
    /** Mutes `userId`'s audio element on `index` (now and when it comes): it plays elsewhere. */
    muteAudio(userId: string, index: StreamIndex, muted: boolean): void;
    /** The `<video>` showing `userId`'s stream (null: the local one): its default player, else any. */
    videoElement(index: StreamIndex, userId: string | null): HTMLVideoElement | null;
    /**
     * Retries the players the browser refused to start: those of `userId` (all when none is
     * given), narrowed to `mediaType`, `index` and `playerId` when given. Resolves once they tried.
     */
    play(userId?: string, mediaType?: MediaType, index?: StreamIndex, playerId?: string): Promise<void>;
    /**
     * Pauses players, as the vendor's `stop`: `userId`'s (none or "": the local ones), of
     * `mediaType` (default both) and stream `index` (default both), the player `playerId` (none:
     * the default one; audio has only that). They stay bound and paused, a new track too, until
     * {@link play}. Nothing is unsubscribed.
     */
    stop(userId?: string, mediaType?: MediaType, index?: StreamIndex, playerId?: string): void;
    /** Every video player, local and remote. */
    videoPlayers(): VideoPlayerView[];
    /** The output device chosen with {@link setSinkId} (null: the system default). */
    get outputId(): string | null;
    /** Sends remote audio to another output device ("default" is always accepted). */
    setSinkId(deviceId: string): Promise<void>;
    /** Removes every remote player's track (leaving the room); the players stay bound. */
    clearRemote(): void;
    /** Removes every player. */
    destroy(): void;
    private bind;
}
