/**
 * The engine's event names (`VERTC.events`). Events the server sends are named by the
 * generated protocol; the type check at the bottom keeps the two lists from drifting apart.
 */
import type { Events as ServerEvents } from "./generated/protocol";

/** The veRTC SDK's event names (values equal names); the first group are those Chorus fires. */
export enum EngineEventsTypes {
  onUserJoined = "onUserJoined",
  onUserLeave = "onUserLeave",
  onUserPublishStream = "onUserPublishStream",
  onUserUnpublishStream = "onUserUnpublishStream",
  onUserPublishScreen = "onUserPublishScreen",
  onUserUnpublishScreen = "onUserUnpublishScreen",
  onUserStartVideoCapture = "onUserStartVideoCapture",
  onUserStopVideoCapture = "onUserStopVideoCapture",
  onUserStartAudioCapture = "onUserStartAudioCapture",
  onUserStopAudioCapture = "onUserStopAudioCapture",
  onError = "onError",
  onTokenWillExpire = "onTokenWillExpire",
  /** The token's publish privilege ends in 30 s: `{expireAt}`; call `updateToken` to keep publishing. */
  onTokenPublishPrivilegeWillExpire = "onTokenPublishPrivilegeWillExpire",
  /** The publish privilege ended and what it covered was unpublished: `{expireAt}`. */
  onTokenPublishPrivilegeDidExpired = "onTokenPublishPrivilegeDidExpired",
  /** The token's subscribe privilege ends in 30 s: `{expireAt}`; call `updateToken` to keep receiving. */
  onTokenSubscribePrivilegeWillExpire = "onTokenSubscribePrivilegeWillExpire",
  /** The subscribe privilege ended (or a new token lacks it) and nothing is received until
   * `updateToken` grants it again: `{expireAt}`. */
  onTokenSubscribePrivilegeDidExpired = "onTokenSubscribePrivilegeDidExpired",
  onUserMessageReceived = "onUserMessageReceived",
  onUserBinaryMessageReceived = "onUserBinaryMessageReceived",
  onRoomMessageReceived = "onRoomMessageReceived",
  onRoomBinaryMessageReceived = "onRoomBinaryMessageReceived",
  onUserMessageReceivedOutsideRoom = "onUserMessageReceivedOutsideRoom",
  onUserBinaryMessageReceivedOutsideRoom = "onUserBinaryMessageReceivedOutsideRoom",
  /** The signalling connection changed state: `{state: ConnectionState, reason?}`. */
  onConnectionStateChanged = "onConnectionStateChanged",
  /** The first frame of a remote video decoded: `{userId, isScreen, width, height}`. */
  onRemoteVideoFirstFrame = "onRemoteVideoFirstFrame",
  /** The first audio of a remote user arrived: `{userId, isScreen}`. */
  onRemoteAudioFirstFrame = "onRemoteAudioFirstFrame",
  /** Every 2 s per published stream: `{isScreen, audioStats, videoStats}` (the vendor's `LocalStreamStats`). */
  onLocalStreamStats = "onLocalStreamStats",
  /** Every 2 s per received stream: `{userId, isScreen, audioStats, videoStats}` (the vendor's `RemoteStreamStats`). */
  onRemoteStreamStats = "onRemoteStreamStats",
  /** Every 2 s in a room: `(uplinkNetworkQuality, downlinkNetworkQuality)`, each a `NetworkQuality`. */
  onNetworkQuality = "onNetworkQuality",
  /** After `setAudioVolumeIndicationInterval`, every interval in a room: `{speakers: [{userId, volume}]}`, volume 0–255. */
  onAudioVolumeIndication = "onAudioVolumeIndication",
  /** After `enableAudioPropertiesReport`, every interval in a room: `[{streamIndex, audioPropertiesInfo}]` of local audio. */
  onLocalAudioPropertiesReport = "onLocalAudioPropertiesReport",
  /** After `enableAudioPropertiesReport`, every interval in a room: `[{streamKey, audioPropertiesInfo}]` of received audio. */
  onRemoteAudioPropertiesReport = "onRemoteAudioPropertiesReport",
  /** The loudest remote speaker changed: `(roomId, userId)`. */
  onActiveSpeaker = "onActiveSpeaker",
  /** A player could not start without a user gesture: `{userId, kind, streamIndex}`. */
  onAutoplayFailed = "onAutoplayFailed",
  /** A player changed state: `{userId, type, rawEvent}`. */
  onPlayerEvent = "onPlayerEvent",
  /** Capture of a local source stopped by itself (device gone, screen share ended in the
   * browser's UI): `{streamIndex, kind}`. */
  onTrackEnded = "onTrackEnded",
  /** Every interval of a running audio device test: the level being played (or recorded), a
   * number 0..255. */
  onAudioPlaybackDeviceTestVolume = "onAudioPlaybackDeviceTestVolume",
  /** The room's auto publish published the main stream, or could not: `{isScreen, state: PublishState}`. */
  onAutoPublishResult = "onAutoPublishResult",
  /** The server subscribed to a stream by itself (auto subscribe) and its media arrives: `{userId, isScreen, state}`. */
  onAutoSubscribeResult = "onAutoSubscribeResult",
  /** A publish took effect or failed: `{isScreen, isAutoPublish, errorCode?}`. */
  onPublishResult = "onPublishResult",
  /** A subscription took effect or failed: `{userId, isScreen, isAutoSubscribe, errorCode?}`. */
  onSubscribeResult = "onSubscribeResult",
  /** Chorus publishes a stream again on its own on a new transport: `{screen}`. */
  onPublishRetry = "onPublishRetry",
  /** Never fired: Chorus does not retry subscriptions on its own. */
  onSubscribeRetry = "onSubscribeRetry",
  /** After `setServerParams`: no argument on success, else the error's code. */
  onServerParamsSetResult = "onServerParamsSetResult",
  /** A media transport's connection changed state: `{state: ConnectionState, userId}`. */
  onVendorConnectionStateChanged = "onVendorConnectionStateChanged",
  /** A media transport connected over ICE-TCP (its selected candidate pair is TCP). */
  onIceConnectWithTcp = "onIceConnectWithTcp",
  /** Never fired: Chorus's signalling always runs over TCP, and media falls back to ICE-TCP by itself. */
  onRejoinWithTcp = "onRejoinWithTcp",
  /** An extension (`registerExtension`) changed the track sent for a captured one: `{streamIndex, type}`. */
  onLocalStreamTrackChangedByExtension = "onLocalStreamTrackChangedByExtension",
  /** The OpenAPI's BanUserStream banned a user's video, or the ban was lifted: `{uid, banned}`. */
  onVideoStreamBanned = "onVideoStreamBanned",
  /** The OpenAPI's BanUserStream banned a user's audio, or the ban was lifted: `{uid, banned}`. */
  onAudioStreamBanned = "onAudioStreamBanned",
  /** A remote player showed its first frame: `{userId, width, height, isScreen, playerId?}`. */
  onVideoFirstFrameRendered = "onVideoFirstFrameRendered",
  /** The first frame of a remote video decoded (the vendor's older name): `{userId, width, height}`. */
  onVideoFirstFrameDecoded = "onVideoFirstFrameDecoded",
  /** The first audio of a remote user arrived (the vendor's older name): `{userId, isScreen}`. */
  onAudioFirstFrameDecoded = "onAudioFirstFrameDecoded",
  /** The size of a remote picture changed: `({roomId, userId, streamIndex}, {width, height})`. */
  onRemoteVideoSizeChanged = "onRemoteVideoSizeChanged",
  /** A local stream captures another size than the encoder asked for: `{streamIndex, info: {width, height}}`. */
  onLocalVideoSizeChanged = "onLocalVideoSizeChanged",
  /** A local source stopped delivering media: `{kind, isScreen}`. */
  onTrackMute = "onTrackMute",
  /** A local source delivers media again: `{kind, isScreen}`. */
  onTrackUnmute = "onTrackUnmute",
  /** Every 30 s while there are video players: `[{descriptor, status}]`, each player's visibility. */
  onPlayerVisibility = "onPlayerVisibility",
  /** `setAudioPlaybackDevice` chose a device: its `MediaDeviceInfo`. */
  onAudioPlaybackDeviceChanged = "onAudioPlaybackDeviceChanged",
  /** A stream's jitter buffer settled at the target `setJitterBufferTarget` set: `{descriptor, target}`. */
  onJitterBufferTargetStabled = "onJitterBufferTargetStabled",
  /** The first picture of a public stream played decoded: `{publicStreamId, width, height}`. */
  onFirstPublicStreamVideoFrameDecoded = "onFirstPublicStreamVideoFrameDecoded",
  /** The first audio of a public stream played arrived: `{publicStreamId}`. */
  onFirstPublicStreamAudioFrameDecoded = "onFirstPublicStreamAudioFrameDecoded",
  /** The first picture of a public stream played shown: `{publicStreamId}`. */
  onFirstPublicStreamVideoFrameRendered = "onFirstPublicStreamVideoFrameRendered",
  /** A public stream played's figures, every 2 s: `{publicStreamId, audioStats, videoStats}`. */
  onPublicStreamStats = "onPublicStreamStats",
  /** How `startPushPublicStream` went: `{code: 200 | 1191 | 1193, message}`. */
  onPushPublicStreamResult = "onPushPublicStreamResult",
  /** SEI in a public stream played: `{publicStreamId, sei}`. */
  onPublicStreamSEIMessageReceived = "onPublicStreamSEIMessageReceived",
  // The vendor's other events: Chorus does not fire them yet (see test/conformance/vendor.ts);
  // the names exist so that apps subscribing to them load.
  onVideoDeviceStateChanged = "onVideoDeviceStateChanged",
  onAudioDeviceStateChanged = "onAudioDeviceStateChanged",
  onLocalStatsException = "onLocalStatsException",
  onRemoteStatsException = "onRemoteStatsException",
  onPublicStatsException = "onPublicStatsException",
  onLiveTranscodingResult = "onLiveTranscodingResult",
  onStreamMixingEvent = "onStreamMixingEvent",
  onSEIMessageReceived = "onSEIMessageReceived",
  onAudioMixingStateChanged = "onAudioMixingStateChanged",
  onCloudProxyConnected = "onCloudProxyConnected",
  onSimulcastSubscribeFallback = "onSimulcastSubscribeFallback",
  onSubtitleStateChanged = "onSubtitleStateChanged",
  onSubtitleMessageReceived = "onSubtitleMessageReceived",
  onForwardStreamError = "onForwardStreamError",
  onSEIStreamUpdate = "onSEIStreamUpdate",
}

/** `VERTC.events`: the vendor's name for its event-name enum on the module is `events`. */
export { EngineEventsTypes as events };

// Every server event must be an engine event, except the SDK-internal subscriber offer and the
// forwarding events, which reach the app as onForwardStreamError (see room/forward.ts).
type PublicServerEvent = Exclude<
  keyof ServerEvents,
  "onSubscriberOffer" | "onForwardStreamStateChanged" | "onForwardStreamEvent"
>;
type Missing = Exclude<PublicServerEvent, keyof typeof EngineEventsTypes>;
const allServerEventsListed: [Missing] extends [never] ? true : Missing = true;
void allServerEventsListed;
