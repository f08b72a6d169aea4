import type { ServerEvent } from "../signal/client";
/**
 * How long after a rejoin that could not resume the others have to come back before the app
 * hears they left: a dead node is noticed within its registration's 3 s, and the SDKs'
 * reconnect attempts are at most a few seconds apart. The native SDK waits as long.
 */
export declare const RETURN_WINDOW_MS = 10000;
/** The others in the room, as told to the app. */
export declare class Roster {
    private users;
    private returning;
    /** A new room (a join, or the room is left): nobody is known. */
    clear(): void;
    /** The engine rejoined as a new session at `now`: the others are announced anew as they come back. */
    rejoined(now: number): void;
    /** When {@link close} has work (null: none). */
    get deadline(): number | null;
    /** Closes the return window once due: the events that say who did not come back. */
    close(now: number): ServerEvent[];
    /** Takes in a room event from the server; whether the app should hear of it. */
    admit(serverEvent: ServerEvent): boolean;
    private published;
    private joined;
}
