/**
 * The payloads of the engine events Chorus fires, in the shapes the vendor's typings declare
 * (`IEngineEvents` of @volcengine/rtc 4.68.4), which test/conformance/vendor.ts checks. Where
 * Chorus cannot know a field, the doc says what it carries instead. Types only: it imports
 * nothing at run time, so any module may use it.
 */
import type { PublicStreamResultEvent, PublicStreamSEIMessageEvent, PublicStreamStats } from "./room/wtn_events";
import type {
  AudioMixingError,
  AudioMixingState,
  ConnectionState,
  ErrorCode,
  ForwardStreamStateInfo,
  MediaType,
  MessageEvent,
  PublishPrivilegeExpiryEvent,
  ReconnectReason,
  RemoteStreamSwitch,
  StreamIndex,
  StreamPublishedEvent,
  StreamUnpublishedEvent,
  StreamBannedEvent,
  SubscribePrivilegeExpiryEvent,
  SubtitleMessage,
  StreamMixingEvent,
  SubtitleStateEvent,
  TokenWillExpireEvent,
  UserCaptureEvent,
  UserInfo,
  UserOfflineReason,
} from "./generated/protocol";
import type { NetworkQuality, SEIStreamEventType } from "./enums/values";
import type { CloudProxyConnectedEvent } from "./cloudproxy";
import type {
  AutoPublishResultEvent,
  AutoSubscribeResultEvent,
  PublishResultEvent,
  PublishRetryEvent,
  SubscribeResultEvent,
  SubscribeRetryEvent,
} from "./room/results";
import type { VendorConnectionStateChangeEvent } from "./media/transport";
import type { TrackChangedByExtensionEvent } from "./extension/host";
import type { DeviceInfo } from "./media/devicewatch";

import type { LocalStreamStats, RemoteStreamStats } from "./media/statsgetters";
import type { LocalStatsException, RemoteStatsException } from "./media/statsexceptions";
import type {
  LocalVideoSizeChangedEvent,
  TrackMuteEvent,
  VideoFirstFrameDecodedEvent,
  VideoFirstFrameRenderedEvent,
  VideoSize,
} from "./media/trackevents";
import type { PlayerVisibility } from "./media/visibility";
import type { JitterBufferTargetStabledEvent } from "./media/sync";

/** The codes the vendor's typings give `onError`'s `errorCode`. */
export type VendorErrorCode =
  | ErrorCode.DUPLICATE_LOGIN
  | ErrorCode.RTM_DUPLICATE_LOGIN
  | ErrorCode.RTM_TOKEN_ERROR
  | ErrorCode.TOKEN_EXPIRED
  | ErrorCode.RECONNECT_FAILED
  | ErrorCode.KICKED_OUT
  | ErrorCode.ROOM_DISMISS;

/**
 * `onError`: the server ended the room stay or the login, or the connection could not be
 * restored. `errorCode` is typed as the vendor's seven codes so that handlers written for the
 * vendor's SDK type-check, but Chorus also sends two more: `ROOM_FORBIDDEN` and
 * `USER_FORBIDDEN`, when the OpenAPI's BanRoomUser bans the room or the user (with
 * `forbiddenTime`). A handler should treat an unknown code as the end of the room stay.
 */
export interface EngineErrorEvent {
  /** What happened: one of the vendor's codes, or ROOM_FORBIDDEN / USER_FORBIDDEN (see above). */
  errorCode: VendorErrorCode;
  /** In words, with what to do. */
  message: string;
  /**
   * For bans: how many seconds the ban lasts (the vendor documents the unban time here; a
   * Chorus server sends the ban's length, as its other SDKs get it).
   */
  forbiddenTime?: number;
}

/**
 * `onTokenPublishPrivilegeDidExpired` / `onTokenSubscribePrivilegeDidExpired`: the vendor's
 * `{errorCode, message}`, `errorCode` being TOKEN_NO_PUBLISH_PERMISSION or
 * TOKEN_NO_SUBSCRIBE_PERMISSION; Chorus adds when the privilege ended (`expireAt`).
 */
