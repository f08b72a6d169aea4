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
import {
  type EarMonitorPosition,
  type AudioProfileType,
  type AudioSelectionPriority,
  type AudioSourceType,
  type MirrorType,
  type VideoSimulcastMode,
} from "./enums/values";
import { checkVolume } from "./media/volume";
import type { AudioFrameData } from "./media/audioframes";
import type { AudioPropertiesConfig } from "./media/audioreport";
import type { TrackCaptureConfig } from "./media/audioprofile";
import { checkId, checkIndex, checkMediaType } from "./validate";
import { binaryMessage, textMessage } from "./room/messages";
import { forwardCall } from "./room/forward";
import type { Kind, ScreenConfig, VideoEncoderConfig } from "./media/capture";
import { captureConstraints, checkConfig, layerForSize, type ScreenEncoderConfig } from "./media/encoding";
import type { PlayerVisibility } from "./media/visibility";
import { visibilityOf } from "./media/visibility";
import { outputInfo } from "./media/devices";
import type { VideoPlayerConfig } from "./media/players";
import { EngineParts, type EngineConfig, type ExtraJoinRoomParams } from "./parts";
import { audioMixingOf, type AudioMixingManager } from "./media/mixing";
import { SEICountPerFrame, seiMessage } from "./media/sei";
import type {
  LocalUserAudioStats,
  LocalUserVideoStats,
  RemoteUserAudioStats,
  RemoteUserVideoStats,
} from "./media/statsgetters";
import { warn } from "./log";
import type { RTCExtension } from "./extension/host";

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

  // ----- stats and SEI -----

  /** The sent audio's figures, main and screen (the same within a second: sampled each second). */
  getLocalAudioStats(): LocalUserAudioStats {
    return this.media.stats.localAudio();
  }

  /** The sent video's figures, main and screen (the same within a second: sampled each second). */
  getLocalVideoStats(): LocalUserVideoStats {
    return this.media.stats.localVideo();
  }

  /** The received audio's figures by user id (the same within a second: sampled each second). */
  getRemoteAudioStats(): Record<string, RemoteUserAudioStats[]> {
    return this.media.stats.remoteAudio();
  }

  /** The received video's figures by user id (the same within a second: sampled each second). */
  getRemoteVideoStats(): Record<string, RemoteUserVideoStats[]> {
    return this.media.stats.remoteVideo();
  }

  /**
   * Puts `message` (1 to 4096 bytes; a string goes as UTF-8) into the next `repeatCount + 1`
   * frames of the H.264 video sent on `streamIndex`, where others get it as
   * `onSEIMessageReceived`, once. `repeatCount` is 0 to min(30, 2 × frame rate); `mode` (the
   * native SDKs' `SEICountPerFrame`) lets a frame carry several queued messages. Throws
   * INVALID_PARAMS for a bad argument, NOT_CONNECTED_YET outside a room,
   * STREAM_NOT_EXIST when that stream sends no video, NOT_SUPPORTED for VP8 or a browser
   * without encoded transforms.
   */
  sendSEIMessage(
    streamIndex: StreamIndex,
    message: Uint8Array | string,
    repeatCount: number,
    mode: SEICountPerFrame = SEICountPerFrame.SINGLE_SEI_PER_FRAME,
  ): void {
    this.live();
    const index = checkIndex(streamIndex, "sendSEIMessage");
    const bytes = seiMessage(message, repeatCount, this.media.sentFrameRate(index));
    this.media.sendSei(index, bytes, repeatCount, mode === SEICountPerFrame.MULTI_SEI_PER_FRAME);
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

  /** Stops sharing the screen (its video and the audio it captured). */
  async stopScreenCapture(): Promise<void> {
    this.live();
    this.media.capture.stopScreen();
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

  /**
   * Registers an extension that processes captured tracks before they are sent (the vendor's
   * pre-processing extensions; see {@link RTCExtension}), e.g. Chorus's RNNoise noise
   * suppression (`extension-rnnoise`). It runs from now on, over what is captured already too;
   * `onLocalStreamTrackChangedByExtension` tells when the track sent changes. NOT_SUPPORTED when
   * the extension cannot run in this browser, INVALID_PARAMS for a malformed one or a name
   * registered already.
   */
  registerExtension(extension: RTCExtension): Promise<void> {
    this.live();
    return this.extensions.register(extension);
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
   * Reports audio levels every `config.interval` ms (default 100, at least 100; 0 or less
   * turns reports off) while in a room: `onLocalAudioPropertiesReport` (local audio as sent),
   * `onRemoteAudioPropertiesReport` (received audio) and `onActiveSpeaker` when the loudest
   * remote speaker changes.
   */
  enableAudioPropertiesReport(config?: AudioPropertiesConfig): void {
    this.live();
    this.media.audioReports.setProperties(config?.interval ?? 100);
  }

  /**
   * The vendor's older report (deprecated there for {@link enableAudioPropertiesReport}):
   * `onAudioVolumeIndication` with `{speakers: [{userId, volume}]}` every `interval` ms in a
   * room, the local user under its own id; 0 or less (or none) turns it off.
   */
  setAudioVolumeIndicationInterval(interval?: number): void {
    this.live();
    this.media.audioReports.setIndication(interval ?? 0);
  }

  /**
   * Sets the volume of stream `index`'s captured audio, 0..400 (100: unchanged, 200: twice
   * the amplitude, 0: silence), as it is sent; before capture it applies once capture starts.
   */
  setCaptureVolume(index: StreamIndex, volume: number): void {
    this.live();
    this.media.volumes.setCapture(checkIndex(index, "setCaptureVolume"), checkVolume(volume, "setCaptureVolume"));
  }

  /** Sets how loud `userId`'s audio of stream `index` plays here, 0..400 (100: as received); now or once it plays. */
  setPlaybackVolume(userId: string, index: StreamIndex, volume: number): void {
    this.live();
    checkId(userId, "userId", "setPlaybackVolume");
    const gain = checkVolume(volume, "setPlaybackVolume");
    this.media.volumes.setPlayback(userId, checkIndex(index, "setPlaybackVolume"), gain);
  }

  /**
   * The level of local stream `index` as sent (no `userId`) or of `userId`'s received stream:
   * `linearVolume` 0..255 and `nonlinearVolume` -127..0 dB; both 0 when there is no such stream.
   */
  getAudioVolume(index: StreamIndex, userId?: string): { linearVolume: number; nonlinearVolume: number } {
    this.live();
    return this.media.volumes.level(checkIndex(index, "getAudioVolume"), userId);
  }

  /**
   * Plays stream `index`'s captured audio back locally (in-ear monitoring): AFTER_CAPTURE the
   * track as the browser captures it (its own processing applied: a page cannot get the audio
   * before it), AFTER_PROCESS as sent (after the capture volume); NONE turns it off.
   */
  async setEarMonitorMode(index: StreamIndex, position: EarMonitorPosition): Promise<void> {
    this.live();
    this.media.volumes.setEarMode(checkIndex(index, "setEarMonitorMode"), position);
    await this.media.audioHub.resumed();
  }

  /** Sets the in-ear monitoring volume of stream `index`, 0..400 (100: as captured). */
  setEarMonitorVolume(index: StreamIndex, volume: number): void {
    this.live();
    this.media.volumes.setEarVolume(
      checkIndex(index, "setEarMonitorVolume"),
      checkVolume(volume, "setEarMonitorVolume"),
    );
  }

  /**
   * Delivers the PCM of local stream `index` as sent (no `userId`) or of `userId`'s received
   * stream to `callback`, `frameSize` samples per channel at a time (256 to 16384, a power of
   * two; default 4096), from now or once the stream exists, across rooms; no callback stops it.
   */
  setAudioFrameCallback(
    index: StreamIndex,
    userId?: string,
    callback?: (data: AudioFrameData) => void,
    frameSize?: number,
  ): void {
    this.live();
    checkIndex(index, "setAudioFrameCallback");
    if (userId) checkId(userId, "userId", "setAudioFrameCallback");
    this.media.audioFrames.set(index, userId ?? "", callback, frameSize);
  }

  /**
   * Picks an audio profile (`AudioProfileType`): its channels and sample rate apply to the
   * next microphone capture (as far as the browser honours them), stereo Opus to the next
   * media transport (call it before the first publish, as the vendor says), its bitrate cap
   * to what is sent now (an explicit {@link setAudioEncodeMaxBitrate} wins).
   */
  async setAudioProfile(profile: AudioProfileType): Promise<void> {
    this.live();
    this.media.audioProfile.setProfile(profile);
    await this.media.applyAudioProfile();
  }

  /**
   * Sets the microphone's constraints (e.g. `{echoCancellation: false}`) for the next capture,
   * and applies them to a running one as far as the browser can.
   */
  async setAudioCaptureConfig(config: TrackCaptureConfig): Promise<void> {
    this.live();
    this.media.audioProfile.setCapture(config);
    const track = this.media.capture.track(MAIN, "audio");
    if (track) await track.applyConstraints(this.media.audioProfile.constraints()).catch(() => {});
  }

  /** Caps the audio encoder at `maxBitrate` kbit/s (6..256), at once. */
  async setAudioEncodeMaxBitrate(maxBitrate: number): Promise<void> {
    this.live();
    this.media.audioProfile.setMaxKbps(maxBitrate);
    await this.media.applyAudioProfile();
  }

  /**
   * Sets this user's priority in audio selection. Chorus has no audio selection (every
   * published audio stream is forwarded, as HIGH would have it), so the value is checked and
   * kept but changes nothing.
   */
  async setAudioSelectionConfig(audioSelectionPriority: AudioSelectionPriority): Promise<void> {
    this.live();
    this.media.audioProfile.setSelection(audioSelectionPriority);
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
