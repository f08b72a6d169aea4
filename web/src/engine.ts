/**
 * The engine (`VERTC.createEngine`): the app-facing object, a thin face of the veRTC API. Each
 * method checks that the engine lives and its arguments, then hands the call to the module that
 * does the work: the room to {@link RoomSession}, the login to {@link LoginSession}, media to
 * the {@link MediaConductor}, device tests to {@link DeviceTests}, server events to
 * {@link dispatchServerEvent}, all wired in {@link EngineParts}. Common mistakes fail at once with a contract code; the server
 * checks everything again.
 */
import {
  ErrorCode,
  MediaType,
  StreamIndex,
  VideoSourceType,
  type RoomConfig,
  type SimulcastStreamType,
  type UserInfo,
  type USER_ONLINE_STATUS,
} from "./generated/protocol";
import { rtcError } from "./errors";
import type { AudioSourceType, MirrorType, VideoSimulcastMode } from "./enums/values";
import { checkId, checkIndex, checkMediaType } from "./validate";
import { binaryMessage, textMessage } from "./room/messages";
import type { Kind, ScreenConfig, VideoEncoderConfig } from "./media/capture";
import { captureConstraints, checkConfig, layerForSize, type ScreenEncoderConfig } from "./media/encoding";
import type { PlayerVisibility } from "./media/visibility";
import { visibilityOf } from "./media/visibility";
import { outputInfo } from "./media/devices";
import type { VideoPlayerConfig } from "./media/players";
import { EngineParts, type EngineConfig } from "./parts";
import { warn } from "./log";

export type { EngineConfig };

const MAIN = StreamIndex.STREAM_INDEX_MAIN;
const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;

