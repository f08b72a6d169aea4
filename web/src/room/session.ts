/**
 * The engine's stay in a room: joining (and retrying a join that failed on its token), leaving,
 * visibility, publishing and subscribing, telling the room what is captured, and rejoining on a
 * new socket (a rejoin that could not resume asks again for what the app subscribed to, and
 * shows the app only who is new or did not come back). It owns the {@link RoomState}; media is
 * the {@link MediaConductor}'s. It knows nothing of the login or of the app's events: the engine
 * wires those, so this stays one concern.
 */
import {
  ErrorCode,
  MediaType,
  StreamIndex,
  TrackKind,
  type IceServer,
  type JoinRoomParams,
  type Methods,
  type RoomConfig,
  type SimulcastStreamType,
  type UserInfo,
} from "../generated/protocol";
import { rtcError, type RtcError } from "../errors";
import type { Connection } from "../signal/connection";
import type { RequestOptions, ServerEvent } from "../signal/client";
import { describe, type Kind } from "../media/capture";
import { maskOf, type MediaConductor } from "../media/conductor";
import { checkExtraInfo, checkId, checkMediaType } from "../validate";
import { RoomState } from "./state";
import { RETURN_WINDOW_MS } from "./roster";
import type { PublishCause, StreamResults } from "./results";
import { warn } from "../log";

const MAIN = StreamIndex.STREAM_INDEX_MAIN;
const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;
/** The `method` of publishes the room's auto publish makes. */
const AUTO = "auto publish";
/** The `method` of publishes Chorus makes again after a rejoin. */
const RETRY = "republish";

/** The subscription methods, which all take a user and a media type. */
export type SubscriptionMethod = "subscribeStream" | "unsubscribeStream" | "subscribeScreen" | "unsubscribeScreen";

/** Room methods that send a message. */
type RoomSend = "sendUserMessage" | "sendUserBinaryMessage" | "sendRoomMessage" | "sendRoomBinaryMessage";

/** What the session needs from the engine. */
export interface SessionHooks {
  /** Throws INVALID_ENGINE once the engine is destroyed. */
  live(): void;
  /** Closes the connection when nothing needs it any more. */
  closeIfIdle(): void;
  /** Publish and subscribe results, for the app's events. */
  results: StreamResults;
  /**
   * The server answered a join (`startedAt`: when it began, `performance.now()`) with these
   * TURN servers, which it keeps before it returns. A rejection refuses the join: the session
   * leaves the room again.
   */
  answered?(iceServers: IceServer[], startedAt: number): Promise<void>;
  /**
   * An event the app must hear as if the server had sent it: the close of the return window
   * after a rejoin that could not resume (see {@link Roster}) says who did not come back.
   */
  announce?(event: ServerEvent): void;
}

