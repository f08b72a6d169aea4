/**
 * The payloads of the engine events Chorus fires, in the shapes the vendor's typings declare
 * (`IEngineEvents` of @volcengine/rtc 4.68.4), which test/conformance/vendor.ts checks. Where
 * Chorus cannot know a field, the doc says what it carries instead. Types only: it imports
 * nothing at run time, so any module may use it.
 */
import type {
  ConnectionState,
  ErrorEvent,
  MediaType,
  MessageEvent,
  PublishPrivilegeExpiryEvent,
  ReconnectReason,
  StreamIndex,
  StreamPublishedEvent,
  StreamUnpublishedEvent,
  SubscribePrivilegeExpiryEvent,
  TokenWillExpireEvent,
  UserCaptureEvent,
  UserInfo,
  UserOfflineReason,
} from "./generated/protocol";
import type { NetworkQuality } from "./enums/values";
import type {
  LocalVideoSizeChangedEvent,
  RemoteStreamKey,
  TrackMuteEvent,
  VideoFirstFrameDecodedEvent,
  VideoFirstFrameRenderedEvent,
  VideoSize,
} from "./media/trackevents";
import type { PlayerVisibility } from "./media/visibility";
import type { JitterBufferTargetStabledEvent } from "./media/sync";

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
 * `onConnectionStateChanged`. Chorus reconnects when its signalling socket drops, which none
 * of the vendor's `ReconnectReason` values names, so `reason` is absent; the drop's cause
 * reaches the app in `onError` RECONNECT_FAILED if reconnecting gives up.
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
  onError: (event: ErrorEvent) => void;
  onTokenWillExpire: (event: TokenWillExpireEvent) => void;
  onTokenPublishPrivilegeWillExpire: (event: PublishPrivilegeExpiryEvent) => void;
  onTokenPublishPrivilegeDidExpired: (event: PublishPrivilegeExpiryEvent) => void;
  onTokenSubscribePrivilegeWillExpire: (event: SubscribePrivilegeExpiryEvent) => void;
  onTokenSubscribePrivilegeDidExpired: (event: SubscribePrivilegeExpiryEvent) => void;
  onUserMessageReceived: (event: MessageEvent) => void;
  onUserBinaryMessageReceived: (event: BinaryMessageEvent) => void;
  onRoomMessageReceived: (event: MessageEvent) => void;
  onRoomBinaryMessageReceived: (event: BinaryMessageEvent) => void;
  onUserMessageReceivedOutsideRoom: (event: MessageEvent) => void;
  onUserBinaryMessageReceivedOutsideRoom: (event: BinaryMessageEvent) => void;
  onConnectionStateChanged: (event: ConnectionStateChangeEvent) => void;
  onRemoteVideoFirstFrame: (event: VideoFirstFrameEvent) => void;
  onRemoteAudioFirstFrame: (event: AudioFirstFrameEvent) => void;
  /** `{isScreen, audioStats, videoStats}`: Chorus's own stats shape so far. */
  onLocalStreamStats: (stats: { isScreen: boolean; audioStats?: object; videoStats?: object }) => void;
  /** `{userId, isScreen, audioStats, videoStats}`: Chorus's own stats shape so far. */
  onRemoteStreamStats: (stats: { userId: string; isScreen: boolean; audioStats?: object; videoStats?: object }) => void;
  onNetworkQuality: (uplinkNetworkQuality: NetworkQuality, downlinkNetworkQuality: NetworkQuality) => void;
  /** `[{userId, volume}]`, volume 0..255: Chorus's own shape so far. */
  onAudioVolumeIndication: (speakers: { userId: string; volume: number }[]) => void;
  onActiveSpeaker: (event: ActiveSpeakerEvent) => void;
  onAutoplayFailed: (event: AutoPlayFailedEvent) => void;
  onPlayerEvent: (event: PlayerEvent) => void;
  onTrackEnded: (event: TrackEndedEvent) => void;
  onAudioPlaybackDeviceTestVolume: (volume: number) => void;
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
  onJitterBufferTargetStabled: (event: JitterBufferTargetStabledEvent) => void;
}
