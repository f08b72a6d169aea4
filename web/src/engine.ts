/**
 * The engine (`VERTC.createEngine`): the app-facing object, a thin face of the veRTC API. Each
 * method checks that the engine lives and its arguments, then hands the call to the module that
 * does the work: the room to {@link RoomSession}, the login to {@link LoginSession}, media to
 * the {@link MediaConductor}, device tests to {@link DeviceTests}, server events to
 * {@link dispatchServerEvent}. Common mistakes fail at once with a contract code; the server
 * checks everything again.
 */
import {
  ConnectionState,
  ErrorCode,
  MediaType,
  StreamIndex,
  VideoSourceType,
  type RoomConfig,
  type SimulcastStreamType,
  type UserInfo,
  type USER_ONLINE_STATUS,
} from "./generated/protocol";
import { Emitter } from "./emitter";
import { rtcError } from "./errors";
import { dispatchServerEvent } from "./dispatch";
import { Connection } from "./signal/connection";
import { checkId, checkIndex, checkMediaType, signalUrl } from "./validate";
import { DEFAULT_REQUEST_TIMEOUT_MS, type RequestOptions, type ServerEvent } from "./signal/client";
import { binaryMessage, messageOptions, textMessage } from "./room/messages";
import { RoomSession } from "./room/session";
import { MediaConductor } from "./media/conductor";
import type { ScreenConfig, VideoEncoderConfig } from "./media/capture";
import type { VideoPlayerConfig } from "./media/players";
import { LoginSession } from "./room/login";
import { DeviceTests } from "./media/devicetest";

/** Options of `createEngine`. */
export interface EngineConfig {
  /** The Chorus server, e.g. `https://rtc.example.com` (default: where the SDK was loaded from). */
  serverUrl?: string;
  /** How long a request may go unanswered before it fails with TIME_OUT, in ms (default 60 s). */
  requestTimeoutMs?: number;
  /** How long a message may go unanswered before it fails with USER_MESSAGE_TIMEOUT (default 10 s). */
  messageTimeoutMs?: number;
}

const MAIN = StreamIndex.STREAM_INDEX_MAIN;
const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;

/** A veRTC engine bound to one app on one Chorus server; its events come through {@link Emitter}'s face. */
export class RTCEngine extends Emitter {
  /** The app this engine belongs to. */
  readonly appId: string;
  private readonly connection: Connection;
  private readonly media: MediaConductor;
  private readonly messageOptions: RequestOptions;
  private readonly session: RoomSession;
  private readonly rtm: LoginSession;
  private destroyed = false;
  private parameters = new Map<string, unknown>();
  private readonly deviceTests: DeviceTests;

  /** Use `VERTC.createEngine`. */
  constructor(appId: string, serverUrl: string, config: EngineConfig = {}) {
    super();
    this.appId = appId;
    this.messageOptions = messageOptions(config.messageTimeoutMs ?? 10_000);
    this.connection = new Connection(
      signalUrl(serverUrl, appId),
      config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      {
        event: (event) => this.onServerEvent(event),
        state: (state, reason) => this.emit("onConnectionStateChanged", reason ? { state, reason } : { state }),
        restore: () => this.restore(),
        lost: (why) => this.onLost(why),
        needed: () => !this.destroyed && (this.session.room !== null || this.rtm.loggedIn),
      },
    );
    this.media = new MediaConductor({
      call: (method, params) => this.connection.request(method, params),
      emit: (event, ...args) => this.emit(event, ...args),
      room: () => this.session.room,
    });
    this.session = new RoomSession(this.connection, this.media, {
      live: () => this.live(),
      closeIfIdle: () => this.closeIfIdle(),
    });
    this.rtm = new LoginSession(
      this.connection,
      () => this.closeIfIdle(),
      () => this.messageOptions,
    );
    this.media.capture.onChange = (index, kind, track) => this.session.captureChanged(index, kind, track);
    this.media.capture.onEnded = (index, kind) => this.emit("onTrackEnded", { streamIndex: index, kind });
    this.deviceTests = new DeviceTests({
      volume: (volume) => this.emit("onAudioPlaybackDeviceTestVolume", volume),
      sinkId: () => this.media.players.outputId,
      micId: () => this.media.capture.deviceId("audio"),
    });
  }

