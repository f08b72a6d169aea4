/**
 * One WebSocket to the server speaking the signalling protocol (docs/protocol.md): requests
 * carry ids and are matched with their answers; events go to one listener. It knows nothing of
 * rooms; reconnecting is the job of {@link ./connection}.
 */
import { ErrorCode, type Events, type Methods } from "../generated/protocol";
/** How long a request may stay unanswered before it fails, as the protocol says. */
export declare const DEFAULT_REQUEST_TIMEOUT_MS = 60000;
/**
 * A server event with its payload, one member per entry of the generated `Events` map, so a
 * `switch` on `event` narrows `data` and a misspelt name or field fails to compile.
 */
export type ServerEvent = {
    [K in keyof Events]: {
        event: K;
        data: Events[K];
    };
}[keyof Events];
/** Per-request choices. */
export interface RequestOptions {
    /** Fail after this many ms (default: the client's timeout). */
    timeoutMs?: number;
    /** The code of a timeout (default TIME_OUT; messages use USER_MESSAGE_TIMEOUT). */
    timeoutCode?: ErrorCode;
    /** The code when the connection drops first (default NOT_CONNECTED_YET). */
    brokenCode?: ErrorCode;
}
/** A signalling WebSocket. */
export declare class SignalClient {
    private readonly url;
    private readonly timeoutMs;
    private ws;
    private nextId;
    private pending;
    /** Called for each server event. */
    onEvent: (event: ServerEvent) => void;
    /** Called once when an open socket closes without {@link close} having been called. */
    onDrop: (why: string) => void;
    constructor(url: string, timeoutMs?: number);
    /** Whether the socket is open. */
    get open(): boolean;
    /** Opens the socket; rejects with a plain `Error` saying why when it cannot. */
    connect(openTimeoutMs?: number): Promise<void>;
    /** Sends a request and resolves with its result, or rejects with its error. */
    request<M extends keyof Methods>(method: M, params: Methods[M]["params"], options?: RequestOptions): Promise<Methods[M]["result"]>;
    /** Closes the socket; requests in flight fail with their broken code. */
    close(): void;
    private failAll;
    private receive;
}
