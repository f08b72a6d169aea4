/**
 * The engine (`VERTC.createEngine`): the app-facing object, a thin face of the veRTC API. Each
 * method checks that the engine lives and its arguments, then hands the call to the module that
 * does the work: the room to {@link RoomSession}, the login to {@link LoginSession}, media to
 * the {@link MediaConductor}, device tests to {@link DeviceTests}, server events to
 * {@link dispatchServerEvent}, all wired in {@link EngineParts}; the media methods are in {@link EngineMedia}. Common mistakes fail at once with a contract code; the server
 * checks everything again.
 */
import {
  ErrorCode,
  MediaType,
  StreamIndex,
  type ForwardStreamInfo,
  type ForwardStreamStateInfo,
  type RemoteUserPriority,
  type RoomConfig,
  type SimulcastStreamType,
  type SubscribeFallbackOption,
  type UserInfo,
  type USER_ONLINE_STATUS,
} from "./generated/protocol";
import { rtcError } from "./errors";
import { checkId, checkMediaType } from "./validate";
import { binaryMessage, textMessage } from "./room/messages";
import { forwardCall } from "./room/forward";
import { pushPublicStream, pushResult, stopPublicStream, type PublicStreamConfig } from "./room/public_stream";
import { PublicStreamPlayers } from "./room/public_play";
import { WTNStream } from "./room/wtn";
import type { RemoteAudioStats, RemoteVideoStats } from "./media/statstypes";
import * as liveTranscoding from "./room/live_transcoding";
import type { VideoPlayerConfig } from "./media/players";
import {
  startSubtitle,
  stopSubtitle,
  updateSubtitleConfig,
  type RTCSubtitleConfig,
  type UpdateSubtitleConfig,
} from "./room/subtitle";
import { audioMixingOf, type AudioMixingManager } from "./media/mixing";
import { warn } from "./log";
import { layerForSize } from "./media/encoding";
import { EngineMedia } from "./engine_media";
import type { EngineConfig, ExtraJoinRoomParams } from "./parts";
import type { CloudProxyInfo } from "./cloudproxy";

export type { EngineConfig };

const MAIN = StreamIndex.STREAM_INDEX_MAIN;
const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;

/** A veRTC engine bound to one app on one Chorus server. */
export class RTCEngine extends EngineMedia {
  /** The public streams this engine plays, each through a hidden engine of its own. */
  private readonly publicPlayers: PublicStreamPlayers;
  /** The WTN stream manager, made on first use. */
  private wtn: WTNStream | null = null;
  /** A hidden engine of the same app and server, to play or push a stream outside the room. */
  private readonly makeHidden: () => RTCEngine;

  /** Use `VERTC.createEngine`. */
  constructor(appId: string, serverUrl: string, config: EngineConfig = {}) {
    super(appId, serverUrl, config);
    this.makeHidden = () => new RTCEngine(appId, serverUrl, config);
    this.publicPlayers = new PublicStreamPlayers(
      this.makeHidden,
      () => {
        const room = this.session.room;
        return room ? { token: room.params.token ?? null, userId: room.userId } : null;
      },
      (event, ...args) => this.emit(event, ...args),
    );
  }

  /** Tears the engine down (`VERTC.destroyEngine`), with the public streams it plays. */
  override destroy(): void {
    this.wtn?.stopAll();
    this.publicPlayers.stopAll();
    super.destroy();
  }

  /**
   * Tags this engine's calls with a business id, as the vendor's SDKs do: at most 24 of
   * a-z A-Z 0-9 - _ (the vendor's rule). Only before joining a room: false after, or for an id
   * that breaks the rule. Chorus's protocol has no place for it yet, so the engine keeps it
   * ({@link businessId}).
   */
  setBusinessId(businessId: string): boolean {
    this.live();
    if (this.session.room || this.session.joining) return false;
    if (typeof businessId !== "string" || !/^[a-zA-Z0-9_-]{0,24}$/.test(businessId)) return false;
    this.business = businessId;
    return true;
  }

  /** The business id set with {@link setBusinessId} ("" when none). */
  get businessId(): string {
    return this.business;
  }

  /**
   * The id of this stay in the room, undefined outside one. The vendor's server names the
   * call; a Chorus server names none, so the SDK makes one per join (a random UUID) for the
   * app's logs. It is this engine's alone, not shared with the others in the room.
   */
  getCallId(): string | undefined {
    return this.session.room?.callId;
  }

