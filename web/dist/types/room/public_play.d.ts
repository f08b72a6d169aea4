/**
 * Playing public streams in the Web SDK without joining their rooms: each public stream played
 * gets an engine of its own, hidden from the app, that joins the public stream's room (named
 * `PUBLIC_STREAM_PREFIX` + id, docs/protocol.md) invisibly with the token of the app engine's
 * room, receives its one publisher (the server's compositor) and shows it in the container that
 * `setPublicStreamVideoPlayer` gave; its first frames reach the app as the public stream's
 * (`onFirstPublicStreamVideoFrameDecoded`, `onFirstPublicStreamAudioFrameDecoded`). The app's
 * own room, and its one connection, stay as they are.
 */
import { StreamIndex, type RoomConfig } from "../generated/protocol";
import type { VideoPlayerConfig } from "../media/players";
import type { FiredEvents } from "../payloads";
/** What a public stream's hidden engine must do: an engine of the same app and server. */
export interface PlayerEngine {
    on(event: string, listener: (payload: {
        userId?: string;
        isScreen?: boolean;
        width?: number;
        height?: number;
    }) => void): unknown;
    joinRoom(token: string | null, roomId: string, userInfo: {
        userId: string;
    }, roomConfig?: RoomConfig): Promise<void>;
    leaveRoom(): Promise<void>;
    setRemoteVideoPlayer(index: StreamIndex, config: VideoPlayerConfig): unknown;
    setPlaybackVolume(userId: string, index: StreamIndex, volume: number): void;
    destroy(): void;
}
/** Where a player's token and user id come from: the app engine's room, when it is in one. */
export type PlayerCredentials = () => {
    token: string | null;
    userId: string;
} | null;
/** The public streams an engine plays, with their view options and volumes. */
export declare class PublicStreamPlayers {
    private readonly makeEngine;
    private readonly credentials;
    private readonly emit;
    private readonly playing;
    private readonly views;
    private readonly volumes;
    constructor(makeEngine: () => PlayerEngine, credentials: PlayerCredentials, emit: <E extends keyof FiredEvents>(event: E, ...args: Parameters<FiredEvents[E]>) => void);
    /** Sets (or, with no `renderDom`, clears) where public stream `id` shows, now or once it plays. */
    setVideoPlayer(id: string, option: Omit<VideoPlayerConfig, "userId" | "playerId">): void;
    /** Sets public stream `id`'s playback volume (0 to 400, 100 as sent), now or once it plays. */
    setVolume(id: string, volume: number): void;
    /**
     * Plays public stream `id`. REPEAT_PLAY when it plays already; NOT_CONNECTED_YET outside a
     * room (Chorus plays with a token of the app, and the room's is the one the engine has).
     */
    start(id: string): Promise<void>;
    /** Stops playing public stream `id` (a no-op when it does not play). */
    stop(id: string): Promise<void>;
    /** Stops everything (the app engine is destroyed). */
    stopAll(): void;
}
