/**
 * The engine's stay in a room: joining (and retrying a join that failed on its token), leaving,
 * visibility, publishing and subscribing, telling the room what is captured, and rejoining on a
 * new socket (a rejoin that could not resume asks again for what the app subscribed to, and
 * shows the app only who is new or did not come back). It owns the {@link RoomState}; media is
 * the {@link MediaConductor}'s. It knows nothing of the login or of the app's events: the engine
 * wires those, so this stays one concern.
 */
import { MediaType, StreamIndex, type IceServer, type Methods, type RoomConfig, type SimulcastStreamType, type UserInfo } from "../generated/protocol";
import type { Connection } from "../signal/connection";
import type { RequestOptions, ServerEvent } from "../signal/client";
import { type Kind } from "../media/capture";
import { type MediaConductor } from "../media/conductor";
import { RoomState } from "./state";
import type { StreamResults } from "./results";
/** The subscription methods, which all take a user and a media type. */
export type SubscriptionMethod = "subscribeStream" | "unsubscribeStream" | "subscribeScreen" | "unsubscribeScreen";
/** Room methods that send a message. */
type RoomSend = "sendUserMessage" | "sendUserBinaryMessage" | "sendRoomMessage" | "sendRoomBinaryMessage";
/** What the session needs from the engine. */
export interface SessionHooks {
    /** Throws INVALID_ENGINE once the engine is destroyed. */
    live(): void;
    /** Closes the connection when nothing needs it any more. */
    closeIfIdle(): void;
    /** Publish and subscribe results, for the app's events. */
    results: StreamResults;
    /**
     * The server answered a join (`startedAt`: when it began, `performance.now()`) with these
     * TURN servers, which it keeps before it returns. A rejection refuses the join: the session
     * leaves the room again.
     */
    answered?(iceServers: IceServer[], startedAt: number): Promise<void>;
    /**
     * An event the app must hear as if the server had sent it: the close of the return window
     * after a rejoin that could not resume (see {@link Roster}) says who did not come back.
     */
    announce?(event: ServerEvent): void;
}
/** An engine's room, joined or not. */
export declare class RoomSession {
    private readonly connection;
    private readonly media;
    private readonly hooks;
    /** The room, when joined. */
    room: RoomState | null;
    /** Whether a join is under way. */
    joining: boolean;
    private failedJoin;
    private visibleBeforeJoin;
    /** Closes the roster's return window after a rejoin that could not resume. */
    private rosterTimer;
    constructor(connection: Connection, media: MediaConductor, hooks: SessionHooks);
    /** Checks the arguments and joins (REPEAT_JOIN while in a room or joining). */
    joinRoom(token: string | null, roomId: string, userInfo: UserInfo, roomConfig: RoomConfig): Promise<void>;
    /** Leaves the room; a no-op outside one. */
    leave(): Promise<void>;
    /** Replaces the room token, or retries a join that failed on its token. */
    updateToken(token: string): Promise<void>;
    /** Shows or hides this user; outside a room, for the next join. */
    setVisibility(visible: boolean): Promise<void>;
    /** Publishes `mediaType` of stream `index`; `method` names the app's call in errors. */
    publish(index: StreamIndex, mediaType: MediaType, method: string): Promise<void>;
    /** Stops publishing `mediaType` of stream `index`. */
    unpublish(index: StreamIndex, mediaType: MediaType, method: string): Promise<void>;
    /** Subscribes to or unsubscribes from `userId`'s `mediaType`. */
    subscription(method: SubscriptionMethod, userId: string, mediaType: MediaType): Promise<void>;
    /** Picks the simulcast layer of `userId`'s video to receive, kept for a rejoin. */
    layer(userId: string, streamType: SimulcastStreamType): Promise<void>;
    /** Pauses (`on`) or resumes what is received of `mediaType`, kept for a rejoin. */
    pause(mediaType: MediaType, on: boolean): Promise<void>;
    /**
     * A server event, after the app heard it (or the roster kept it from the app): a stream
     * published again after a rejoin is subscribed again if the app had subscribed to it.
     */
    heard({ event, data }: ServerEvent): void;
    /** Sends a message in the room (USER_MESSAGE_NOT_JOIN outside one). */
    send<M extends RoomSend>(method: M, params: Methods[M]["params"], options: RequestOptions): Promise<Methods[M]["result"]>;
    /** Capture of `kind` on stream `index` started (`track`) or stopped (null). */
    captureChanged(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void;
    /**
     * A new socket after a drop: rejoin as before; media transports start anew. Resolves true
     * when the server could not resume the session and the room goes on in a new one.
     */
    restore(): Promise<boolean>;
    /** Forgets the room here (the server ended it, or we leave); media stops. */
    exit(): RoomState | null;
    /** The engine is going away: tell the server without waiting, and forget the room. */
    abandon(): void;
    private join;
    /**
     * Opens the roster's return window for `room` (just rejoined as a new session) and closes it
     * when due: who did not come back then leaves, as far as the app is told.
     */
    private returnWindow;
    private stopReturnWindow;
    /** Tells the room what the main stream captures. */
    private reportCapture;
    private sendCaptureState;
    /** With auto publish, publishes what the main stream captures and does not publish yet. */
    private autoPublish;
}
export {};
