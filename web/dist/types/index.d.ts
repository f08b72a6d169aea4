/**
 * `@chorus-rtc/web`: the veRTC Web SDK's module shape (`VERTC`) over a Chorus server. The
 * default export is `VERTC`, which carries every enum as the vendor's does; the enums are
 * also named exports, as in `@volcengine/rtc`.
 */
import * as enums from "./enums";
import { RTCEngine, type EngineConfig } from "./engine";
import { RtcError } from "./errors";
import { downloadLog, getParameter, setLogConfig, setParameter } from "./settings";
import { enableDevices, enumerateAudioCaptureDevices, enumerateAudioPlaybackDevices, enumerateDevices, enumerateVideoCaptureDevices, getSupportedCodecs, isSupported } from "./media/devices";
/** The `VERTC` object. */
declare const VERTC: {
    AudioMixingError: typeof enums.AudioMixingError;
    AudioMixingState: typeof enums.AudioMixingState;
    AudioMixingType: typeof enums.AudioMixingType;
    ConnectionState: typeof enums.ConnectionState;
    ErrorCode: typeof enums.ErrorCode;
    FallbackOrRecoverReason: typeof enums.FallbackOrRecoverReason;
    ForwardStreamError: typeof enums.ForwardStreamError;
    ForwardStreamState: typeof enums.ForwardStreamState;
    MediaType: typeof enums.MediaType;
    PublicStreamType: typeof enums.PublicStreamType;
    ReconnectReason: typeof enums.ReconnectReason;
    RemoteUserPriority: typeof enums.RemoteUserPriority;
    RoomMode: typeof enums.RoomMode;
    RoomProfileType: typeof enums.RoomProfileType;
    SimulcastStreamType: typeof enums.SimulcastStreamType;
    StreamIndex: typeof enums.StreamIndex;
    StreamMixingEventErrorCode: typeof enums.StreamMixingEventErrorCode;
    StreamMixingEventType: typeof enums.StreamMixingEventType;
    StreamRemoveReason: typeof enums.StreamRemoveReason;
    SubscribeFallbackOption: typeof enums.SubscribeFallbackOption;
    SubtitleEventType: typeof enums.SubtitleEventType;
    SUBTITLE_MODE: typeof enums.SUBTITLE_MODE;
    USER_ONLINE_STATUS: typeof enums.USER_ONLINE_STATUS;
    UserOfflineReason: typeof enums.UserOfflineReason;
    VideoRenderMode: typeof enums.VideoRenderMode;
    VideoSourceType: typeof enums.VideoSourceType;
    AAC_PROFILE: typeof enums.AAC_PROFILE;
    AudioMixingDualMonoMode: typeof enums.AudioMixingDualMonoMode;
    AudioProfileType: typeof enums.AudioProfileType;
    AudioReportMode: typeof enums.AudioReportMode;
    AudioSelectionPriority: typeof enums.AudioSelectionPriority;
    AudioSourceType: typeof enums.AudioSourceType;
    ChannelProfile: typeof enums.ChannelProfile;
    EarMonitorPosition: typeof enums.EarMonitorPosition;
    LocalMainReportMode: typeof enums.LocalMainReportMode;
    LogChannel: typeof enums.LogChannel;
    MirrorMode: typeof enums.MirrorMode;
    MirrorType: typeof enums.MirrorType;
    NetworkQuality: typeof enums.NetworkQuality;
    PublicInterpolationMode: typeof enums.PublicInterpolationMode;
    PublishState: typeof enums.PublishState;
    RTCAutoPlayPolicy: typeof enums.RTCAutoPlayPolicy;
    SubscribeMode: typeof enums.SubscribeMode;
    SubscribeState: typeof enums.SubscribeState;
    TRANSCODING_VIDEO_CODEC: typeof enums.TRANSCODING_VIDEO_CODEC;
    UserDisconnectionTag: typeof enums.UserDisconnectionTag;
    VideoCodecType: typeof enums.VideoCodecType;
    VideoSimulcastMode: typeof enums.VideoSimulcastMode;
    VisibilityStatus: typeof enums.VisibilityStatus;
    ExtendMediaType: typeof enums.ExtendMediaType;
    SEIStreamEventType: typeof enums.SEIStreamEventType;
    WTNPlayState: typeof enums.WTNPlayState;
    WTNPlayStateChangedReason: typeof enums.WTNPlayStateChangedReason;
    WTNPushState: typeof enums.WTNPushState;
    WTNPushStateChangedReason: typeof enums.WTNPushStateChangedReason;
    WTNRemoteAudioState: typeof enums.WTNRemoteAudioState;
    WTNRemoteAudioStateChangeReason: typeof enums.WTNRemoteAudioStateChangeReason;
    WTNRemoteVideoState: typeof enums.WTNRemoteVideoState;
    WTNRemoteVideoStateChangeReason: typeof enums.WTNRemoteVideoStateChangeReason;
    WTNStreamEventsTypes: typeof enums.WTNStreamEventsTypes;
    SEICountPerFrame: typeof enums.SEICountPerFrame;
    events: typeof enums.events;
    /** Makes an engine for `appId`; `config.serverUrl` picks the Chorus server. */
    createEngine(appId: string, config?: EngineConfig): RTCEngine;
    /** Destroys an engine: leaves its room, stops capture, removes players. */
    destroyEngine(engine: RTCEngine): void;
    /** This SDK's version. */
    getSdkVersion(): string;
    setParameter: typeof setParameter;
    getParameter: typeof getParameter;
    setLogConfig: typeof setLogConfig;
    downloadLog: typeof downloadLog;
    /** The platform this SDK serves, where the vendor's says "VolcEngine". */
    platform: string;
    /** The build this SDK came from: Chorus builds from tagged sources, so its version. */
    commitInfo: string;
    isSupported: typeof isSupported;
    getSupportedCodecs: typeof getSupportedCodecs;
    enableDevices: typeof enableDevices;
    enumerateDevices: typeof enumerateDevices;
    enumerateAudioCaptureDevices: typeof enumerateAudioCaptureDevices;
    enumerateVideoCaptureDevices: typeof enumerateVideoCaptureDevices;
    enumerateAudioPlaybackDevices: typeof enumerateAudioPlaybackDevices;
};
export default VERTC;
export * from "./enums";
export { RTCEngine, RtcError };
export type { EngineConfig };
export type { LogConfig, LogLevel } from "./settings";
export type { VideoPlayerConfig } from "./media/players";
export type { VideoEncoderConfig, ScreenConfig } from "./media/capture";
export type { AudioFrameData } from "./media/audioframes";
export type { DeviceInfo } from "./media/devicewatch";
export type { AudioPropertiesConfig } from "./media/audioreport";
export type { TrackCaptureConfig } from "./media/audioprofile";
export type { AudioMixingManager, AudioMixingManager as IAudioMixingManager, MixOption } from "./media/mixing";
export type { RTCExtension, ExtensionSource, TrackChangedByExtensionEvent } from "./extension/host";
export type { ExtraJoinRoomParams } from "./parts";
export type { CloudProxyInfo, CloudProxyConnectedEvent } from "./cloudproxy";
export type { PublicStreamConfig, PublicStreamRegionParam as PublicStreamLayoutRegion } from "./room/public_stream";
export type { LocalAudioStats, LocalVideoStats, RemoteAudioStats, RemoteVideoStats, LocalStreamStats, RemoteStreamStats, LocalUserAudioStats, LocalUserVideoStats, RemoteUserAudioStats, RemoteUserVideoStats, } from "./media/statsgetters";
export type { LocalStatsException, RemoteStatsException } from "./media/statsexceptions";
export type { RTCSubtitleConfig, UpdateSubtitleConfig } from "./room/subtitle";
export type { WTNStream, WTNStream as IWTNStream } from "./room/wtn";
export type * from "./room/wtn_events";
export type { LiveTranscodeConfig, LiveTranscodeAudioConfig, LiveTranscodeVideoConfig, LiveTranscodeLayoutConfig, LiveTranscodeLayoutRegion, } from "./room/live_transcoding";