  /** Stores an SDK parameter (accepted for compatibility; none changes behaviour yet). */
  setParameter(key: string, value: unknown): void {
    this.parameters.set(key, value);
  }

  /** Audio mixing: files and pushed PCM mixed into the published audio and local playout. */
  getAudioMixingManager(): AudioMixingManager {
    this.live();
    return audioMixingOf(this.media, (event, ...args) => this.emit(event, ...args));
  }

  // ----- room -----

  /**
   * Joins `roomId` as `userInfo.userId` with `token` ("001" token for this app, room and user).
   * With `isAutoPublish` (default true) what is captured is published; the server subscribes
   * to others' streams unless `isAutoSubscribeAudio`/`Video` is false.
   */
  async joinRoom(token: string | null, roomId: string, userInfo: UserInfo, roomConfig: RoomConfig = {}): Promise<void> {
    this.live();
    await this.session.joinRoom(token, roomId, userInfo, roomConfig);
  }

  /** Leaves the room; media stops, players empty. A no-op outside a room. */
  async leaveRoom(): Promise<void> {
    this.live();
    await this.session.leave();
  }

  /** Replaces the room token (before it expires), or retries a join that failed on its token. */
  async updateToken(token: string): Promise<void> {
    this.live();
    await this.session.updateToken(token);
  }

  /** Shows or hides this user from others (hidden users publish nothing). Before joining, applies to the next join. */
  async setUserVisibility(visible: boolean): Promise<void> {
    this.live();
    await this.session.setVisibility(visible);
  }

  /**
   * Opens the signalling connection to the Chorus server ahead of `joinRoom` or `login`, which
   * otherwise open it themselves (JOIN_ROOM_FAILED when the server cannot be reached). It
   * stays open until a room or login that used it ends, or the engine is destroyed.
   */
  async connect(): Promise<void> {
    this.live();
    await this.connection.ensure().catch((e) => {
      throw rtcError(ErrorCode.JOIN_ROOM_FAILED, `connect: cannot reach the Chorus server (${e?.message ?? e})`);
    });
  }

  /**
   * Extra join parameters (the vendor's `serviceType`, `tenantId`, ...). A Chorus server has no
   * use for them and its join carries none, so they are kept here ({@link extraJoinRoomParams})
   * for the app and not sent.
   */
  setJoinRoomParams(params: ExtraJoinRoomParams): void {
    this.live();
    this.joinRoomParams = { ...params };
  }

  /** What {@link setJoinRoomParams} last kept. */
  get extraJoinRoomParams(): ExtraJoinRoomParams {
    return { ...this.joinRoomParams };
  }

  /** The publisher transport (what this engine sends over), while one is up in a room. */
  get peerConnection(): RTCPeerConnection | undefined {
    return this.transports.peerConnection;
  }

  /** The ICE state of the publisher transport, else of the subscriber transport; undefined outside. */
  get iceState(): RTCIceConnectionState | undefined {
    return this.transports.iceState;
  }

  // ----- cloud proxy -----

  /**
   * Reaches Chorus only through the proxy `cloudProxyInfo` names, from the next join on:
   * signalling over WSS to its signalling address, media only through a TURN relay over TCP or
   * TLS (see {@link CloudProxyInfo} for how each field maps). Before joining
   * (START_CLOUD_PROXY_AFTER_JOIN in a room); `onCloudProxyConnected` follows the first join
   * through it, and a join whose relay cannot be allocated fails with ICE_SERVER_WRONG.
   */
  startCloudProxy(cloudProxyInfo: CloudProxyInfo): void {
    this.live();
    this.cloudProxy.start(cloudProxyInfo, this.session.room !== null || this.session.joining);
    // A socket opened ahead (connect) went the direct way: the next join opens one through the proxy.
    this.closeIfIdle();
  }

  /** Reaches Chorus directly again from the next join; after leaving (STOP_CLOUD_PROXY_BEFORE_LEAVE in a room). */
  stopCloudProxy(): void {
    this.live();
    this.cloudProxy.stop(this.session.room !== null || this.session.joining);
    this.closeIfIdle();
  }

  // ----- publishing and subscribing -----

  /** Publishes the main stream's `mediaType`; what is captured flows once the transport is up. */
  publishStream(mediaType: MediaType): Promise<void> {
    return this.session.publish(MAIN, checkMediaType(mediaType, "publishStream"), "publishStream");
  }