/** An engine's room, joined or not. */
export class RoomSession {
  /** The room, when joined. */
  room: RoomState | null = null;
  /** Whether a join is under way. */
  joining = false;
  private failedJoin: JoinRoomParams | null = null;
  private visibleBeforeJoin = true;
  /** Closes the roster's return window after a rejoin that could not resume. */
  private rosterTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly connection: Connection,
    private readonly media: MediaConductor,
    private readonly hooks: SessionHooks,
  ) {}

  /** Checks the arguments and joins (REPEAT_JOIN while in a room or joining). */
  async joinRoom(token: string | null, roomId: string, userInfo: UserInfo, roomConfig: RoomConfig): Promise<void> {
    checkId(roomId, "roomId", "joinRoom");
    checkId(userInfo?.userId, "userInfo.userId", "joinRoom");
    checkExtraInfo(userInfo.extraInfo, "joinRoom");
    if (this.room || this.joining)
      throw rtcError(
        ErrorCode.REPEAT_JOIN,
        `joinRoom: already ${this.room ? `in room ${this.room.roomId}` : "joining a room"}; call leaveRoom first`,
      );
    const params: JoinRoomParams = {
      token,
      roomId,
      userInfo: { ...userInfo },
      roomConfig: { ...roomConfig },
      visible: this.visibleBeforeJoin,
    };
    await this.join(params);
  }

  /** Leaves the room; a no-op outside one. */
  async leave(): Promise<void> {
    this.failedJoin = null;
    if (!this.room) return;
    this.exit();
    await this.connection.request("leaveRoom", {}).catch(() => {});
    this.hooks.closeIfIdle();
  }

  /** Replaces the room token, or retries a join that failed on its token. */
  async updateToken(token: string): Promise<void> {
    if (this.room) {
      await this.connection.request("updateToken", { token });
      this.room.params.token = token;
      return;
    }
    const failed = this.failedJoin;
    if (failed && !this.joining) {
      await this.join({ ...failed, token });
      return;
    }
    throw rtcError(ErrorCode.UPDATE_TOKEN_BEFORE_JOIN, "updateToken: not in a room; call joinRoom first");
  }

  /** Shows or hides this user; outside a room, for the next join. */
  async setVisibility(visible: boolean): Promise<void> {
    const room = this.room;
    if (!room) {
      this.visibleBeforeJoin = visible;
      return;
    }
    await this.connection.request("setUserVisibility", { visible });
    room.visible = visible;
    room.params.visible = visible;
    if (!visible) {
      room.published[MAIN] = room.published[SCREEN] = 0;
      await this.media.publishChanged().catch(() => {});
    } else {
      this.autoPublish();
    }
  }

  /** Publishes `mediaType` of stream `index`; `method` names the app's call in errors. */
  async publish(index: StreamIndex, mediaType: MediaType, method: string): Promise<void> {
    this.hooks.live();
    const room = this.room;
    if (!room) throw rtcError(ErrorCode.NOT_CONNECTED_YET, `${method}: not in a room; call joinRoom first`);
    if (!room.visible)
      throw rtcError(
        ErrorCode.NO_PUBLISH_PERMISSION,
        `${method}: this user is invisible; call setUserVisibility(true) first`,
      );
    const cause: PublishCause = method === AUTO ? "auto" : method === RETRY ? "retry" : "app";
    try {
      await this.connection.request(index === MAIN ? "publishStream" : "publishScreen", { mediaType });
      if (this.room !== room) throw rtcError(ErrorCode.OPERATION_CANCEL, `${method}: left the room meanwhile`);
      room.published[index] |= mediaType;
      await this.media.publishChanged();
    } catch (e) {
      if (this.room === room) this.hooks.results.published(index, cause, e as RtcError);
      throw e;
    }
    this.hooks.results.published(index, cause);
  }

  /** Stops publishing `mediaType` of stream `index`. */
  async unpublish(index: StreamIndex, mediaType: MediaType, method: string): Promise<void> {
    this.hooks.live();
    const room = this.room;
    if (!room) throw rtcError(ErrorCode.NOT_CONNECTED_YET, `${method}: not in a room; call joinRoom first`);
    await this.connection.request(index === MAIN ? "unpublishStream" : "unpublishScreen", { mediaType });
    if (this.room !== room) return;
    room.published[index] &= ~mediaType;
    await this.media.publishChanged();
  }

  /** Subscribes to or unsubscribes from `userId`'s `mediaType`. */
  async subscription(method: SubscriptionMethod, userId: string, mediaType: MediaType): Promise<void> {
    this.hooks.live();
    checkId(userId, "userId", method);
    const params = { userId, mediaType: checkMediaType(mediaType, method) };
    const index = method === "subscribeStream" || method === "unsubscribeStream" ? MAIN : SCREEN;
    const room = this.room;
    if (method === "unsubscribeStream" || method === "unsubscribeScreen") {
      await this.connection.request(method, params);
      if (this.room === room) room?.reception.subscription(userId, index, params.mediaType, false);
      return;
    }
    try {
      await this.connection.request(method, params);
    } catch (e) {
      if (this.room) this.hooks.results.subscribed(userId, index, e as RtcError);
      throw e;
    }
    if (this.room === room) room?.reception.subscription(userId, index, params.mediaType, true);
    this.hooks.results.subscribed(userId, index);
  }

  /** Picks the simulcast layer of `userId`'s video to receive, kept for a rejoin. */
  async layer(userId: string, streamType: SimulcastStreamType): Promise<void> {
    const room = this.room;
    await this.connection.request("setRemoteSimulcastStreamType", { userId, streamType });
    if (this.room === room) room?.reception.layer(userId, streamType);
  }

  /** Pauses (`on`) or resumes what is received of `mediaType`, kept for a rejoin. */
  async pause(mediaType: MediaType, on: boolean): Promise<void> {
    this.hooks.live();
    const method = on ? "pauseAllSubscribedStream" : "resumeAllSubscribedStream";
    const room = this.room;
    const checked = checkMediaType(mediaType, method);
    await this.connection.request(method, { mediaType: checked });
    if (this.room === room) room?.reception.pause(checked, on);
  }

  /**
   * A server event, after the app heard it (or the roster kept it from the app): a stream
   * published again after a rejoin is subscribed again if the app had subscribed to it.
   */
  heard({ event, data }: ServerEvent): void {
    const room = this.room;
    if (!room || (event !== "onUserPublishStream" && event !== "onUserPublishScreen")) return;
    const index = event === "onUserPublishStream" ? MAIN : SCREEN;
    const again = room.reception.published(data.userId, index, data.mediaType);
    if (!again) return;
    const method = index === MAIN ? "subscribeStream" : "subscribeScreen";
    this.connection
      .request(method, { userId: again.userId, mediaType: again.mediaType })
      .catch((e) => warn(`${method} again after the rejoin:`, e.message));
  }

  /** Sends a message in the room (USER_MESSAGE_NOT_JOIN outside one). */
  send<M extends RoomSend>(
    method: M,
    params: Methods[M]["params"],
    options: RequestOptions,
  ): Promise<Methods[M]["result"]> {
    this.hooks.live();
    if (!this.room) throw rtcError(ErrorCode.USER_MESSAGE_NOT_JOIN, `${method}: not in a room; call joinRoom first`);
    return this.connection.request(method, params, options);
  }

  /** Capture of `kind` on stream `index` started (`track`) or stopped (null). */
  captureChanged(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void {
    this.media.trackChanged(index, kind, track);
    if (!this.room || index !== MAIN) return;
    this.sendCaptureState(kind, track !== null);
    if (track) this.autoPublish();
  }

  /**
   * A new socket after a drop: rejoin as before; media transports start anew. Resolves true
   * when the server could not resume the session and the room goes on in a new one.
   */
  async restore(): Promise<boolean> {
    const room = this.room;
    if (!room) return false;
    this.media.left();
    const result = await this.connection.request("joinRoom", room.params);
    if (this.room !== room) return false;
    this.hooks.answered?.(result.iceServers, performance.now()).catch((e) => warn("rejoin:", e.message));
    this.media.joined();
    this.reportCapture();
    if (!result.resumed) {
      // An ordinary join: the server forgot what we published, received and saw. The others
      // are announced anew as they come back; the app hears only of what changed.
      this.returnWindow(room);
      const { layers, paused } = room.reception.rejoined();
      for (const [userId, streamType] of layers)
        this.connection
          .request("setRemoteSimulcastStreamType", { userId, streamType })
          .catch((e) => warn("setRemoteSimulcastStreamType again after the rejoin:", e.message));
      if (paused)
        this.connection
          .request("pauseAllSubscribedStream", { mediaType: paused })
          .catch((e) => warn("pauseAllSubscribedStream again after the rejoin:", e.message));
      const published = [...room.published];
      room.published[MAIN] = room.published[SCREEN] = 0;
      for (const index of [MAIN, SCREEN]) {
        if (!published[index]) continue;
        this.hooks.results.retrying(index);
        this.publish(index, published[index], RETRY).catch((e) => warn("republish:", e.message));
      }
    } else if (room.published[MAIN] || room.published[SCREEN]) {
      const indexes = [MAIN, SCREEN].filter((i) => room.published[i]);
      for (const index of indexes) this.hooks.results.retrying(index);
      this.media.publishChanged().then(
        () => indexes.forEach((i) => this.hooks.results.published(i, "retry")),
        (e) => {
          warn("republish:", e.message);
          if (this.room === room) indexes.forEach((i) => this.hooks.results.published(i, "retry", e));
        },
      );
    }
    return !result.resumed;
  }

  /** Forgets the room here (the server ended it, or we leave); media stops. */
  exit(): RoomState | null {
    const room = this.room;
    this.room = null;
    this.stopReturnWindow();
    this.hooks.results.reset();
    if (room) this.media.left();
    return room;
  }

  /** The engine is going away: tell the server without waiting, and forget the room. */
  abandon(): void {
    if (this.room) void this.connection.request("leaveRoom", {}).catch(() => {});
    this.room = null;
  }

  private async join(params: JoinRoomParams): Promise<void> {
    const startedAt = performance.now();
    this.joining = true;
    this.failedJoin = null;
    try {
      try {
        await this.connection.ensure();
      } catch (e) {
        throw rtcError(
          ErrorCode.JOIN_ROOM_FAILED,
          `joinRoom: cannot reach the Chorus server (${describe(e)}); check serverUrl and that the server runs`,
        );
      }
      let result;
      try {
        result = await this.connection.request("joinRoom", params);
      } catch (e) {
        if ((e as RtcError).code === ErrorCode.INVALID_TOKEN) this.failedJoin = params;
        this.hooks.closeIfIdle();
        throw e;
      }
      const room = (this.room = new RoomState(params));
      // Checked while the room starts: the server's first offers follow the answer at once.
      const admitted = this.hooks.answered?.(result.iceServers, startedAt);
      this.media.joined();
      this.reportCapture();
      this.autoPublish();
      // The vendor's SDK reports auto publish as failed for a user who joins invisible.
      if (room.config.isAutoPublish && !room.visible)
        this.hooks.results.published(
          MAIN,
          "auto",
          rtcError(
            ErrorCode.NO_PUBLISH_PERMISSION,
            "auto publish: this user is invisible; call setUserVisibility(true)",
          ),
        );
      await admitted?.catch(async (e) => {
        if (this.room === room) {
          this.exit();
          await this.connection.request("leaveRoom", {}).catch(() => {});
          this.hooks.closeIfIdle();
        }
        throw e;
      });
    } finally {
      this.joining = false;
    }
  }

  /**
   * Opens the roster's return window for `room` (just rejoined as a new session) and closes it
   * when due: who did not come back then leaves, as far as the app is told.
   */
  private returnWindow(room: RoomState): void {
    this.stopReturnWindow();
    room.roster.rejoined(Date.now());
    const due = (): void => {
      this.rosterTimer = null;
      const deadline = room.roster.deadline;
      if (this.room !== room || deadline === null) return;
      const now = Date.now();
      if (deadline > now) {
        this.rosterTimer = setTimeout(due, deadline - now);
        return;
      }
      for (const event of room.roster.close(now)) this.hooks.announce?.(event);
    };
    this.rosterTimer = setTimeout(due, RETURN_WINDOW_MS);
  }

  private stopReturnWindow(): void {
    if (this.rosterTimer !== null) clearTimeout(this.rosterTimer);
    this.rosterTimer = null;
  }

  /** Tells the room what the main stream captures. */
  private reportCapture(): void {
    for (const kind of ["audio", "video"] as Kind[]) {
      if (this.media.capture.track(MAIN, kind)) this.sendCaptureState(kind, true);
    }
  }

  private sendCaptureState(kind: Kind, capturing: boolean): void {
    const trackKind = kind === "audio" ? TrackKind.AUDIO : TrackKind.VIDEO;
    this.connection
      .request("setCaptureState", { kind: trackKind, capturing })
      .catch((e) => warn("setCaptureState:", e.message));
  }

  /** With auto publish, publishes what the main stream captures and does not publish yet. */
  private autoPublish(): void {
    const room = this.room;
    if (!room || !room.config.isAutoPublish || !room.visible) return;
    let wanted = 0;
    for (const kind of ["audio", "video"] as Kind[]) {
      if (this.media.capture.track(MAIN, kind) && !(room.published[MAIN] & maskOf(kind))) wanted |= maskOf(kind);
    }
    if (wanted) this.publish(MAIN, wanted, AUTO).catch((e) => warn("auto publish:", e.message));
  }
}
