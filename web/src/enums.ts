/**
 * Every veRTC enum the Web SDK exports, from their homes: the wire contract's enums generated
 * from crates/proto, the Web-SDK-only value sets, the WTN stream enums and the event
 * names. `index.ts` exports this set by name and on `VERTC`. It only re-exports
 * and holds nothing of its own, so that the list of exported enums has one place.
 */
export {
  AudioMixingError,
  AudioMixingState,
  AudioMixingType,
  ConnectionState,
  ErrorCode,
  FallbackOrRecoverReason,
  ForwardStreamError,
  ForwardStreamState,
  MediaType,
  PublicStreamType,
  ReconnectReason,
  RemoteUserPriority,
  RoomMode,
  RoomProfileType,
  SimulcastStreamType,
  StreamIndex,
  StreamMixingEventErrorCode,
  StreamMixingEventType,
  StreamRemoveReason,
  SubscribeFallbackOption,
  SubtitleEventType,
  SUBTITLE_MODE,
  USER_ONLINE_STATUS,
  UserOfflineReason,
  VideoRenderMode,
  VideoSourceType,
} from "./generated/protocol";
export {
  AAC_PROFILE,
  AudioMixingDualMonoMode,
  AudioProfileType,
  AudioReportMode,
  AudioSelectionPriority,
  AudioSourceType,
  ChannelProfile,
  EarMonitorPosition,
  LocalMainReportMode,
  LogChannel,
  MirrorMode,
  MirrorType,
  NetworkQuality,
  PublicInterpolationMode,
  PublishState,
  RTCAutoPlayPolicy,
  SubscribeMode,
  SubscribeState,
  TRANSCODING_VIDEO_CODEC,
  UserDisconnectionTag,
  VideoCodecType,
  VideoSimulcastMode,
  VisibilityStatus,
  ExtendMediaType,
  SEIStreamEventType,
} from "./enums/values";
export {
  WTNPlayState,
  WTNPlayStateChangedReason,
  WTNPushState,
  WTNPushStateChangedReason,
  WTNRemoteAudioState,
  WTNRemoteAudioStateChangeReason,
  WTNRemoteVideoState,
  WTNRemoteVideoStateChangeReason,
  WTNStreamEventsTypes,
} from "./enums/wtn";
export { SEICountPerFrame } from "./media/sei";
export { events } from "./events";
