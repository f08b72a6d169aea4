/**
 * The engine's link to the server: opens a {@link SignalClient} on demand, reports
 * `onConnectionStateChanged` states, and when the socket drops while the engine needs it,
 * reconnects with backoff and lets the engine restore its room and login. The server keeps a
 * dropped user's place for a grace period (20 s by default), so the retries span about that.
 */
import { ConnectionState, type Methods, type ReconnectReason } from "../generated/protocol";
import { type RequestOptions, type ServerEvent } from "./client";
/** What the connection asks of its owner. */
export interface ConnectionHooks {
    /** A server event arrived. */
    event(event: ServerEvent): void;
    /**
     * The state changed: `reason` in Chorus's words, for the console; `vendorReason` the vendor's
     * reason for a reconnect, when one applies.
     */
    state(state: ConnectionState, reason?: string, vendorReason?: ReconnectReason): void;
    /**
     * A new socket is open after a drop: rejoin, log in again. Resolves with the vendor's reason
     * for the reconnect when one applies; a rejection retries.
     */
    restore(): Promise<ReconnectReason | undefined>;
    /** Reconnecting gave up. */
    lost(why: string): void;
    /** Whether the engine still needs the server (in a room or logged in). */
    needed(): boolean;
}
/** The engine's signalling connection. */
export declare class Connection {
    private readonly url;
    private readonly timeoutMs;
    private readonly hooks;
    private client;
    private opening;
    private generation;
    /** The current state, as last reported. */
    state: ConnectionState;
    /** `url` is read for each new socket (the cloud proxy can move it between joins). */
    constructor(url: string | (() => string), timeoutMs: number, hooks: ConnectionHooks);
    /** Whether requests can be sent now. */
    get open(): boolean;
    /** Opens the socket unless it is open; rejects with a plain `Error` when it cannot. */
    ensure(): Promise<void>;
    /** Sends a request on the open socket (NOT_CONNECTED_YET, or the given broken code, if none). */
    request<M extends keyof Methods>(method: M, params: Methods[M]["params"], options?: RequestOptions): Promise<Methods[M]["result"]>;
    /** Closes the socket for good (until the next {@link ensure}). */
    close(): void;
    private openClient;
    private reconnect;
    private setState;
}
