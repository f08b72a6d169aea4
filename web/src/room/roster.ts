/**
 * The room's other users as the app has been told of them (`onUserJoined`, `onUserLeave`, the
 * publish and unpublish events), so that a reconnect which could not resume shows the app no
 * more than the reconnect. Pure data with `now` passed in: the session owns the timer.
 *
 * The rule, shared with the native SDK's roster (crates/sdk/src/machine/roster.rs), so both
 * SDKs show the same events: when the server that held the session is gone (a cluster node
 * died or drained), the engine rejoins as a new session and the server announces everyone in
 * the room afresh, as they come back themselves. While {@link RETURN_WINDOW_MS} runs after such
 * a rejoin, an announcement of a user or stream the app already knows is kept from it (a user
 * back with other extra info is news); when the window closes, those who did not come back
 * leave (DROPPED), and what those who came back did not publish again is unpublished
 * (CLIENT_DISCONNECTED). A leave the server announces meanwhile reaches the app once, then.
 */
import {
  StreamIndex,
  StreamRemoveReason,
  UserOfflineReason,
  type StreamPublishedEvent,
  type UserInfo,
} from "../generated/protocol";
import type { ServerEvent } from "../signal/client";

/**
 * How long after a rejoin that could not resume the others have to come back before the app
 * hears they left: a dead node is noticed within its registration's 3 s, and the SDKs'
 * reconnect attempts are at most a few seconds apart. The native SDK waits as long.
 */
export const RETURN_WINDOW_MS = 10_000;

/** What one user publishes: a media mask per stream index (0 main, 1 screen). */
type Streams = [number, number];

/** A user the app knows of. */
interface Known {
  userInfo: UserInfo;
  streams: Streams;
}

/** The users the app knew of when a rejoin could not resume, waiting to come back. */
interface Returning {
  until: number;
  /** Not announced again yet. */
  missing: Map<string, Known>;
  /** Came back; what they published before and have not published again yet. */
  unpublished: Map<string, Streams>;
}

const MAIN = StreamIndex.STREAM_INDEX_MAIN;
const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;

/** The others in the room, as told to the app. */
export class Roster {
  private users = new Map<string, Known>();
  private returning: Returning | null = null;

  /** A new room (a join, or the room is left): nobody is known. */
  clear(): void {
    this.users.clear();
    this.returning = null;
  }

  /** The engine rejoined as a new session at `now`: the others are announced anew as they come back. */
  rejoined(now: number): void {
    const missing = this.users;
    // Back again before the last window closed: those still missing stay missing.
    for (const [id, known] of this.returning?.missing ?? []) missing.set(id, known);
    this.users = new Map();
    this.returning = { until: now + RETURN_WINDOW_MS, missing, unpublished: new Map() };
  }

  /** When {@link close} has work (null: none). */
  get deadline(): number | null {
    return this.returning?.until ?? null;
  }

  /** Closes the return window once due: the events that say who did not come back. */
  close(now: number): ServerEvent[] {
    const returning = this.returning;
    if (!returning || returning.until > now) return [];
    this.returning = null;
    const out: ServerEvent[] = [];
    for (const [userId, streams] of returning.unpublished) {
      for (const index of [MAIN, SCREEN]) {
        if (streams[index]) out.push(unpublished(userId, index, streams[index]));
      }
    }
    for (const known of returning.missing.values()) {
      out.push({ event: "onUserLeave", data: { userInfo: known.userInfo, reason: UserOfflineReason.DROPPED } });
    }
    return out;
  }

  /** Takes in a room event from the server; whether the app should hear of it. */
  admit(serverEvent: ServerEvent): boolean {
    switch (serverEvent.event) {
      case "onUserJoined":
        return this.joined(serverEvent.data.userInfo);
      case "onUserLeave": {
        const id = serverEvent.data.userInfo.userId;
        this.users.delete(id);
        this.returning?.unpublished.delete(id);
        // Left before the window closed: the app hears of it once, now.
        this.returning?.missing.delete(id);
        return true;
      }
      case "onUserPublishStream":
        return this.published(serverEvent.data, MAIN);
      case "onUserPublishScreen":
        return this.published(serverEvent.data, SCREEN);
      case "onUserUnpublishStream":
      case "onUserUnpublishScreen": {
        const index = serverEvent.event === "onUserUnpublishScreen" ? SCREEN : MAIN;
        const known = this.users.get(serverEvent.data.userId);
        if (known) known.streams[index] &= ~serverEvent.data.mediaType;
        return true;
      }
      default:
        return true;
    }
  }

  private published({ userId, mediaType }: StreamPublishedEvent, index: StreamIndex): boolean {
    const known = this.users.get(userId);
    if (known) known.streams[index] |= mediaType;
    const before = this.returning?.unpublished.get(userId);
    if (!before) return true;
    // All of it published before the rejoin: nothing new for the app.
    const again = (before[index] & mediaType) === mediaType;
    before[index] &= ~mediaType;
    return !again;
  }

  private joined(userInfo: UserInfo): boolean {
    const id = userInfo.userId;
    const returning = this.returning;
    const back = returning?.missing.get(id);
    if (returning && back) {
      returning.missing.delete(id);
      returning.unpublished.set(id, back.streams);
    }
    this.users.set(id, { userInfo: { ...userInfo }, streams: [0, 0] });
    // Known before and unchanged: nothing new for the app.
    return !(back && sameUser(back.userInfo, userInfo));
  }
}

/** Whether two user infos say the same (an absent extra info is the empty one). */
function sameUser(a: UserInfo, b: UserInfo): boolean {
  return a.userId === b.userId && (a.extraInfo ?? "") === (b.extraInfo ?? "");
}

function unpublished(userId: string, index: StreamIndex, mediaType: number): ServerEvent {
  const data = { userId, mediaType, reason: StreamRemoveReason.STREAM_REMOVE_REASON_CLIENT_DISCONNECTED };
  return index === SCREEN ? { event: "onUserUnpublishScreen", data } : { event: "onUserUnpublishStream", data };
}
