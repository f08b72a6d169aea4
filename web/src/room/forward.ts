/**
 * Cross-room forwarding: this user's streams published into other rooms of the app, each
 * joined with its own token, while the user stays in their room. The server owns the
 * forwarding (docs/protocol.md): each call answers every room's state, and what changes later
 * (a room that refuses, a kick or dismissal there, its token expiring) arrives as
 * `onForwardStreamStateChanged`, which reaches the app as the vendor's `onForwardStreamError`,
 * one per failed room. It holds no state of its own, so a reconnect has nothing to restore here.
 */
import {
  ErrorCode,
  ForwardStreamState,
  type ForwardStreamInfo,
  type ForwardStreamStateInfo,
} from "../generated/protocol";
import { rtcError } from "../errors";
import type { ServerEvent } from "../signal/client";
import type { Connection } from "../signal/connection";
import { checkId } from "../validate";

/** The forwarding methods that name their target rooms. */
type ToRooms = "startForwardStreamToRooms" | "updateForwardStreamToRooms";
/** The forwarding methods that act on every target room. */
type ToAll = "stopForwardStreamToRooms" | "pauseForwardStreamToAllRooms" | "resumeForwardStreamToAllRooms";

/**
 * Sends forwarding call `method` (with `rooms` for a start or an update) and answers each
 * room's state. Outside a room, or out of turn: UNEXPECTED_INVOKE_FORWARD_STREAM; a room id
 * that breaks the id rule or a token that is not a string: INVALID_PARAMS.
 */
export async function forwardCall(
  connection: Connection,
  inRoom: boolean,
  method: ToRooms | ToAll,
  rooms?: ForwardStreamInfo[],
): Promise<ForwardStreamStateInfo[]> {
  if (!inRoom)
    throw rtcError(
      ErrorCode.UNEXPECTED_INVOKE_FORWARD_STREAM,
      `${method}: not in a room; join the room to forward from first`,
    );
  if (method === "startForwardStreamToRooms" || method === "updateForwardStreamToRooms") {
    const forwardStreamInfos = checkRooms(rooms, method);
    const result = await connection.request(method, { forwardStreamInfos });
    return result.infos;
  }
  const result = await connection.request(method, {});
  return result.infos;
}

function checkRooms(rooms: unknown, method: string): ForwardStreamInfo[] {
  if (!Array.isArray(rooms))
    throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: forwardStreamInfos must be an array of {roomId, token}`);
  return rooms.map((room: Partial<ForwardStreamInfo> | null, i) => {
    checkId(room?.roomId, `forwardStreamInfos[${i}].roomId`, method);
    if (typeof room?.token !== "string")
      throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: forwardStreamInfos[${i}].token must be a string`);
    return { roomId: room.roomId as string, token: room.token };
  });
}

/**
 * Turns a forwarding server event into what the app hears: each failed room of
 * `onForwardStreamStateChanged` as `onForwardStreamError`. `onForwardStreamEvent` has no
 * counterpart in the vendor's Web SDK and stays inside. Answers whether `serverEvent` was one.
 */
export function forwardEvent(serverEvent: ServerEvent, emit: (event: string, payload: unknown) => void): boolean {
  if (serverEvent.event === "onForwardStreamEvent") return true;
  if (serverEvent.event !== "onForwardStreamStateChanged") return false;
  for (const info of serverEvent.data.infos) {
    if (info.state === ForwardStreamState.FORWARD_STREAM_STATE_FAILURE) emit("onForwardStreamError", info);
  }
  return true;
}