  /** Stops publishing the main stream's `mediaType`. */
  unpublishStream(mediaType: MediaType): Promise<void> {
    return this.session.unpublish(MAIN, checkMediaType(mediaType, "unpublishStream"), "unpublishStream");
  }

  /**
   * Publishes the screen stream's `mediaType` (default video): start it with
   * `startScreenCapture` (`enableAudio` for its audio) or an app's tracks.
   */
  publishScreen(mediaType: MediaType = MediaType.VIDEO): Promise<void> {
    return this.session.publish(SCREEN, checkMediaType(mediaType, "publishScreen"), "publishScreen");
  }

  /** Stops publishing the screen stream. */
  unpublishScreen(mediaType: MediaType = MediaType.AUDIO_AND_VIDEO): Promise<void> {
    return this.session.unpublish(SCREEN, checkMediaType(mediaType, "unpublishScreen"), "unpublishScreen");
  }

  /** Subscribes to `userId`'s main stream (needed only without auto subscribe). */
  async subscribeStream(userId: string, mediaType: MediaType): Promise<void> {
    await this.session.subscription("subscribeStream", userId, mediaType);
  }

  /** Stops receiving `userId`'s main stream `mediaType`. */
  async unsubscribeStream(userId: string, mediaType: MediaType): Promise<void> {
    await this.session.subscription("unsubscribeStream", userId, mediaType);
  }

  /** Subscribes to `userId`'s screen stream. */
  async subscribeScreen(userId: string, mediaType: MediaType): Promise<void> {
    await this.session.subscription("subscribeScreen", userId, mediaType);
  }

  /** Stops receiving `userId`'s screen stream `mediaType`. */
  async unsubscribeScreen(userId: string, mediaType: MediaType): Promise<void> {
    await this.session.subscription("unsubscribeScreen", userId, mediaType);
  }

  /** Pauses everything received of `mediaType` (subscriptions stay). */
  async pauseAllSubscribedStream(mediaType: MediaType = MediaType.AUDIO_AND_VIDEO): Promise<void> {
    await this.session.pause(mediaType, true);
  }

  /** Resumes what {@link pauseAllSubscribedStream} paused. */
  async resumeAllSubscribedStream(mediaType: MediaType = MediaType.AUDIO_AND_VIDEO): Promise<void> {
    await this.session.pause(mediaType, false);
  }

  /** Picks which simulcast layer of `userId`'s video to receive. */
  async setRemoteSimulcastStreamType(userId: string, streamType: SimulcastStreamType): Promise<void> {
    this.live();
    checkId(userId, "userId", "setRemoteSimulcastStreamType");
    await this.session.layer(userId, streamType);
  }

  /**
   * Asks for the simulcast layer of `userId`'s video closest to `remoteVideoConfig`'s size (the
   * vendor's deprecated way; `setRemoteSimulcastStreamType` names the layer). Chorus compares
   * the size with the largest picture of that user shown so far (the highest layer): from 70 %
   * of its width the high layer, from 35 % the middle one, below that the low one; before any
   * picture was shown, the high layer.
   */
  async setRemoteVideoConfig(userId: string, remoteVideoConfig: { width: number; height: number }): Promise<void> {
    this.live();
    checkId(userId, "userId", "setRemoteVideoConfig");
    const { width, height } = remoteVideoConfig ?? {};
    if (!(typeof width === "number" && width > 0 && typeof height === "number" && height > 0))
      throw rtcError(ErrorCode.INVALID_PARAMS, "setRemoteVideoConfig: pass {width, height} in pixels");
    const top = this.media.video.events.largestSize(userId, MAIN);
    await this.setRemoteSimulcastStreamType(userId, layerForSize({ width, height }, top));
  }

  /**
   * Sends the camera as three simulcast layers (full, half and quarter resolution), so each
   * subscriber receives the one it picks with `setRemoteSimulcastStreamType` (HIGH by default).
   * Call it before joining: the media transport keeps the layers it was set up with, so a
   * change while publishing applies from the next join.
   */
  enableSimulcastMode(enabled: boolean): boolean {
    this.live();
    if (typeof enabled !== "boolean")
      throw rtcError(ErrorCode.INVALID_PARAMS, "enableSimulcastMode: pass true or false");
    if (this.media.publishing && this.media.simulcast !== enabled)
      warn("enableSimulcastMode: already publishing; this applies from the next join");
    this.media.simulcast = enabled;
    this.media.video.encoding.useDefaultLayers();
    return true;
  }

