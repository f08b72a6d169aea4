/**
 * `@chorus-rtc/web`: the veRTC Web SDK's module shape (`VERTC`) over a Chorus server. The
 * default export is `VERTC`; enums are also named exports, as in `@volcengine/rtc`.
 */
import { AudioMixingError, AudioMixingState, AudioMixingType, ConnectionState, ErrorCode, ForwardStreamError, ForwardStreamState, MediaType, PublicStreamType, ReconnectReason, RoomMode, RoomProfileType, SimulcastStreamType, StreamIndex, StreamRemoveReason, SubtitleEventType, SUBTITLE_MODE, USER_ONLINE_STATUS, UserOfflineReason, VideoRenderMode, VideoSourceType } from "./generated/protocol";
import { RTCEngine, type EngineConfig } from "./engine";
import { RtcError } from "./errors";
import { events } from "./events";
import { NetworkQuality } from "./media/quality";
import { enableDevices, enumerateAudioCaptureDevices, enumerateAudioPlaybackDevices, enumerateDevices, enumerateVideoCaptureDevices, isSupported } from "./media/devices";
/** The `VERTC` object. */
declare const VERTC: {
    /** Makes an engine for `appId`; `config.serverUrl` picks the Chorus server. */
    createEngine(appId: string, config?: EngineConfig): RTCEngine;
    /** Destroys an engine: leaves its room, stops capture, removes players. */
    destroyEngine(engine: RTCEngine): void;
    /** This SDK's version. */
    getSdkVersion(): string;
    /** Sets a global SDK parameter (kept for compatibility). */
    setParameter(key: string, value: unknown): void;
    isSupported: typeof isSupported;
    enableDevices: typeof enableDevices;
    enumerateDevices: typeof enumerateDevices;
    enumerateAudioCaptureDevices: typeof enumerateAudioCaptureDevices;
    enumerateVideoCaptureDevices: typeof enumerateVideoCaptureDevices;
    enumerateAudioPlaybackDevices: typeof enumerateAudioPlaybackDevices;
    events: typeof events;
    ErrorCode: typeof ErrorCode;
    MediaType: typeof MediaType;
    StreamIndex: typeof StreamIndex;
    ConnectionState: typeof ConnectionState;
    UserOfflineReason: typeof UserOfflineReason;
    StreamRemoveReason: typeof StreamRemoveReason;
    RoomProfileType: typeof RoomProfileType;
    RoomMode: typeof RoomMode;
    VideoSourceType: typeof VideoSourceType;
    VideoRenderMode: typeof VideoRenderMode;
    USER_ONLINE_STATUS: typeof USER_ONLINE_STATUS;
    AudioMixingType: typeof AudioMixingType;
    AudioMixingState: typeof AudioMixingState;
    AudioMixingError: typeof AudioMixingError;
    PublicStreamType: typeof PublicStreamType;
    ForwardStreamState: typeof ForwardStreamState;
    ForwardStreamError: typeof ForwardStreamError;
    SUBTITLE_MODE: typeof SUBTITLE_MODE;
    SubtitleEventType: typeof SubtitleEventType;
    ReconnectReason: typeof ReconnectReason;
    SimulcastStreamType: typeof SimulcastStreamType;
    NetworkQuality: typeof NetworkQuality;
};
export default VERTC;
export { AudioMixingError, AudioMixingState, AudioMixingType, ConnectionState, ErrorCode, ForwardStreamError, ForwardStreamState, MediaType, NetworkQuality, PublicStreamType, ReconnectReason, RoomMode, RoomProfileType, SimulcastStreamType, StreamIndex, StreamRemoveReason, SubtitleEventType, SUBTITLE_MODE, USER_ONLINE_STATUS, UserOfflineReason, VideoRenderMode, VideoSourceType, events, RTCEngine, RtcError, };
export type { EngineConfig };
export type { VideoPlayerConfig } from "./media/players";
export type { VideoEncoderConfig, ScreenConfig } from "./media/capture";
