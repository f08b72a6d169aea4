/**
 * Cross-room forwarding: this user's streams published into other rooms of the app, each
 * joined with its own token, while the user stays in their room. The server owns the
 * forwarding (docs/protocol.md): each call answers every room's state, and what changes later
 * (a room that refuses, a kick or dismissal there, its token expiring) arrives as
 * `onForwardStreamStateChanged`, which reaches the app as the vendor's `onForwardStreamError`,
 * one per failed room. It holds no state of its own, so a reconnect has nothing to restore here.
 */
import { type ForwardStreamInfo, type ForwardStreamStateInfo } from "../generated/protocol";
import type { ServerEvent } from "../signal/client";
import type { Connection } from "../signal/connection";
/** The forwarding methods that name their target rooms. */
type ToRooms = "startForwardStreamToRooms" | "updateForwardStreamToRooms";
/** The forwarding methods that act on every target room. */
type ToAll = "stopForwardStreamToRooms" | "pauseForwardStreamToAllRooms" | "resumeForwardStreamToAllRooms";
/**
 * Sends forwarding call `method` (with `rooms` for a start or an update) and answers each
 * room's state. Outside a room, or out of turn: UNEXPECTED_INVOKE_FORWARD_STREAM; a room id
 * that breaks the id rule or a token that is not a string: INVALID_PARAMS.
 */
export declare function forwardCall(connection: Connection, inRoom: boolean, method: ToRooms | ToAll, rooms?: ForwardStreamInfo[]): Promise<ForwardStreamStateInfo[]>;
/**
 * Turns a forwarding server event into what the app hears: each failed room of
 * `onForwardStreamStateChanged` as `onForwardStreamError`. `onForwardStreamEvent` has no
 * counterpart in the vendor's Web SDK and stays inside. Answers whether `serverEvent` was one.
 */
export declare function forwardEvent(serverEvent: ServerEvent, emit: (event: string, payload: unknown) => void): boolean;
export {};