  /**
   * What the server may do to what this engine receives when its downlink is too narrow
   * (DISABLE by default): VIDEO_STREAM_LOW lowers simulcast layers, AUDIO_ONLY then stops video
   * too; both come back as the link recovers, each step told by `onSimulcastSubscribeFallback`.
   * Kept for every join. Set it before joining, as the vendor asks: turned on in a room it applies
   * from the next join (turning it off applies at once). False for a bad option.
   */
  setSubscribeFallbackOption(option: SubscribeFallbackOption): boolean {
    this.live();
    return this.fallback.setOption(option);
  }

  /** `userId`'s priority under fallback: lower priorities lose video first (LOW by default). */
  setRemoteUserPriority(userId: string, priority: RemoteUserPriority): boolean {
    this.live();
    return this.fallback.setPriority(userId, priority);
  }

  // ----- public streams -----

  /**
   * Starts public stream `publicStreamId`: the server composites the regions' users (of this
   * app's rooms) per `publicStreamParam` and publishes the result, which anyone with a token of
   * the app plays without joining. Call in a room. REPEAT_PUSH when the id is pushed already;
   * INVALID_PARAMS naming any bad parameter; NOT_CONNECTED_YET outside a room.
   */
  async startPushPublicStream(publicStreamId: string, publicStreamParam: PublicStreamConfig): Promise<void> {
    this.live();
    try {
      await pushPublicStream(
        this.connection,
        this.session.room !== null,
        "startPushPublicStream",
        publicStreamId,
        publicStreamParam,
      );
    } catch (e) {
      this.emit("onPushPublicStreamResult", pushResult(publicStreamId, e));
      throw e;
    }
    this.emit("onPushPublicStreamResult", pushResult(publicStreamId));
  }

  /** Changes a public stream's parameters: what is given replaces what was (regions as a whole). */
  async updatePublicStreamParam(publicStreamId: string, publicStreamParam: Partial<PublicStreamConfig>): Promise<void> {
    this.live();
    return pushPublicStream(
      this.connection,
      this.session.room !== null,
      "updatePublicStreamParam",
      publicStreamId,
      publicStreamParam,
    );
  }

  /** Stops public stream `publicStreamId`; STREAM_NOT_EXIST when it is not pushed. */
  async stopPushPublicStream(publicStreamId: string): Promise<void> {
    this.live();
    return stopPublicStream(this.connection, this.session.room !== null, publicStreamId);
  }

  /**
   * Plays public stream `publicStreamId` without joining its room: it shows where
   * {@link setPublicStreamVideoPlayer} says and plays its audio. Chorus plays with a token of
   * the app: the one this engine joined its room with (outside a room: NOT_CONNECTED_YET).
   * REPEAT_PLAY when it plays already.
   */
  async startPlayPublicStream(publicStreamId: string): Promise<void> {
    this.live();
    return this.publicPlayers.start(publicStreamId);
  }

  /** Stops playing public stream `publicStreamId`. */
  async stopPlayPublicStream(publicStreamId: string): Promise<void> {
    this.live();
    return this.publicPlayers.stop(publicStreamId);
  }

  /** Where public stream `publicStreamId` shows (`renderDom`) and how (`renderMode`). */
  setPublicStreamVideoPlayer(
    publicStreamId: string,
    videoPlayerOption: Omit<VideoPlayerConfig, "userId" | "playerId">,
  ): void {
    this.live();
    this.publicPlayers.setVideoPlayer(publicStreamId, videoPlayerOption);
  }

  /** Public stream `publicStreamId`'s playback volume, 0 to 400 (100 as sent). */
  setPublicStreamVolume(publicStreamId: string, volume: number): void {
    this.live();
    this.publicPlayers.setVolume(publicStreamId, volume);
  }

  /** A played public stream's received track of `type` (undefined when it does not play or has none). */
  getPublicStreamTrack(id: string, type: "video" | "audio"): MediaStreamTrack | undefined {
    this.live();
    return this.publicPlayers.track(id, type);
  }

  /** The latest video figures of each public stream played, by id (from its 2 s stats). */
  getPublicVideoStats(): Record<string, RemoteVideoStats> {
    return this.publicPlayers.videoStats();
  }

  /** The latest audio figures of each public stream played, by id (from its 2 s stats). */
  getPublicAudioStats(): Record<string, RemoteAudioStats> {
    return this.publicPlayers.audioStats();
  }