export interface PrivilegeExpiredEvent {
  /** TOKEN_NO_PUBLISH_PERMISSION or TOKEN_NO_SUBSCRIBE_PERMISSION. */
  errorCode: ErrorCode;
  /** In words, with what to do. */
  message: string;
  /** When the privilege ended (or ends), unix seconds. */
  expireAt: number;
}

/** What a user publishes, per stream and kind (`onUserJoined`'s `publishState`). */
export interface InitPublishState {
  /** Main-stream audio. */
  audio: boolean;
  /** Main-stream video. */
  video: boolean;
  /** Screen audio. */
  screenAudio: boolean;
  /** Screen video. */
  screenVideo: boolean;
}

/**
 * `onUserJoined`. `publishState` is what the user publishes as the app hears of the join: a
 * Chorus server announces a joining user before any of its streams, so all false; each stream
 * then comes as `onUserPublishStream`/`onUserPublishScreen`.
 */
export interface UserJoinedEvent {
  /** Who joined. */
  userInfo: UserInfo;
  /** What they publish already (see above). */
  publishState: InitPublishState;
}

/** `onUserLeave`. Chorus gives no `tag`: `reason` says why. */
export interface UserLeaveEvent {
  /** Who left. */
  userInfo: UserInfo;
  /** Why. */
  reason: UserOfflineReason;
}

/**
 * `onConnectionStateChanged`. Chorus reconnects when its signalling socket drops. RECONNECTED
 * carries `reason` NODE_CHANGE when the server could not resume the session and the room went
 * on in a new one (its node died or drained, as in a cluster); otherwise `reason` is absent,
 * as none of the vendor's other values applies. The drop's cause reaches the app in `onError`
 * RECONNECT_FAILED if reconnecting gives up.
 */
export interface ConnectionStateChangeEvent {
  /** The new state. */
  state: ConnectionState;
  /** Why it reconnects, when one of the vendor's reasons applies. */
  reason?: ReconnectReason;
}

/** `onAutoplayFailed`: a player could not start without a user gesture. */
export interface AutoPlayFailedEvent {
  /** Whose media. */
  userId: string;
  /** Audio or video. */
  kind: "audio" | "video";
  /** Main or screen. */
  streamIndex: StreamIndex;
  /** `kind` as a `MediaType`. */
  mediaType: MediaType.AUDIO | MediaType.VIDEO;
  /** The player, when not the default one. */
  playerId?: string;
}

/** `onPlayerEvent`: a player's media element changed state. */
export interface PlayerEvent {
  /** Whose media. */
  userId: string;
  /** Audio or video. */
  type: "audio" | "video";
  /** Main or screen (a Chorus addition, as `isScreen` says it too). */
  streamIndex: StreamIndex;
  /** The element's event (`playing`, `pause`, `waiting`, `ended`, `error`, `stalled`). */
  eventName: string;
  /** The element's event itself. */
  rawEvent: Event;
  /** The element's `readyState` when it fired. */
  readyState: number;
  /** The element's `currentTime` when it fired, in seconds. */
  currentTime: number;
  /** Whether it is the screen stream. */
  isScreen: boolean;
  /** The player, when not the default one. */
  playerId?: string;
}

/** `onTrackEnded`: a local capture stopped by itself (device gone, sharing ended in the browser). */
export interface TrackEndedEvent {
  /** "audio" or "video". */
  kind: string;
  /** Whether it is the screen stream. */
  isScreen: boolean;
  /** Main or screen (a Chorus addition, as `isScreen` says it too). */
  streamIndex: StreamIndex;
}

/**
 * `onActiveSpeaker`: the loudest remote speaker changed. The vendor's Web SDK gives the
 * speaker's `UserInfo`; Chorus adds the `roomId`, as the vendor's native SDKs report it.
 */
export interface ActiveSpeakerEvent extends UserInfo {
  /** The room. */
  roomId: string;
}

