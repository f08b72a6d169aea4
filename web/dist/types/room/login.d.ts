/**
 * Real-time messaging outside rooms: the login session (`login`, `logout`,
 * `updateLoginToken`), online status, and the sends that need a login. It shares the engine's
 * one signalling connection with the room and is restored after a reconnect.
 */
import { type Methods, type USER_ONLINE_STATUS } from "../generated/protocol";
import type { Connection } from "../signal/connection";
import type { RequestOptions } from "../signal/client";
/** Sends that need a login. */
type LoginSend = "sendUserMessageOutsideRoom" | "sendUserBinaryMessageOutsideRoom" | "sendServerMessage" | "sendServerBinaryMessage";
/** An engine's login. */
export declare class LoginSession {
    private readonly connection;
    private readonly closeIfIdle;
    private readonly messageOptions;
    private info;
    constructor(connection: Connection, closeIfIdle: () => void, messageOptions: () => RequestOptions);
    /** Whether logged in. */
    get loggedIn(): boolean;
    /** Logs in (LOGIN_FAILED when the server cannot be reached). */
    login(token: string, userId: string): Promise<void>;
    /** Logs out; a no-op when not logged in. */
    logout(): Promise<void>;
    /** Replaces the login token. */
    updateToken(token: string): Promise<void>;
    /** A peer's online status. */
    peerStatus(userId: string): Promise<USER_ONLINE_STATUS>;
    /** Sets the business server's URL and signature. */
    setServerParams(signature: string, url: string): Promise<void>;
    /** Sends a message that needs a login. */
    send<M extends LoginSend>(method: M, params: Methods[M]["params"]): Promise<Methods[M]["result"]>;
    /** Logs in again on a new socket. */
    restore(): Promise<void>;
    /** Forgets the login (the server ended it). */
    forget(): void;
}
export {};
