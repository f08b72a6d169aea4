/**
 * Server events into the engine: each one first updates what the engine knows (the room, the
 * login, the subscriber transport) and then reaches the app as the engine event of the same
 * name, binary messages as `ArrayBuffer`s. The engine's state is updated before the app hears,
 * so a handler that calls back into the engine sees it current. It sends no request and holds
 * no state: what a removal does to the connection is the engine's, through the hooks.
 */
import { ErrorCode, REMOVED_FROM_ROOM, type SubscriberOfferEvent } from "./generated/protocol";
import type { RoomState } from "./room/state";
import { fromBase64 } from "./room/messages";
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
export function dispatchServerEvent(serverEvent: ServerEvent, hooks: DispatchHooks): void {
  const { event, data } = serverEvent;
  if (event === "onSubscriberOffer") {
    // Internal to the SDK: the app never hears of it.
    hooks.subscriberOffer(data);
    return;
  }
  if (event === "onError") {
    if (REMOVED_FROM_ROOM.includes(data.errorCode) && hooks.room()) hooks.removedFromRoom();
    if (data.errorCode === ErrorCode.RTM_DUPLICATE_LOGIN || data.errorCode === ErrorCode.RTM_TOKEN_ERROR)
      hooks.loginEnded();
  }
  hooks.room()?.apply(serverEvent);
  hooks.emit(event, appPayload(serverEvent));
}

/** The event's payload as the app gets it: binary messages decoded from the wire's base64. */
export function appPayload({ event, data }: ServerEvent): unknown {
  switch (event) {
    case "onUserBinaryMessageReceived":
    case "onRoomBinaryMessageReceived":
    case "onUserBinaryMessageReceivedOutsideRoom":
      return { ...data, message: fromBase64(data.message) };
    default:
      return data;
  }
}
