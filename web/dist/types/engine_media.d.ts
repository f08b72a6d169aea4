/**
 * The engine's media face: capture, device tests, levels and volumes, stats and SEI, and
 * rendering, each method checking that the engine lives and its arguments before handing the
 * call to the {@link MediaConductor} or {@link DeviceTests} wired in {@link EngineParts}.
 * {@link RTCEngine} adds the room, messaging and the rest on top; the split only keeps each
 * file to one concern's size, the app sees one engine.
 */
import { MediaType, StreamIndex, VideoSourceType } from "./generated/protocol";
import { type EarMonitorPosition, type AudioProfileType, type AudioSelectionPriority, type AudioSourceType, type MirrorType, type VideoSimulcastMode } from "./enums/values";
import type { AudioFrameData } from "./media/audioframes";
import type { AudioPropertiesConfig } from "./media/audioreport";
import type { TrackCaptureConfig } from "./media/audioprofile";
import type { ScreenConfig, VideoEncoderConfig } from "./media/capture";
import { type ScreenEncoderConfig } from "./media/encoding";
import type { PlayerVisibility } from "./media/visibility";
import type { VideoPlayerConfig } from "./media/players";
import { SEICountPerFrame } from "./media/sei";
import type { LocalUserAudioStats, LocalUserVideoStats, RemoteUserAudioStats, RemoteUserVideoStats } from "./media/statsgetters";
import type { RTCExtension } from "./extension/host";
import { EngineParts } from "./parts";
/** The media half of {@link RTCEngine}'s API. */
export declare abstract class EngineMedia extends EngineParts {
    /** The sent audio's figures, main and screen (the same within a second: sampled each second). */
    getLocalAudioStats(): LocalUserAudioStats;
    /** The sent video's figures, main and screen (the same within a second: sampled each second). */
    getLocalVideoStats(): LocalUserVideoStats;
    /** The received audio's figures by user id (the same within a second: sampled each second). */
    getRemoteAudioStats(): Record<string, RemoteUserAudioStats[]>;
    /** The received video's figures by user id (the same within a second: sampled each second). */
    getRemoteVideoStats(): Record<string, RemoteUserVideoStats[]>;
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
    sendSEIMessage(streamIndex: StreamIndex, message: Uint8Array | string, repeatCount: number, mode?: SEICountPerFrame): void;
    /** Starts the microphone (REPEAT_CAPTURE when it already runs). */
    startAudioCapture(deviceId?: string): Promise<MediaTrackSettings>;
    /** Stops the microphone. */
    stopAudioCapture(): Promise<void>;
    /** Starts the camera (REPEAT_CAPTURE when it already runs). */
    startVideoCapture(deviceId?: string): Promise<MediaTrackSettings>;
    /** Stops the camera. */
    stopVideoCapture(): Promise<void>;
    /** Starts the microphone and the camera. */
    startAudioAndVideoCapture(optionsOrAudioDeviceId?: {
        audioDeviceId?: string;
        videoDeviceId?: string;
    } | string, videoDeviceId?: string): Promise<{
        audioTrackSettings: MediaTrackSettings;
        videoTrackSettings: MediaTrackSettings;
    }>;
    /**
     * Starts sharing the screen (call it from a user gesture) at the size and rate of
     * `setScreenEncoderConfig`; publish it with `publishScreen`. What is captured:
     * `getLocalStreamTrack(STREAM_INDEX_SCREEN, "video").getSettings()`.
     */
    startScreenCapture(config?: ScreenConfig): Promise<void>;
    /** Stops sharing the screen (its video and the audio it captured). */
    stopScreenCapture(): Promise<void>;
    /** Chooses between internal capture and an app track (`setExternalVideoTrack`) for a stream's video. */
    setVideoSourceType(index: StreamIndex, type: VideoSourceType): Promise<void>;
    /** Chooses between the microphone and an app track (`setExternalAudioTrack`) for a stream's audio. */
    setAudioSourceType(index: StreamIndex, type: AudioSourceType): Promise<void>;
    /** Sends the app's video track on stream `index` (after `setVideoSourceType(index, EXTERNAL)`). */
    setExternalVideoTrack(index: StreamIndex, track: MediaStreamTrack): Promise<void>;
    /** Sends the app's audio track (after `setAudioSourceType(index, EXTERNAL)`). */
    setExternalAudioTrack(index: StreamIndex, track: MediaStreamTrack): Promise<void>;
    /** Switches the microphone (now if capturing, else for the next capture). */
    setAudioCaptureDevice(deviceId: string): Promise<void>;
    /** Switches the camera (now if capturing, else for the next capture). */
    setVideoCaptureDevice(deviceId: string): Promise<void>;
    /** Plays remote audio and device tests on another output device (INVALID_DEVICE_ID, NOT_SUPPORTED). */
    setAudioPlaybackDevice(deviceId: string): Promise<void>;
    /**
     * Registers an extension that processes captured tracks before they are sent (the vendor's
     * pre-processing extensions; see {@link RTCExtension}), e.g. Chorus's RNNoise noise
     * suppression (`extension-rnnoise`). It runs from now on, over what is captured already too;
     * `onLocalStreamTrackChangedByExtension` tells when the track sent changes. NOT_SUPPORTED when
     * the extension cannot run in this browser, INVALID_PARAMS for a malformed one or a name
     * registered already.
     */
    registerExtension(extension: RTCExtension): Promise<void>;
    /**
     * Plays the audio file at `url` in a loop on the playback device so the user can hear it,
     * emitting `onAudioPlaybackDeviceTestVolume` (0..255) every `intervalMs` (REPEAT_DEVICE_TEST
     * while any device test runs; LOAD_RESOURCES_FAILED when the file cannot be loaded).
     */
    startAudioPlaybackDeviceTest(url: string, intervalMs: number): Promise<void>;
    /** Stops the playback device test. */
    stopAudioPlaybackDeviceTest(): void;
    /**
     * Records the microphone for up to 30 s, then plays the recording back, so the user hears
     * how they sound; the level comes every `intervalMs` as `onAudioPlaybackDeviceTestVolume`
     * (AUDIO_DEVICE_RECORD_FAILED when the microphone cannot be opened).
     */
    startAudioDeviceRecordTest(intervalMs: number): Promise<void>;
    /** Stops recording before the 30 s and plays back what was recorded. */
    stopAudioDeviceRecordAndPlayTest(): void;
    /** Ends the record test: stops the playback of the recording (or the recording itself). */
    stopAudioDevicePlayTest(): void;
    /**
     * Sets the camera's resolution, frame rate and bitrate cap, now and for what comes: a running
     * capture and the video being sent follow at once. An array gives one config per simulcast
     * layer, highest first, and sends the camera in those layers from the next publisher
     * transport (the next join). A size the camera cannot capture is reported by
     * `onLocalVideoSizeChanged`.
     */
    setVideoEncoderConfig(descriptions: VideoEncoderConfig | VideoEncoderConfig[]): Promise<void>;
    /**
     * Reports audio levels every `config.interval` ms (default 100, at least 100; 0 or less
     * turns reports off) while in a room: `onLocalAudioPropertiesReport` (local audio as sent),
     * `onRemoteAudioPropertiesReport` (received audio) and `onActiveSpeaker` when the loudest
     * remote speaker changes.
     */
    enableAudioPropertiesReport(config?: AudioPropertiesConfig): void;
    /**
     * The vendor's older report (deprecated there for {@link enableAudioPropertiesReport}):
     * `onAudioVolumeIndication` with `{speakers: [{userId, volume}]}` every `interval` ms in a
     * room, the local user under its own id; 0 or less (or none) turns it off.
     */
    setAudioVolumeIndicationInterval(interval?: number): void;
    /**
     * Sets the volume of stream `index`'s captured audio, 0..400 (100: unchanged, 200: twice
     * the amplitude, 0: silence), as it is sent; before capture it applies once capture starts.
     */
    setCaptureVolume(index: StreamIndex, volume: number): void;
    /** Sets how loud `userId`'s audio of stream `index` plays here, 0..400 (100: as received); now or once it plays. */
    setPlaybackVolume(userId: string, index: StreamIndex, volume: number): void;
    /**
     * The level of local stream `index` as sent (no `userId`) or of `userId`'s received stream:
     * `linearVolume` 0..255 and `nonlinearVolume` -127..0 dB; both 0 when there is no such stream.
     */
    getAudioVolume(index: StreamIndex, userId?: string): {
        linearVolume: number;
        nonlinearVolume: number;
    };
    /**
     * Plays stream `index`'s captured audio back locally (in-ear monitoring): AFTER_CAPTURE the
     * track as the browser captures it (its own processing applied: a page cannot get the audio
     * before it), AFTER_PROCESS as sent (after the capture volume); NONE turns it off.
     */
    setEarMonitorMode(index: StreamIndex, position: EarMonitorPosition): Promise<void>;
    /** Sets the in-ear monitoring volume of stream `index`, 0..400 (100: as captured). */
    setEarMonitorVolume(index: StreamIndex, volume: number): void;
    /**
     * Delivers the PCM of local stream `index` as sent (no `userId`) or of `userId`'s received
     * stream to `callback`, `frameSize` samples per channel at a time (256 to 16384, a power of
     * two; default 4096), from now or once the stream exists, across rooms; no callback stops it.
     */
    setAudioFrameCallback(index: StreamIndex, userId?: string, callback?: (data: AudioFrameData) => void, frameSize?: number): void;
    /**
     * Picks an audio profile (`AudioProfileType`): its channels and sample rate apply to the
     * next microphone capture (as far as the browser honours them), stereo Opus to the next
     * media transport (call it before the first publish, as the vendor says), its bitrate cap
     * to what is sent now (an explicit {@link setAudioEncodeMaxBitrate} wins).
     */
    setAudioProfile(profile: AudioProfileType): Promise<void>;
    /**
     * Sets the microphone's constraints (e.g. `{echoCancellation: false}`) for the next capture,
     * and applies them to a running one as far as the browser can.
     */
    setAudioCaptureConfig(config: TrackCaptureConfig): Promise<void>;
    /** Caps the audio encoder at `maxBitrate` kbit/s (6..256), at once. */
    setAudioEncodeMaxBitrate(maxBitrate: number): Promise<void>;
    /**
     * Sets this user's priority in audio selection. Chorus has no audio selection (every
     * published audio stream is forwarded, as HIGH would have it), so the value is checked and
     * kept but changes nothing.
     */
    setAudioSelectionConfig(audioSelectionPriority: AudioSelectionPriority): Promise<void>;
    /**
     * Shows local video of stream `index` in `config.renderDom` (element or id), in the player
     * `config.playerId` (none: the default one); no config or no renderDom removes that player.
     * Returns the player's `<video>`, if one is bound.
     */
    setLocalVideoPlayer(index: StreamIndex, config?: VideoPlayerConfig): HTMLVideoElement | undefined;
    /** Shows `config.userId`'s video of stream `index` in `config.renderDom`, now or once it arrives (as above). */
    setRemoteVideoPlayer(index: StreamIndex, config: VideoPlayerConfig): HTMLVideoElement | undefined;
    /**
     * Retries players that autoplay rules blocked: `userId`'s (all when none is given), of
     * `mediaType`, stream `index` and player `playerId` when given. Call it from a user gesture.
     */
    play(userId?: string, mediaType?: MediaType, index?: StreamIndex, playerId?: string): Promise<void>;
    /** The current local picture of stream `index` (INVOKED_BEFORE_CAPTURE when none is captured). */
    takeLocalSnapshot(index: StreamIndex): Promise<ImageData>;
    /** The current picture of `userId`'s stream `index` (STREAM_NOT_EXIST when not received). */
    takeRemoteSnapshot(userId: string, index: StreamIndex): Promise<ImageData>;
    /** Mirrors the local camera's players (`MIRROR_TYPE_RENDER`) or not; what is sent stays unmirrored. */
    setLocalVideoMirrorType(mirrorType: MirrorType): void;
    /** Mirrors the players of `userId`'s stream `streamIndex` (`MIRROR_TYPE_RENDER`) or not. */
    setRemoteVideoMirrorType(userId: string, streamIndex: StreamIndex, mirrorType: MirrorType): void;
    /**
     * Pauses players: `userId`'s (none: the local ones), of `mediaType` and stream `streamIndex`
     * (none: both), the player `playerId` (none: the default one). They stay bound; `play`
     * resumes them. Nothing is unsubscribed.
     */
    stop(userId?: string, mediaType?: MediaType, streamIndex?: StreamIndex, playerId?: string): void;
    /** Whether the local player of `streamIndex` (`playerId`, none: the default one) can be seen, and if not why. */
    getLocalVideoPlayerVisibility(streamIndex: StreamIndex, playerId?: string): PlayerVisibility | undefined;
    /** Whether `userId`'s player of `streamIndex` can be seen, and if not why. */
    getRemotePlayerVisibility(userId: string, streamIndex: StreamIndex, playerId?: string): PlayerVisibility | undefined;
    private visibility;
    /** The local track of `type` on `streamIndex` (camera, microphone, screen or the app's), if any. */
    getLocalStreamTrack(streamIndex: StreamIndex, type: "video" | "audio"): MediaStreamTrack | undefined;
    /** The received track of `userId`'s `type` on `streamIndex`, if subscribed. */
    getRemoteStreamTrack(userId: string, streamIndex: StreamIndex, type: "video" | "audio"): MediaStreamTrack | undefined;
    /**
     * Sends the camera in simulcast layers (`VIDEO_ALWAYS_SIMULCAST`; `VIDEO_ON_DEMAND` does the
     * same: every layer is always sent and the SFU forwards the one each subscriber picks) or
     * as one stream (`VIDEO_ONLY_ONE`). `streamConfig` gives the lower layers, lowest first (at
     * most two; default one layer of 120x90 at 10 fps and 100 kbit/s). The number of layers is
     * fixed per publisher transport: set it before joining; their settings may change later.
     */
    setLocalSimulcastMode(mode: VideoSimulcastMode, streamConfig?: VideoEncoderConfig[]): Promise<void>;
    /**
     * Sets the screen's resolution, frame rate and bitrate cap (default: the browser's size and
     * rate, 3000 kbit/s), now and for the next screen capture.
     */
    setScreenEncoderConfig(description: ScreenEncoderConfig): Promise<void>;
    /**
     * Sets camera constraints beyond the encoder's (the vendor's deprecated way; the encoder's
     * size and rate give way to these). Applies to a running capture; resolves with what the
     * camera captures then (an empty object when it is off).
     */
    setVideoCaptureConfig(config: Omit<MediaTrackConstraints, "deviceId">): Promise<MediaTrackSettings>;
    /** Starts the camera and the microphone (the vendor's order of arguments; see `startAudioAndVideoCapture`). */
    startVideoAndAudioCapture(videoDeviceId?: string, audioDeviceId?: string): Promise<{
        audioTrackSettings: MediaTrackSettings;
        videoTrackSettings: MediaTrackSettings;
    }>;
    /**
     * While the camera of stream `index` is off but its video is published, sends the picture at
     * `filePath` (an http(s), data or blob URL of a JPG, PNG or BMP; "" removes it) instead,
     * scaled to fit the encoder's size. The local preview does not show it.
     */
    setDummyCaptureImagePath(index: StreamIndex, filePath: string): Promise<void>;
    /**
     * Whether each remote user's audio and video play in sync (default true); false trades lip
     * sync for the lowest delay. Only outside a room: returns false in one (it applies from the
     * next join).
     */
    setRemoteStreamRenderSync(sync: boolean): boolean;
    /**
     * Buffers `userId`'s stream `streamIndex` (audio and video) for `target` ms (0..4000; 0: the
     * browser's own choice) to ride out jitter, at once or, `progressive` (default), in steps of
     * 50 ms; `onJitterBufferTargetStabled` tells when the buffer settled there.
     */
    setJitterBufferTarget(userId: string, streamIndex: StreamIndex, target: number, progressive?: boolean): void;
    /** Applies the encoding settings of stream `index` to what is captured and sent now. */
    private applyVideoSettings;
}