  /**
   * The WTN stream manager: pushes this engine's own stream under a stream id, and plays any
   * WTN or public stream, without a room (src/room/wtn.ts). One per engine.
   */
  getWTNStreamManager(): WTNStream {
    this.live();
    this.wtn ??= new WTNStream({
      makeEngine: this.makeHidden,
      localTrack: (kind) => this.getLocalStreamTrack(MAIN, kind),
      players: this.publicPlayers,
    });
    return this.wtn;
  }

  // ----- live transcoding (push to CDN) -----

  /**
   * Composites users of this room on the server and pushes the result over RTMP to
   * `transcode.url`; `onStreamMixingEvent` says how it goes (START, then START_SUCCESS, or
   * START_FAILED with ERR_PARAM_INVALID or ERR_PUSH_CDN). Already on: REPEAT_PUSH.
   */
  async startLiveTranscoding(transcode: liveTranscoding.LiveTranscodeConfig): Promise<void> {
    this.live();
    return liveTranscoding.startLiveTranscoding(this.connection, this.session.room !== null, transcode);
  }

  /** Changes live transcoding's layout or video (the URL and audio cannot change). */
  async updateLiveTranscoding(transcode: Partial<liveTranscoding.LiveTranscodeConfig>): Promise<void> {
    this.live();
    return liveTranscoding.updateLiveTranscoding(this.connection, this.session.room !== null, transcode);
  }

  /** Stops live transcoding; nothing happens when it is off. */
  async stopLiveTranscoding(): Promise<void> {
    this.live();
    return liveTranscoding.stopLiveTranscoding(this.connection, this.session.room !== null);
  }

  /** The vendor's default live-transcoding parameters, `url` left empty. */
  defaultTranscoding(): Required<liveTranscoding.LiveTranscodeConfig> {
    return liveTranscoding.defaultTranscoding();
  }

  // ----- cross-room forwarding -----

  /**
   * Forwards this user's published streams into each room of `forwardStreamInfos` (its id and
   * a token for this app, that room and this user, with a publish privilege); answers each
   * room's state. A room whose token fails is FAILURE with INVALID_TOKEN and the rest go ahead;
   * a room that later refuses or removes the user fires `onForwardStreamError`. Already started,
   * or not in a room: UNEXPECTED_INVOKE_FORWARD_STREAM. Leaving the room stops every forward.
   */
  async startForwardStreamToRooms(forwardStreamInfos: ForwardStreamInfo[]): Promise<ForwardStreamStateInfo[]> {
    this.live();
    return forwardCall(this.connection, this.session.room !== null, "startForwardStreamToRooms", forwardStreamInfos);
  }

  /** Makes `forwardStreamInfos` the target rooms: adds new ones, renews tokens, drops the rest. */
  async updateForwardStreamToRooms(forwardStreamInfos: ForwardStreamInfo[]): Promise<ForwardStreamStateInfo[]> {
    this.live();
    return forwardCall(this.connection, this.session.room !== null, "updateForwardStreamToRooms", forwardStreamInfos);
  }

  /** Stops forwarding into every room; answers the rooms stopped. */
  async stopForwardStreamToRooms(): Promise<ForwardStreamStateInfo[]> {
    this.live();
    return forwardCall(this.connection, this.session.room !== null, "stopForwardStreamToRooms");
  }

  /** Stops sending media into every target room, staying there. */
  async pauseForwardStreamToAllRooms(): Promise<ForwardStreamStateInfo[]> {
    this.live();
    return forwardCall(this.connection, this.session.room !== null, "pauseForwardStreamToAllRooms");
  }

  /** Sends media into every target room again after a pause. */
  async resumeForwardStreamToAllRooms(): Promise<ForwardStreamStateInfo[]> {
    this.live();
    return forwardCall(this.connection, this.session.room !== null, "resumeForwardStreamToAllRooms");
  }

  // ----- subtitles -----

  /**
   * Turns subtitles on for this client: what each speaker says arrives as
   * `onSubtitleMessageReceived`; `onSubtitleStateChanged` STARTED follows once the recognizer
   * is ready, ERROR (with a SUBTITLE_* code) if it fails. Already on: SUBTITLE_ALREADY_ON.
   */
  async startSubtitle(config: RTCSubtitleConfig): Promise<void> {
    this.live();
    return startSubtitle(this.connection, this.session.room !== null, config);
  }

