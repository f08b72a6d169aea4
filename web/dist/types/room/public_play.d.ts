/**
 * Playing public streams and WTN streams in the Web SDK without joining their rooms: each
 * stream played gets an engine of its own, hidden from the app, that joins the stream's room
 * (named `PUBLIC_STREAM_PREFIX` + id, docs/protocol.md) invisibly, receives its one publisher
 * (the server's compositor, or a WTN pusher) and shows it in the container that
 * `setPublicStreamVideoPlayer` gave. Its first frames, SEI, stats and tracks reach the app as
 * the public stream's. The engine's `startPlayPublicStream` and the WTN manager's
 * `startPlayWTN` both play here, so one stream plays once (REPEAT_PLAY). The app's own room,
 * and its one connection, stay as they are.
 */
import { MediaType, StreamIndex, type RoomConfig } from "../generated/protocol";
import type { VideoPlayerConfig } from "../media/players";
import type { PlayerVisibility } from "../media/visibility";
import type { RemoteAudioStats, RemoteVideoStats } from "../media/statstypes";
import type { FiredEvents } from "../payloads";
/** What a hidden engine must do: an engine of the same app and server. */
export interface PlayerEngine {
    on(event: string, listener: (...payload: any[]) => void): unknown;
    joinRoom(token: string | null, roomId: string, userInfo: {
        userId: string;
    }, roomConfig?: RoomConfig): Promise<void>;
    leaveRoom(): Promise<void>;
    setRemoteVideoPlayer(index: StreamIndex, config: VideoPlayerConfig): HTMLVideoElement | undefined;
    setPlaybackVolume(userId: string, index: StreamIndex, volume: number): void;
    getRemoteStreamTrack(userId: string, index: StreamIndex, type: "video" | "audio"): MediaStreamTrack | undefined;
    getRemotePlayerVisibility(userId: string, index: StreamIndex): PlayerVisibility | undefined;
    subscribeStream(userId: string, mediaType: MediaType): Promise<void>;
    unsubscribeStream(userId: string, mediaType: MediaType): Promise<void>;
    destroy(): void;
}
/** Where a player's token and user id come from: the app engine's room, when it is in one. */
export type PlayerCredentials = () => {
    token: string | null;
    userId: string;
} | null;
/** How {@link PublicStreamPlayers.start} plays: the WTN manager's choices. */
export interface PlayOptions {
    /** The token and user to play as (default: the app engine's room's). */
    who?: {
        token: string | null;
        userId: string;
    };
    /** The calling method, named in errors. */
    method?: string;
    /** Whether the audio, the video, start unsubscribed. */
    audioMute?: boolean;
    videoMute?: boolean;
    /** Sees the hidden engine before it joins, to add listeners of its own. */
    observe?: (engine: PlayerEngine, publisher: string) => void;
}
/** The public streams an engine plays, with their view options, volumes and latest stats. */
export declare class PublicStreamPlayers {
    private readonly makeEngine;
    private readonly credentials;
    private readonly emit;
    private readonly playing;
    private readonly views;
    private readonly volumes;
    private readonly stats;
    constructor(makeEngine: () => PlayerEngine, credentials: PlayerCredentials, emit: <E extends keyof FiredEvents>(event: E, ...args: Parameters<FiredEvents[E]>) => void);
    /** Sets (or, with no `renderDom`, clears) where stream `id` shows, now or once it plays. */
    setVideoPlayer(id: string, option: Omit<VideoPlayerConfig, "userId" | "playerId">, method?: string): HTMLVideoElement | undefined;
    /** Sets stream `id`'s playback volume (0 to 400, 100 as sent), now or once it plays. */
    setVolume(id: string, volume: number, method?: string): void;
    /** Whether stream `id` plays here. */
    plays(id: string): boolean;
    /** Stream `id`'s received track of `type`, if it plays and the publisher sends one. */
    track(id: string, type: "video" | "audio"): MediaStreamTrack | undefined;
    /** Stream `id`'s player's visibility, named by the stream id, if it plays and shows. */
    visibility(id: string): PlayerVisibility | undefined;
    /** Subscribes to, or drops, stream `id`'s audio or video (the WTN manager's remote mutes). */
    setReceiving(id: string, mediaType: MediaType, receive: boolean): Promise<void>;
    /** The latest video figures of each stream played (from the last 2 s stats). */
    videoStats(): Record<string, RemoteVideoStats>;
    /** The latest audio figures of each stream played (from the last 2 s stats). */
    audioStats(): Record<string, RemoteAudioStats>;
    /**
     * Plays stream `id`. REPEAT_PLAY when it plays already; without `options.who`,
     * NOT_CONNECTED_YET outside a room (the engine's `startPlayPublicStream` takes no token, so
     * it plays with its room's).
     */
    start(id: string, options?: PlayOptions): Promise<void>;
    /** Stops playing stream `id` (a no-op when it does not play). */
    stop(id: string, method?: string): Promise<void>;
    /** Stops everything (the app engine is destroyed). */
    stopAll(): void;
}