  /** Stores an SDK parameter (accepted for compatibility; none changes behaviour yet). */
  setParameter(key: string, value: unknown): void {
    this.parameters.set(key, value);
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

  // ----- publishing and subscribing -----

  /** Publishes the main stream's `mediaType`; what is captured flows once the transport is up. */
  publishStream(mediaType: MediaType): Promise<void> {
    return this.session.publish(MAIN, checkMediaType(mediaType, "publishStream"), "publishStream");
  }

  /** Stops publishing the main stream's `mediaType`. */
  unpublishStream(mediaType: MediaType): Promise<void> {
    return this.session.unpublish(MAIN, checkMediaType(mediaType, "unpublishStream"), "unpublishStream");
  }

  /** Publishes the screen stream (video; start it with `startScreenCapture`). */
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
    this.live();
    await this.connection.request("pauseAllSubscribedStream", {
      mediaType: checkMediaType(mediaType, "pauseAllSubscribedStream"),
    });
  }

  /** Resumes what {@link pauseAllSubscribedStream} paused. */
  async resumeAllSubscribedStream(mediaType: MediaType = MediaType.AUDIO_AND_VIDEO): Promise<void> {
    this.live();
    await this.connection.request("resumeAllSubscribedStream", {
      mediaType: checkMediaType(mediaType, "resumeAllSubscribedStream"),
    });
  }

  /** Picks which simulcast layer of `userId`'s video to receive. */
  async setRemoteSimulcastStreamType(userId: string, streamType: SimulcastStreamType): Promise<void> {
    this.live();
    checkId(userId, "userId", "setRemoteSimulcastStreamType");
    await this.connection.request("setRemoteSimulcastStreamType", { userId, streamType });
  }