  /** Sets the language the speakers speak; everyone with subtitles on hears UPDATED. */
  async updateSubtitleConfig(config: UpdateSubtitleConfig): Promise<void> {
    this.live();
    return updateSubtitleConfig(this.connection, config);
  }

  /** Turns subtitles off for this client (`onSubtitleStateChanged` STOPPED). */
  stopSubtitle(): void {
    this.live();
    stopSubtitle(this.connection, (e) => warn("stopSubtitle failed", e));
  }

  // ----- messages in the room -----

  /** Sends a text message to `userId` in the room. */
  async sendUserMessage(userId: string, message: string): Promise<void> {
    await this.session.send(
      "sendUserMessage",
      { userId, message: textMessage(message, "sendUserMessage") },
      this.messageOptions,
    );
  }

  /** Sends bytes to `userId` in the room. */
  async sendUserBinaryMessage(userId: string, message: ArrayBuffer | ArrayBufferView): Promise<void> {
    await this.session.send(
      "sendUserBinaryMessage",
      { userId, message: binaryMessage(message, "sendUserBinaryMessage") },
      this.messageOptions,
    );
  }

  /** Sends a text message to everyone else in the room. */
  async sendRoomMessage(message: string): Promise<void> {
    await this.session.send(
      "sendRoomMessage",
      { message: textMessage(message, "sendRoomMessage") },
      this.messageOptions,
    );
  }

  /** Sends bytes to everyone else in the room. */
  async sendRoomBinaryMessage(message: ArrayBuffer | ArrayBufferView): Promise<void> {
    await this.session.send(
      "sendRoomBinaryMessage",
      { message: binaryMessage(message, "sendRoomBinaryMessage") },
      this.messageOptions,
    );
  }

  // ----- messages outside rooms -----

  /**
   * Logs in to real-time messaging with a token made for room "". The vendor allows a null
   * token for apps that turned token checks off; a Chorus server always checks, so null (sent
   * as "") is refused with LOGIN_FAILED, as an empty token is.
   */
  login(token: string | null, userId: string): Promise<void> {
    this.live();
    return this.rtm.login(token ?? "", userId);
  }

  /** Logs out of real-time messaging. */
  logout(): Promise<void> {
    this.live();
    return this.rtm.logout();
  }

  /** Replaces the login token (null, as in {@link login}, is refused by the server). */
  updateLoginToken(token: string | null): Promise<void> {
    this.live();
    return this.rtm.updateToken(token ?? "");
  }

  /** Whether `userId` is logged in: `USER_ONLINE_STATUS`. */
  getPeerOnlineStatus(userId: string): Promise<USER_ONLINE_STATUS> {
    this.live();
    return this.rtm.peerStatus(userId);
  }

  /** Sends text to a logged-in user, in a room or not. */
  async sendUserMessageOutsideRoom(userId: string, message: string): Promise<void> {
    this.live();
    await this.rtm.send("sendUserMessageOutsideRoom", {
      userId,
      message: textMessage(message, "sendUserMessageOutsideRoom"),
    });
  }

  /** Sends bytes to a logged-in user. */
  async sendUserBinaryMessageOutsideRoom(userId: string, message: ArrayBuffer | ArrayBufferView): Promise<void> {
    this.live();
    await this.rtm.send("sendUserBinaryMessageOutsideRoom", {
      userId,
      message: binaryMessage(message, "sendUserBinaryMessageOutsideRoom"),
    });
  }

  /**
   * Sets the business server that `sendServerMessage` posts to; `onServerParamsSetResult`
   * follows with no argument on success, else the error's code.
   */
  setServerParams(signature: string, url: string): Promise<void> {
    this.live();
    return this.rtm.setServerParams(signature, url).then(
      () => void this.emit("onServerParamsSetResult"),
      (e) => {
        this.emit("onServerParamsSetResult", e?.code ?? ErrorCode.UNEXPECTED_ERROR);
        throw e;
      },
    );
  }

  /** Posts text to the business server; resolves with its response body. */
  async sendServerMessage(message: string): Promise<string> {
    this.live();
    return (await this.rtm.send("sendServerMessage", { message: textMessage(message, "sendServerMessage") })).response;
  }

  /** Posts bytes to the business server; resolves with its response body. */
  async sendServerBinaryMessage(message: ArrayBuffer | ArrayBufferView): Promise<string> {
    this.live();
    return (
      await this.rtm.send("sendServerBinaryMessage", { message: binaryMessage(message, "sendServerBinaryMessage") })
    ).response;
  }
}