/** A veRTC engine bound to one app on one Chorus server. */
export class RTCEngine extends EngineParts {
  /** Use `VERTC.createEngine`. */
  constructor(appId: string, serverUrl: string, config: EngineConfig = {}) {
    super(appId, serverUrl, config);
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
  async startAudioAndVideoCapture(
    optionsOrAudioDeviceId?: { audioDeviceId?: string; videoDeviceId?: string } | string,
    videoDeviceId?: string,
  ): Promise<{ audioTrackSettings: MediaTrackSettings; videoTrackSettings: MediaTrackSettings }> {
    this.live();
    const ids =
      typeof optionsOrAudioDeviceId === "object" && optionsOrAudioDeviceId !== null
        ? optionsOrAudioDeviceId
        : { audioDeviceId: optionsOrAudioDeviceId, videoDeviceId };
    const [audio, video] = await Promise.allSettled([
      this.startAudioCapture(ids.audioDeviceId),
      this.startVideoCapture(ids.videoDeviceId),
    ]);
    if (audio.status === "rejected") throw audio.reason;
    if (video.status === "rejected") throw video.reason;
    return { audioTrackSettings: audio.value, videoTrackSettings: video.value };
  }

  /**
   * Starts sharing the screen (call it from a user gesture) at the size and rate of
   * `setScreenEncoderConfig`; publish it with `publishScreen`. What is captured:
   * `getLocalStreamTrack(STREAM_INDEX_SCREEN, "video").getSettings()`.
   */
  async startScreenCapture(config?: ScreenConfig): Promise<void> {
    this.live();
    await this.media.capture.startScreen(config);
  }

  /** Stops sharing the screen. */
  async stopScreenCapture(): Promise<void> {
    this.live();
    this.media.capture.stop(SCREEN, "video", "stopScreenCapture");
  }

  // The four source calls below return promises, as the vendor's do, but do their work (and
  // throw) at once, so a call that is not awaited still fails where it is made.

  /** Chooses between internal capture and an app track (`setExternalVideoTrack`) for a stream's video. */
  setVideoSourceType(index: StreamIndex, type: VideoSourceType): Promise<void> {
    this.live();
    this.media.capture.setSourceType(checkIndex(index, "setVideoSourceType"), "video", type);
    return Promise.resolve();
  }

  /** Chooses between the microphone and an app track (`setExternalAudioTrack`) for a stream's audio. */
  setAudioSourceType(index: StreamIndex, type: AudioSourceType): Promise<void> {
    this.live();
    // AudioSourceType has VideoSourceType's values (0 external, 1 internal).
    this.media.capture.setSourceType(
      checkIndex(index, "setAudioSourceType"),
      "audio",
      type as number as VideoSourceType,
    );
    return Promise.resolve();
  }

  /** Sends the app's video track on stream `index` (after `setVideoSourceType(index, EXTERNAL)`). */
  setExternalVideoTrack(index: StreamIndex, track: MediaStreamTrack): Promise<void> {
    this.live();
    this.media.capture.setExternal(checkIndex(index, "setExternalVideoTrack"), "video", track, "setExternalVideoTrack");
    return Promise.resolve();
  }

  /** Sends the app's audio track (after `setAudioSourceType(index, EXTERNAL)`). */
  setExternalAudioTrack(index: StreamIndex, track: MediaStreamTrack): Promise<void> {
    this.live();
    this.media.capture.setExternal(checkIndex(index, "setExternalAudioTrack"), "audio", track, "setExternalAudioTrack");
    return Promise.resolve();
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
    this.emit("onAudioPlaybackDeviceChanged", await outputInfo(deviceId));
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

  /**
   * Sets the camera's resolution, frame rate and bitrate cap, now and for what comes: a running
   * capture and the video being sent follow at once. An array gives one config per simulcast
   * layer, highest first, and sends the camera in those layers from the next publisher
   * transport (the next join). A size the camera cannot capture is reported by
   * `onLocalVideoSizeChanged`.
   */
  async setVideoEncoderConfig(descriptions: VideoEncoderConfig | VideoEncoderConfig[]): Promise<void> {
    this.live();
    const encoding = this.media.video.encoding;
    const layered = encoding.setCamera(descriptions);
    if (layered) this.media.simulcast = true;
    this.media.capture.encoderConfig = encoding.camera;
    await this.applyVideoSettings(MAIN);
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

  /**
   * Shows local video of stream `index` in `config.renderDom` (element or id), in the player
   * `config.playerId` (none: the default one); no config or no renderDom removes that player.
   * Returns the player's `<video>`, if one is bound.
   */
  setLocalVideoPlayer(index: StreamIndex, config?: VideoPlayerConfig): HTMLVideoElement | undefined {
    this.live();
    checkIndex(index, "setLocalVideoPlayer");
    return this.media.players.setLocal(index, config, this.media.capture.track(index, "video"));
  }

  /** Shows `config.userId`'s video of stream `index` in `config.renderDom`, now or once it arrives (as above). */
  setRemoteVideoPlayer(index: StreamIndex, config: VideoPlayerConfig): HTMLVideoElement | undefined {
    this.live();
    checkIndex(index, "setRemoteVideoPlayer");
    const track = typeof config?.userId === "string" ? this.media.remoteTrack(config.userId, index, "video") : null;
    return this.media.players.setRemote(index, config, track);
  }

  /**
   * Retries players that autoplay rules blocked: `userId`'s (all when none is given), of
   * `mediaType`, stream `index` and player `playerId` when given. Call it from a user gesture.
   */
  play(userId?: string, mediaType?: MediaType, index?: StreamIndex, playerId?: string): Promise<void> {
    this.live();
    return this.media.players.play(userId, mediaType, index, playerId);
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

  /** Mirrors the local camera's players (`MIRROR_TYPE_RENDER`) or not; what is sent stays unmirrored. */
  setLocalVideoMirrorType(mirrorType: MirrorType): void {
    this.live();
    this.media.video.mirrors.setLocal(mirrorType);
  }

  /** Mirrors the players of `userId`'s stream `streamIndex` (`MIRROR_TYPE_RENDER`) or not. */
  setRemoteVideoMirrorType(userId: string, streamIndex: StreamIndex, mirrorType: MirrorType): void {
    this.live();
    checkId(userId, "userId", "setRemoteVideoMirrorType");
    this.media.video.mirrors.setRemote(userId, checkIndex(streamIndex, "setRemoteVideoMirrorType"), mirrorType);
  }

  /**
   * Pauses players: `userId`'s (none: the local ones), of `mediaType` and stream `streamIndex`
   * (none: both), the player `playerId` (none: the default one). They stay bound; `play`
   * resumes them. Nothing is unsubscribed.
   */
  stop(userId?: string, mediaType?: MediaType, streamIndex?: StreamIndex, playerId?: string): void {
    this.live();
    if (mediaType !== undefined) checkMediaType(mediaType, "stop");
    if (streamIndex !== undefined) checkIndex(streamIndex, "stop");
    this.media.players.stop(userId || undefined, mediaType, streamIndex, playerId);
  }

  /** Whether the local player of `streamIndex` (`playerId`, none: the default one) can be seen, and if not why. */
  getLocalVideoPlayerVisibility(streamIndex: StreamIndex, playerId?: string): PlayerVisibility | undefined {
    this.live();
    return this.visibility("", checkIndex(streamIndex, "getLocalVideoPlayerVisibility"), playerId);
  }

  /** Whether `userId`'s player of `streamIndex` can be seen, and if not why. */
  getRemotePlayerVisibility(userId: string, streamIndex: StreamIndex, playerId?: string): PlayerVisibility | undefined {
    this.live();
    if (typeof userId !== "string" || userId === "") return undefined;
    return this.visibility(userId, checkIndex(streamIndex, "getRemotePlayerVisibility"), playerId);
  }

  private visibility(owner: string, index: StreamIndex, playerId: string | undefined): PlayerVisibility | undefined {
    const view = this.media.players
      .videoPlayers()
      .find((v) => v.owner === owner && v.index === index && v.playerId === playerId);
    return view && visibilityOf(view);
  }

  /** The local track of `type` on `streamIndex` (camera, microphone, screen or the app's), if any. */
  getLocalStreamTrack(streamIndex: StreamIndex, type: "video" | "audio"): MediaStreamTrack | undefined {
    this.live();
    return (
      this.media.capture.track(
        checkIndex(streamIndex, "getLocalStreamTrack"),
        checkKind(type, "getLocalStreamTrack"),
      ) ?? undefined
    );
  }

  /** The received track of `userId`'s `type` on `streamIndex`, if subscribed. */
  getRemoteStreamTrack(
    userId: string,
    streamIndex: StreamIndex,
    type: "video" | "audio",
  ): MediaStreamTrack | undefined {
    this.live();
    const index = checkIndex(streamIndex, "getRemoteStreamTrack");
    return this.media.remoteTrack(userId, index, checkKind(type, "getRemoteStreamTrack")) ?? undefined;
  }

  /**
   * Sends the camera in simulcast layers (`VIDEO_ALWAYS_SIMULCAST`; `VIDEO_ON_DEMAND` does the
   * same: every layer is always sent and the SFU forwards the one each subscriber picks) or
   * as one stream (`VIDEO_ONLY_ONE`). `streamConfig` gives the lower layers, lowest first (at
   * most two; default one layer of 120x90 at 10 fps and 100 kbit/s). The number of layers is
   * fixed per publisher transport: set it before joining; their settings may change later.
   */
  async setLocalSimulcastMode(mode: VideoSimulcastMode, streamConfig?: VideoEncoderConfig[]): Promise<void> {
    this.live();
    const on = this.media.video.encoding.setSimulcast(mode, streamConfig);
    if (this.media.publishing && this.media.simulcast !== on)
      warn("setLocalSimulcastMode: already publishing; the number of layers changes from the next join");
    this.media.simulcast = on;
    await this.applyVideoSettings(MAIN);
  }

  /**
   * Sets the screen's resolution, frame rate and bitrate cap (default: the browser's size and
   * rate, 3000 kbit/s), now and for the next screen capture.
   */
  async setScreenEncoderConfig(description: ScreenEncoderConfig): Promise<void> {
    this.live();
    const config = checkConfig(description, "setScreenEncoderConfig");
    this.media.video.encoding.screen = config;
    this.media.capture.screenConfig = config;
    await this.applyVideoSettings(SCREEN);
  }

  /**
   * Sets camera constraints beyond the encoder's (the vendor's deprecated way; the encoder's
   * size and rate give way to these). Applies to a running capture; resolves with what the
   * camera captures then (an empty object when it is off).
   */
  async setVideoCaptureConfig(config: Omit<MediaTrackConstraints, "deviceId">): Promise<MediaTrackSettings> {
    this.live();
    if (!config || typeof config !== "object")
      throw rtcError(ErrorCode.INVALID_PARAMS, "setVideoCaptureConfig: pass MediaTrackConstraints (without deviceId)");
    const { deviceId: _ignored, ...rest } = config as MediaTrackConstraints;
    this.media.capture.captureConfig = rest;
    await this.applyVideoSettings(MAIN);
    return this.media.capture.track(MAIN, "video")?.getSettings() ?? {};
  }

  /** Starts the camera and the microphone (the vendor's order of arguments; see `startAudioAndVideoCapture`). */
  startVideoAndAudioCapture(
    videoDeviceId?: string,
    audioDeviceId?: string,
  ): Promise<{ audioTrackSettings: MediaTrackSettings; videoTrackSettings: MediaTrackSettings }> {
    return this.startAudioAndVideoCapture({ audioDeviceId, videoDeviceId });
  }

  /**
   * While the camera of stream `index` is off but its video is published, sends the picture at
   * `filePath` (an http(s), data or blob URL of a JPG, PNG or BMP; "" removes it) instead,
   * scaled to fit the encoder's size. The local preview does not show it.
   */
  async setDummyCaptureImagePath(index: StreamIndex, filePath: string): Promise<void> {
    this.live();
    await this.media.video.dummies.set(checkIndex(index, "setDummyCaptureImagePath"), filePath);
    await this.media.resync();
  }

  /**
   * Whether each remote user's audio and video play in sync (default true); false trades lip
   * sync for the lowest delay. Only outside a room: returns false in one (it applies from the
   * next join).
   */
  setRemoteStreamRenderSync(sync: boolean): boolean {
    this.live();
    if (typeof sync !== "boolean" || this.session.room || this.session.joining) return false;
    this.media.video.sync.enabled = sync;
    return true;
  }

  /**
   * Buffers `userId`'s stream `streamIndex` (audio and video) for `target` ms (0..4000; 0: the
   * browser's own choice) to ride out jitter, at once or, `progressive` (default), in steps of
   * 50 ms; `onJitterBufferTargetStabled` tells when the buffer settled there.
   */
  setJitterBufferTarget(userId: string, streamIndex: StreamIndex, target: number, progressive?: boolean): void {
    this.live();
    this.media.video.jitter.set(userId, checkIndex(streamIndex, "setJitterBufferTarget"), target, progressive ?? true);
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

  /** Applies the encoding settings of stream `index` to what is captured and sent now. */
  private async applyVideoSettings(index: StreamIndex): Promise<void> {
    const capture = this.media.capture;
    const constraints =
      index === MAIN ? capture.videoConstraints(capture.deviceId("video")) : captureConstraints(capture.screenConfig);
    await this.media.video.apply(
      index,
      capture.track(index, "video"),
      capture.owns(index, "video"),
      constraints,
      this.media.sender(index, "video"),
    );
  }
}

/** Returns `type` if it is "video" or "audio", else throws INVALID_PARAMS. */
function checkKind(type: unknown, method: string): Kind {
  if (type !== "video" && type !== "audio")
    throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: type must be "video" or "audio"`);
  return type;
}
