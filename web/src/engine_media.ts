/**
 * The engine's media face: capture, device tests, levels and volumes, stats and SEI, and
 * rendering, each method checking that the engine lives and its arguments before handing the
 * call to the {@link MediaConductor} or {@link DeviceTests} wired in {@link EngineParts}.
 * {@link RTCEngine} adds the room, messaging and the rest on top; the split only keeps each
 * file to one concern's size, the app sees one engine.
 */
import { ErrorCode, MediaType, StreamIndex, VideoSourceType } from "./generated/protocol";
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
import type { Kind, ScreenConfig, VideoEncoderConfig } from "./media/capture";
import { captureConstraints, checkConfig, type ScreenEncoderConfig } from "./media/encoding";
import type { PlayerVisibility } from "./media/visibility";
import { visibilityOf } from "./media/visibility";
import { outputInfo } from "./media/devices";
import type { VideoPlayerConfig } from "./media/players";
import { SEICountPerFrame, seiMessage } from "./media/sei";
import type {
  LocalUserAudioStats,
  LocalUserVideoStats,
  RemoteUserAudioStats,
  RemoteUserVideoStats,
} from "./media/statsgetters";
import { warn } from "./log";
import type { RTCExtension } from "./extension/host";
import { EngineParts } from "./parts";

const MAIN = StreamIndex.STREAM_INDEX_MAIN;
const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;

/** The media half of {@link RTCEngine}'s API. */
export abstract class EngineMedia extends EngineParts {
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
   * native SDKs' `SEICountPerFrame`) lets a frame carry several queued messages. On the main
   * stream without camera video (a voice call), the SDK publishes a 16x16 black video to carry
   * them (others get `onSEIStreamUpdate`), until the camera starts or a minute passes without
   * a message. Throws INVALID_PARAMS for a bad argument, NOT_CONNECTED_YET outside a room,
   * STREAM_NOT_EXIST when the screen stream sends no video, NOT_SUPPORTED for VP8 or a
   * browser without encoded transforms.
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