  /**
   * Sends the camera as three simulcast layers (full, half and quarter resolution), so each
   * subscriber receives the one it picks with `setRemoteSimulcastStreamType` (HIGH by default).
   * Call it before joining: the media transport keeps the layers it was set up with, so a
   * change while publishing applies from the next join.
   */
  async enableSimulcastMode(enabled: boolean): Promise<void> {
    this.live();
    if (typeof enabled !== "boolean")
      throw rtcError(ErrorCode.INVALID_PARAMS, "enableSimulcastMode: pass true or false");
    if (this.media.publishing && this.media.simulcast !== enabled)
      console.warn("[chorus] enableSimulcastMode: already publishing; this applies from the next join");
    this.media.simulcast = enabled;
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

  /** Logs in to real-time messaging with a token made for room "". */
  login(token: string, userId: string): Promise<void> {
    this.live();
    return this.rtm.login(token, userId);
  }

  /** Logs out of real-time messaging. */
  logout(): Promise<void> {
    this.live();
    return this.rtm.logout();
  }

  /** Replaces the login token. */
  updateLoginToken(token: string): Promise<void> {
    this.live();
    return this.rtm.updateToken(token);
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

  /** Sets the business server that `sendServerMessage` posts to. */
  setServerParams(signature: string, url: string): Promise<void> {
    this.live();
    return this.rtm.setServerParams(signature, url);
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

  // ----- capture -----

  /** Starts the microphone (REPEAT_CAPTURE when it already runs). */
  startAudioCapture(deviceId?: string): Promise<MediaTrackSettings> {
    this.live();
    return this.media.capture.startAudio(deviceId ?? this.media.capture.deviceId("audio"));
  }

  /** Stops the microphone. */
  async stopAudioCapture(): Promise<void> {
    this.live();
    this.media.capture.stop(MAIN, "audio", "stopAudioCapture");
  }

  /** Starts the camera (REPEAT_CAPTURE when it already runs). */
  startVideoCapture(deviceId?: string): Promise<MediaTrackSettings> {
    this.live();
    return this.media.capture.startVideo(deviceId ?? this.media.capture.deviceId("video"));
  }

  /** Stops the camera. */
  async stopVideoCapture(): Promise<void> {
    this.live();
    this.media.capture.stop(MAIN, "video", "stopVideoCapture");
  }

  /** Starts the microphone and the camera. */
  async startAudioAndVideoCapture(): Promise<void> {
    this.live();
    const [audio, video] = await Promise.allSettled([this.startAudioCapture(), this.startVideoCapture()]);
    if (audio.status === "rejected") throw audio.reason;
    if (video.status === "rejected") throw video.reason;
  }

  /** Starts sharing the screen (call it from a user gesture); publish it with `publishScreen`. */
  startScreenCapture(config?: ScreenConfig): Promise<MediaTrackSettings> {
    this.live();
    return this.media.capture.startScreen(config);
  }

  /** Stops sharing the screen. */
  async stopScreenCapture(): Promise<void> {
    this.live();
    this.media.capture.stop(SCREEN, "video", "stopScreenCapture");
  }

  /** Chooses between internal capture and an app track (`setExternalVideoTrack`) for a stream's video. */
  setVideoSourceType(index: StreamIndex, type: VideoSourceType): void {
    this.live();
    this.media.capture.setSourceType(checkIndex(index, "setVideoSourceType"), "video", type);
  }

  /** Chooses between the microphone and an app track (`setExternalAudioTrack`) for a stream's audio. */
  setAudioSourceType(index: StreamIndex, type: VideoSourceType): void {
    this.live();
    this.media.capture.setSourceType(checkIndex(index, "setAudioSourceType"), "audio", type);
  }

  /** Sends the app's video track on stream `index` (after `setVideoSourceType(index, EXTERNAL)`). */
  setExternalVideoTrack(index: StreamIndex, track: MediaStreamTrack): void {
    this.live();
    this.media.capture.setExternal(checkIndex(index, "setExternalVideoTrack"), "video", track, "setExternalVideoTrack");
  }

  /** Sends the app's audio track (after `setAudioSourceType(index, EXTERNAL)`). */
  setExternalAudioTrack(index: StreamIndex, track: MediaStreamTrack): void {
    this.live();
    this.media.capture.setExternal(checkIndex(index, "setExternalAudioTrack"), "audio", track, "setExternalAudioTrack");
  }

  /** Switches the microphone (now if capturing, else for the next capture). */
  setAudioCaptureDevice(deviceId: string): Promise<void> {
    this.live();
    return this.media.capture.setDevice("audio", deviceId);
  }

  /** Switches the camera (now if capturing, else for the next capture). */
  setVideoCaptureDevice(deviceId: string): Promise<void> {
    this.live();
    return this.media.capture.setDevice("video", deviceId);
  }

  /** Plays remote audio and device tests on another output device (INVALID_DEVICE_ID, NOT_SUPPORTED). */
  async setAudioPlaybackDevice(deviceId: string): Promise<void> {
    this.live();
    await this.media.players.setSinkId(deviceId);
    this.deviceTests.setSink(deviceId);
  }

  // ----- device tests -----

  /**
   * Plays the audio file at `url` in a loop on the playback device so the user can hear it,
   * emitting `onAudioPlaybackDeviceTestVolume` (0..255) every `intervalMs` (REPEAT_DEVICE_TEST
   * while any device test runs; LOAD_RESOURCES_FAILED when the file cannot be loaded).
   */
  startAudioPlaybackDeviceTest(url: string, intervalMs: number): Promise<void> {
    this.live();
    return this.deviceTests.startPlayback(url, intervalMs);
  }

  /** Stops the playback device test. */
  stopAudioPlaybackDeviceTest(): void {
    this.live();
    this.deviceTests.stopPlayback();
  }

  /**
   * Records the microphone for up to 30 s, then plays the recording back, so the user hears
   * how they sound; the level comes every `intervalMs` as `onAudioPlaybackDeviceTestVolume`
   * (AUDIO_DEVICE_RECORD_FAILED when the microphone cannot be opened).
   */
  startAudioDeviceRecordTest(intervalMs: number): Promise<void> {
    this.live();
    return this.deviceTests.startRecord(intervalMs);
  }

  /** Stops recording before the 30 s and plays back what was recorded. */
  stopAudioDeviceRecordAndPlayTest(): void {
    this.live();
    this.deviceTests.stopRecordAndPlay();
  }

  /** Ends the record test: stops the playback of the recording (or the recording itself). */
  stopAudioDevicePlayTest(): void {
    this.live();
    this.deviceTests.stopPlay();
  }

  /** Camera resolution, frame rate and bitrate cap for the next capture and publish. */
  setVideoEncoderConfig(config: VideoEncoderConfig): void {
    this.live();
    this.media.capture.encoderConfig = { ...config };
  }

  // ----- levels -----

  /**
   * Reports audio levels every `config.interval` ms while in a room: `onAudioVolumeIndication`
   * with `[{userId, volume}]` (volume 0–255; the local user under its own id) and
   * `onActiveSpeaker(roomId, userId)` when the loudest remote speaker changes. An interval of 0
   * or less turns reports off; the shortest is 100 ms.
   */
  enableAudioPropertiesReport(config: { interval?: number } = {}): void {
    this.live();
    const interval = config?.interval ?? 1000;
    if (typeof interval !== "number" || Number.isNaN(interval))
      throw rtcError(ErrorCode.INVALID_PARAMS, "enableAudioPropertiesReport: interval must be a number of ms");
    this.media.setAudioReport(interval);
  }

  // ----- rendering -----

  /** Shows local video of stream `index` in `config.renderDom` (element or id); no renderDom removes it. */
  setLocalVideoPlayer(index: StreamIndex, config: VideoPlayerConfig): void {
    this.live();
    checkIndex(index, "setLocalVideoPlayer");
    this.media.players.setLocal(index, config, this.media.capture.track(index, "video"));
  }

  /** Shows `config.userId`'s video of stream `index` in `config.renderDom`, now or once it arrives. */
  setRemoteVideoPlayer(index: StreamIndex, config: VideoPlayerConfig): void {
    this.live();
    checkIndex(index, "setRemoteVideoPlayer");
    this.media.players.setRemote(index, config, this.media.remoteTrack(config?.userId, index, "video"));
  }

  /** Retries players of `userId` (or all) that autoplay rules blocked; call it from a user gesture. */
  play(userId?: string): void {
    this.live();
    this.media.players.play(userId);
  }

  /** The current local picture of stream `index` (INVOKED_BEFORE_CAPTURE when none is captured). */
  async takeLocalSnapshot(index: StreamIndex): Promise<ImageData> {
    this.live();
    return this.media.snapshot(null, checkIndex(index, "takeLocalSnapshot"));
  }

  /** The current picture of `userId`'s stream `index` (STREAM_NOT_EXIST when not received). */
  async takeRemoteSnapshot(userId: string, index: StreamIndex): Promise<ImageData> {
    this.live();
    return this.media.snapshot(userId, checkIndex(index, "takeRemoteSnapshot"));
  }

  // ----- internals -----

  /** Tears the engine down (`VERTC.destroyEngine`). */
  destroy(): void {
    if (this.destroyed) return;
    this.session.abandon();
    this.destroyed = true;
    this.rtm.forget();
    this.deviceTests.destroy();
    this.media.destroy();
    this.connection.close();
    this.removeAllListeners();
  }

  /** Whether the engine is not destroyed. */
  get alive(): boolean {
    return !this.destroyed;
  }

  private live(): void {
    if (this.destroyed) throw rtcError(ErrorCode.INVALID_ENGINE, "this engine was destroyed; create a new one");
  }

  /** A server event: the engine's state first, then the app. */
  private onServerEvent(event: ServerEvent): void {
    dispatchServerEvent(event, {
      room: () => this.session.room,
      subscriberOffer: (offer) => this.media.subscriberOffer(offer),
      removedFromRoom: () => {
        this.session.exit();
        this.closeIfIdle();
      },
      loginEnded: () => {
        this.rtm.forget();
        this.closeIfIdle();
      },
      emit: (name, payload) => this.emit(name, payload),
    });
  }

  /** A new socket after a drop: log in and rejoin as before. */
  private async restore(): Promise<void> {
    await this.rtm.restore();
    await this.session.restore();
  }

  private onLost(why: string): void {
    const wasInRoom = this.session.exit() !== null;
    this.rtm.forget();
    this.emit("onError", {
      errorCode: ErrorCode.RECONNECT_FAILED,
      message: `lost the connection to the server (${why}); join again${wasInRoom ? "" : " or log in again"}`,
    });
  }

  private closeIfIdle(): void {
    if (
      !this.session.room &&
      !this.rtm.loggedIn &&
      !this.session.joining &&
      this.connection.state !== ConnectionState.CONNECTION_STATE_DISCONNECTED
    )
      this.connection.close();
  }
}
