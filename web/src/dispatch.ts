/**
 * Server events into the engine: each one first updates what the engine knows (the room, the
 * login, the subscriber transport) and then reaches the app as the engine event of the same
 * name, binary messages as `ArrayBuffer`s. The engine's state is updated before the app hears,
 * so a handler that calls back into the engine sees it current; the room's roster keeps back
 * what the app knows already after a rejoin that could not resume. It sends no request and holds
 * no state: what a removal does to the connection is the engine's, through the hooks.
 */
import { ErrorCode, MediaType, REMOVED_FROM_ROOM, type SubscriberOfferEvent } from "./generated/protocol";
import type { InitPublishState, PrivilegeExpiredEvent } from "./payloads";
import type { RoomState } from "./room/state";
import { fromBase64 } from "./room/messages";
import { forwardEvent } from "./room/forward";
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
  if (forwardEvent(serverEvent, hooks.emit)) return;
  const room = hooks.room();
  room?.apply(serverEvent);
  // Someone the app knows, back after a rejoin that could not resume: nothing new to tell.
  if (room && !room.roster.admit(serverEvent)) return;
  hooks.emit(event, appPayload(serverEvent, room));
}

/**
 * The event's payload as the app gets it: binary messages decoded from the wire's base64,
 * `onUserJoined` with the vendor's `publishState` (from the room, which knows what the user
 * publishes; nothing yet when no room is given), the privileges' expiries with the vendor's
 * `errorCode` and `message`.
 */
export function appPayload({ event, data }: ServerEvent, room: RoomState | null = null): unknown {
  switch (event) {
    case "onUserJoined": {
      const [main, screen] = room?.users.get(data.userInfo.userId)?.published ?? [0, 0];
      const publishState: InitPublishState = {
        audio: (main & MediaType.AUDIO) !== 0,
        video: (main & MediaType.VIDEO) !== 0,
        screenAudio: (screen & MediaType.AUDIO) !== 0,
        screenVideo: (screen & MediaType.VIDEO) !== 0,
      };
      return { ...data, publishState };
    }
    case "onTokenPublishPrivilegeDidExpired":
      return {
        errorCode: ErrorCode.TOKEN_NO_PUBLISH_PERMISSION,
        message: "the token's publish privilege expired and what it covered was unpublished; call updateToken",
        ...data,
      } satisfies PrivilegeExpiredEvent;
    case "onTokenSubscribePrivilegeDidExpired":
      return {
        errorCode: ErrorCode.TOKEN_NO_SUBSCRIBE_PERMISSION,
        message: "the token's subscribe privilege expired and nothing is received; call updateToken",
        ...data,
      } satisfies PrivilegeExpiredEvent;
    case "onUserBinaryMessageReceived":
    case "onRoomBinaryMessageReceived":
    case "onUserBinaryMessageReceivedOutsideRoom":
      return { ...data, message: fromBase64(data.message) };
    default:
      return data;
  }
}
