/**
 * Server events into the engine: each one first updates what the engine knows (the room, the
 * login, the subscriber transport) and then reaches the app as the engine event of the same
 * name, binary messages as `ArrayBuffer`s. The engine's state is updated before the app hears,
 * so a handler that calls back into the engine sees it current; the room's roster keeps back
 * what the app knows already after a rejoin that could not resume. It sends no request and holds
 * no state: what a removal does to the connection is the engine's, through the hooks.
 */
import { type SubscriberOfferEvent } from "./generated/protocol";
import type { RoomState } from "./room/state";
import type { ServerEvent } from "./signal/client";
/** What dispatching needs from the engine. */
export interface DispatchHooks {
    /** The room, when joined. */
    room(): RoomState | null;
    /** The SFU (re)offers the subscriber transport. */
    subscriberOffer(offer: SubscriberOfferEvent): void;
    /** The server removed this client from its room. */
    removedFromRoom(): void;
    /** The server ended the login. */
    loginEnded(): void;
    /** Emits an engine event to the app. */
    emit(event: string, payload: unknown): void;
}
/** Handles one server event. */
export declare function dispatchServerEvent(serverEvent: ServerEvent, hooks: DispatchHooks): void;
/**
 * The event's payload as the app gets it: binary messages decoded from the wire's base64,
 * `onUserJoined` with the vendor's `publishState` (from the room, which knows what the user
 * publishes; nothing yet when no room is given), the privileges' expiries with the vendor's
 * `errorCode` and `message`.
 */
export declare function appPayload({ event, data }: ServerEvent, room?: RoomState | null): unknown;