/** A binary message as the app gets it: the bytes as an `ArrayBuffer`. */
export interface BinaryMessageEvent {
  /** The sender. */
  userId: string;
  /** The bytes. */
  message: ArrayBuffer;
}

/** `onRemoteVideoFirstFrame`: the first frame of a remote video decoded. */
export interface VideoFirstFrameEvent {
  /** Whose video. */
  userId: string;
  /** Whether it is the screen stream. */
  isScreen: boolean;
  /** In pixels. */
  width: number;
  /** In pixels. */
  height: number;
}

/** `onRemoteAudioFirstFrame`: the first audio of a remote user arrived. */
export interface AudioFirstFrameEvent {
  /** Whose audio. */
  userId: string;
  /** Whether it is the screen stream. */
  isScreen: boolean;
}

/** `onFirstPublicStreamVideoFrameDecoded`: the first picture of a public stream played. */
export interface PublicStreamVideoFirstFrameEvent {
  /** The public stream. */
  publicStreamId: string;
  /** In pixels. */
  width: number;
  /** In pixels. */
  height: number;
}

/** `onFirstPublicStreamAudioFrameDecoded`: the first audio of a public stream played. */
export interface PublicStreamAudioFirstFrameEvent {
  /** The public stream. */
  publicStreamId: string;
}

/** An audio stream's level (`AudioPropertiesInfo`). */
export interface AudioPropertiesInfo {
  /** 0..255, linear in amplitude (a full-scale sine is 255). */
  linearVolume: number;
  /** -127..0 dB relative to a full-scale sine. */
  nonlinearVolume: number;
}

/** One local stream's level in `onLocalAudioPropertiesReport` (as sent: after the capture volume). */
export interface LocalAudioPropertiesInfo {
  /** Microphone (main) or screen audio. */
  streamIndex: StreamIndex;
  /** Its level. */
  audioPropertiesInfo: AudioPropertiesInfo;
}

/** Which remote stream (`StreamKey`). */
export interface StreamKey {
  /** The room. */
  roomId: string;
  /** The publisher. */
  userId: string;
  /** Main or screen. */
  streamIndex: StreamIndex;
}

/** The stream a message came in (the vendor's `RemoteStreamKey`, the same fields as `StreamKey`). */
export type RemoteStreamKey = StreamKey;

/** One received stream's level in `onRemoteAudioPropertiesReport` (as received: before the playback volume). */
export interface RemoteAudioPropertiesInfo {
  /** Which stream. */
  streamKey: StreamKey;
  /** Its level. */
  audioPropertiesInfo: AudioPropertiesInfo;
}

/** One user's volume in `onAudioVolumeIndication` (`AudioVolumeInfo`). */
export interface AudioVolumeInfo {
  /** Who; the local user under its own id. */
  userId: string;
  /** 0..255, as `linearVolume`. */
  volume: number;
}

/** `onAudioMixingStateChanged`: a mixing changed state, or a mixing call failed (state FAILED). */
export interface AudioMixingStateChangedEvent {
  /** The mixing id (the PCM buffer's events carry -1). */
  mixId: number;
  /** The new state. */
  state: AudioMixingState;
  /** Why it failed, or AUDIO_MIXING_ERROR_OK. */
  error: AudioMixingError;
}

/** `onSEIMessageReceived`: a message `sendSEIMessage` put into a received stream's video. */
export interface SEIMessageEvent {
  /** Whose stream. */
  remoteStreamKey: RemoteStreamKey;
  /** The message's bytes. */
  sei: Uint8Array;
}

/**
 * `onSEIStreamUpdate`: a remote user's video became, or stopped being, the black-frame video
 * the SDK publishes to carry SEI in a voice call (an app need not render it).
 */
export interface SEIStreamUpdateEvent {
  /** The publisher. */
  userId: string;
  /** Whether it is the screen stream (the carrier is always the main stream's). */
  isScreen: boolean;
  /** BLACK: the black-frame video started; NORMAL: it stopped (or became the camera). */
  type: SEIStreamEventType;
}

