/**
 * What the engine knows of the room it is in: how it joined, who else is there and what they
 * publish, what it publishes itself, and (in {@link Roster} and {@link Reception}) what the app
 * was told and asked for. Server events update it here before the app hears of
 * them, so a handler that calls back into the engine sees the new state.
 */
import { MediaType, StreamIndex, type JoinRoomParams, type RoomConfig, type UserInfo } from "../generated/protocol";
import type { ServerEvent } from "../signal/client";
import { Roster } from "./roster";
import { Reception } from "./reception";

/** A bit mask of {@link MediaType} (audio 1, video 2). */
export type MediaMask = number;

/** Another user in the room. */
export interface RemoteUser {
  /** Who. */
  userInfo: UserInfo;
  /** What each stream publishes: index 0 main, 1 screen. */
  published: [MediaMask, MediaMask];
}

/** A random UUID (crypto.randomUUID needs a secure context; fall back to getRandomValues). */
function newCallId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A joined room. */
export class RoomState {
  /** Others in the room, by user id. */
  readonly users = new Map<string, RemoteUser>();
  /** What this engine publishes per stream index. */
  readonly published: [MediaMask, MediaMask] = [0, 0];
  /** Whether others can see this user. */
  visible: boolean;
  /** This stay's id for `getCallId`: Chorus's server names no call, so the SDK makes one. */
  readonly callId: string = newCallId();
  /** The others as the app was told of them, which a rejoin that could not resume must not repeat. */
  readonly roster = new Roster();
  /** What the app asked to receive, asked for again after such a rejoin. */
  readonly reception = new Reception();

  constructor(public params: JoinRoomParams) {
    this.visible = params.visible ?? true;
  }

  /** The room id. */
  get roomId(): string {
    return this.params.roomId;
  }

  /** The local user id. */
  get userId(): string {
    return this.params.userInfo.userId;
  }

  /** The room config of the join, defaults filled in. */
  get config(): Required<Pick<RoomConfig, "isAutoPublish" | "isAutoSubscribeAudio" | "isAutoSubscribeVideo">> &
    RoomConfig {
    const c = this.params.roomConfig ?? {};
    return {
      ...c,
      isAutoPublish: c.isAutoPublish !== false,
      isAutoSubscribeAudio: c.isAutoSubscribeAudio !== false,
      isAutoSubscribeVideo: c.isAutoSubscribeVideo !== false,
    };
  }

  /** Applies a server event that changes the room; other events leave it as it is. */
  apply({ event, data }: ServerEvent): void {
    switch (event) {
      case "onUserJoined":
        this.users.set(data.userInfo.userId, { userInfo: data.userInfo, published: [0, 0] });
        break;
      case "onUserLeave":
        this.users.delete(data.userInfo.userId);
        break;
      case "onUserPublishStream":
      case "onUserPublishScreen":
      case "onUserUnpublishStream":
      case "onUserUnpublishScreen": {
        const user = this.users.get(data.userId);
        if (!user) break;
        const index = event.endsWith("Screen") ? StreamIndex.STREAM_INDEX_SCREEN : StreamIndex.STREAM_INDEX_MAIN;
        if (event.startsWith("onUserPublish")) user.published[index] |= data.mediaType;
        else user.published[index] &= ~data.mediaType;
        break;
      }
      case "onVideoStreamBanned":
      case "onAudioStreamBanned": {
        // The server unpublished what the ban covers (others hear it as an unpublish; this
        // user only as the ban): publishing it again is the app's call once it is lifted.
        if (data.uid !== this.userId || !data.banned) break;
        const kind = event === "onVideoStreamBanned" ? MediaType.VIDEO : MediaType.AUDIO;
        this.published[StreamIndex.STREAM_INDEX_MAIN] &= ~kind;
        this.published[StreamIndex.STREAM_INDEX_SCREEN] &= ~kind;
        break;
      }
    }
  }

  /** Whether `userId` publishes `mediaType` (any of it) on `index`. */
  remotePublishes(userId: string, index: StreamIndex, mediaType: MediaType): boolean {
    return ((this.users.get(userId)?.published[index] ?? 0) & mediaType) !== 0;
  }
}