/** Every event Chorus fires, as the handler it calls: the engine's events as the app sees them. */
export interface FiredEvents {
  onUserJoined: (event: UserJoinedEvent) => void;
  onUserLeave: (event: UserLeaveEvent) => void;
  onUserPublishStream: (event: StreamPublishedEvent) => void;
  onUserUnpublishStream: (event: StreamUnpublishedEvent) => void;
  onUserPublishScreen: (event: StreamPublishedEvent) => void;
  onUserUnpublishScreen: (event: StreamUnpublishedEvent) => void;
  onUserStartVideoCapture: (event: UserCaptureEvent) => void;
  onUserStopVideoCapture: (event: UserCaptureEvent) => void;
  onUserStartAudioCapture: (event: UserCaptureEvent) => void;
  onUserStopAudioCapture: (event: UserCaptureEvent) => void;
  onError: (event: EngineErrorEvent) => void;
  onTokenWillExpire: (event: TokenWillExpireEvent) => void;
  onTokenPublishPrivilegeWillExpire: (event: PublishPrivilegeExpiryEvent) => void;
  onTokenPublishPrivilegeDidExpired: (event: PrivilegeExpiredEvent) => void;
  onTokenSubscribePrivilegeWillExpire: (event: SubscribePrivilegeExpiryEvent) => void;
  onTokenSubscribePrivilegeDidExpired: (event: PrivilegeExpiredEvent) => void;
  onUserMessageReceived: (event: MessageEvent) => void;
  onUserBinaryMessageReceived: (event: BinaryMessageEvent) => void;
  onRoomMessageReceived: (event: MessageEvent) => void;
  onRoomBinaryMessageReceived: (event: BinaryMessageEvent) => void;
  onUserMessageReceivedOutsideRoom: (event: MessageEvent) => void;
  onUserBinaryMessageReceivedOutsideRoom: (event: BinaryMessageEvent) => void;
  onConnectionStateChanged: (event: ConnectionStateChangeEvent) => void;
  onRemoteVideoFirstFrame: (event: VideoFirstFrameEvent) => void;
  onRemoteAudioFirstFrame: (event: AudioFirstFrameEvent) => void;
  /** Every 2 s per published stream; see {@link LocalStreamStats}. */
  onLocalStreamStats: (stats: LocalStreamStats) => void;
  /** Every 2 s per received stream; see {@link RemoteStreamStats}. */
  onRemoteStreamStats: (stats: RemoteStreamStats) => void;
  /** A sent stream fell below a floor, or recovered; see {@link LocalStatsException}. */
  onLocalStatsException: (exception: LocalStatsException) => void;
  /** A received stream fell below a floor, or recovered; see {@link RemoteStatsException}. */
  onRemoteStatsException: (exception: RemoteStatsException) => void;
  onNetworkQuality: (uplinkNetworkQuality: NetworkQuality, downlinkNetworkQuality: NetworkQuality) => void;
  onAudioVolumeIndication: (event: { speakers: AudioVolumeInfo[] }) => void;
  onLocalAudioPropertiesReport: (event: LocalAudioPropertiesInfo[]) => void;
  onRemoteAudioPropertiesReport: (event: RemoteAudioPropertiesInfo[]) => void;
  onActiveSpeaker: (event: ActiveSpeakerEvent) => void;
  onAutoplayFailed: (event: AutoPlayFailedEvent) => void;
  onPlayerEvent: (event: PlayerEvent) => void;
  onTrackEnded: (event: TrackEndedEvent) => void;
  onAudioPlaybackDeviceTestVolume: (volume: number) => void;
  onAudioMixingStateChanged: (event: AudioMixingStateChangedEvent) => void;
  onAutoPublishResult: (event: AutoPublishResultEvent) => void;
  onAutoSubscribeResult: (event: AutoSubscribeResultEvent) => void;
  onPublishResult: (event: PublishResultEvent) => void;
  onSubscribeResult: (event: SubscribeResultEvent) => void;
  onPublishRetry: (event: PublishRetryEvent) => void;
  /** Never fired: Chorus does not retry a subscription on its own (see {@link SubscribeRetryEvent}). */
  onSubscribeRetry: (event: SubscribeRetryEvent) => void;
  onServerParamsSetResult: (error?: ErrorCode) => void;
  onVendorConnectionStateChanged: (event: VendorConnectionStateChangeEvent) => void;
  /** A media transport connected over ICE-TCP: its selected candidate pair is TCP. */
  onIceConnectWithTcp: () => void;
  /**
   * Never fired: the vendor's SDK fires it before joining again over TCP only when its join
   * signalling timed out; Chorus's signalling always runs over the one WebSocket (TCP) and
   * media falls back to ICE-TCP by itself ({@link FiredEvents.onIceConnectWithTcp}).
   */
  onRejoinWithTcp: () => void;
  onLocalStreamTrackChangedByExtension: (event: TrackChangedByExtensionEvent) => void;
  onVideoStreamBanned: (event: StreamBannedEvent) => void;
  onAudioStreamBanned: (event: StreamBannedEvent) => void;
  onSEIMessageReceived: (event: SEIMessageEvent) => void;
  onSEIStreamUpdate: (event: SEIStreamUpdateEvent) => void;
  onForwardStreamError: (event: ForwardStreamStateInfo) => void;
  onCloudProxyConnected: (event: CloudProxyConnectedEvent) => void;
  onFirstPublicStreamVideoFrameDecoded: (event: PublicStreamVideoFirstFrameEvent) => void;
  onFirstPublicStreamAudioFrameDecoded: (event: PublicStreamAudioFirstFrameEvent) => void;
  onFirstPublicStreamVideoFrameRendered: (event: PublicStreamAudioFirstFrameEvent) => void;
  onPublicStreamStats: (stats: PublicStreamStats) => void;
  onPublicStreamSEIMessageReceived: (event: PublicStreamSEIMessageEvent) => void;
  onPushPublicStreamResult: (event: PublicStreamResultEvent) => void;
  onSubtitleStateChanged: (event: SubtitleStateEvent) => void;
  onSubtitleMessageReceived: (event: SubtitleMessage[]) => void;
  /** How live transcoding goes, as the server tells it. */
  onStreamMixingEvent: (event: StreamMixingEvent) => void;
  /**
   * One step of subscribe fallback. `beforeVideoIndex`/`afterVideoIndex` count from 0 for
   * the publisher's highest simulcast layer; `afterEnable` false is audio only; `reason` -1
   * (Unknown) when fallback was turned off and what it lowered came back at once.
   */
  onSimulcastSubscribeFallback: (event: RemoteStreamSwitch) => void;
  // Video, players and local tracks.
  onVideoFirstFrameRendered: (event: VideoFirstFrameRenderedEvent) => void;
  onVideoFirstFrameDecoded: (event: VideoFirstFrameDecodedEvent) => void;
  onAudioFirstFrameDecoded: (event: AudioFirstFrameEvent) => void;
  onRemoteVideoSizeChanged: (key: RemoteStreamKey, info: VideoSize) => void;
  onLocalVideoSizeChanged: (event: LocalVideoSizeChangedEvent) => void;
  onTrackMute: (event: TrackMuteEvent) => void;
  onTrackUnmute: (event: TrackMuteEvent) => void;
  onPlayerVisibility: (event: PlayerVisibility[]) => void;
  onAudioPlaybackDeviceChanged: (event: MediaDeviceInfo) => void;
  /** A camera was plugged or unplugged (seen through `devicechange`; needs camera permission). */
  onVideoDeviceStateChanged: (event: DeviceInfo) => void;
  /** A microphone or speaker was plugged or unplugged (as above, with microphone permission). */
  onAudioDeviceStateChanged: (event: DeviceInfo) => void;
  onJitterBufferTargetStabled: (event: JitterBufferTargetStabledEvent) => void;
}
