/** The veRTC SDK's event names (values equal names); the first group are those Chorus fires. */
export declare enum EngineEventsTypes {
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
    /** Every 2 s while publishing: `{isScreen, audioStats, videoStats}`. */
    onLocalStreamStats = "onLocalStreamStats",
    /** Every 2 s per subscribed user: `{userId, isScreen, audioStats, videoStats}`. */
    onRemoteStreamStats = "onRemoteStreamStats",
    /** Every 2 s in a room: `(uplinkNetworkQuality, downlinkNetworkQuality)`, each a `NetworkQuality`. */
    onNetworkQuality = "onNetworkQuality",
    /** After `enableAudioPropertiesReport`, every interval: `([{userId, volume}])`, volume 0–255. */
    onAudioVolumeIndication = "onAudioVolumeIndication",
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
    onFirstPublicStreamVideoFrameRendered = "onFirstPublicStreamVideoFrameRendered",
    onFirstPublicStreamVideoFrameDecoded = "onFirstPublicStreamVideoFrameDecoded",
    onFirstPublicStreamAudioFrameDecoded = "onFirstPublicStreamAudioFrameDecoded",
    onVideoDeviceStateChanged = "onVideoDeviceStateChanged",
    onAudioDeviceStateChanged = "onAudioDeviceStateChanged",
    onPublicStreamStats = "onPublicStreamStats",
    onLocalStatsException = "onLocalStatsException",
    onRemoteStatsException = "onRemoteStatsException",
    onPublicStatsException = "onPublicStatsException",
    onLocalAudioPropertiesReport = "onLocalAudioPropertiesReport",
    onRemoteAudioPropertiesReport = "onRemoteAudioPropertiesReport",
    onAutoPublishResult = "onAutoPublishResult",
    onAutoSubscribeResult = "onAutoSubscribeResult",
    onLiveTranscodingResult = "onLiveTranscodingResult",
    onStreamMixingEvent = "onStreamMixingEvent",
    onSEIMessageReceived = "onSEIMessageReceived",
    onAudioMixingStateChanged = "onAudioMixingStateChanged",
    onCloudProxyConnected = "onCloudProxyConnected",
    onPushPublicStreamResult = "onPushPublicStreamResult",
    onPublicStreamSEIMessageReceived = "onPublicStreamSEIMessageReceived",
    onSimulcastSubscribeFallback = "onSimulcastSubscribeFallback",
    onVideoStreamBanned = "onVideoStreamBanned",
    onAudioStreamBanned = "onAudioStreamBanned",
    onSubtitleStateChanged = "onSubtitleStateChanged",
    onSubtitleMessageReceived = "onSubtitleMessageReceived",
    onServerParamsSetResult = "onServerParamsSetResult",
    onLocalStreamTrackChangedByExtension = "onLocalStreamTrackChangedByExtension",
    onVendorConnectionStateChanged = "onVendorConnectionStateChanged",
    onForwardStreamError = "onForwardStreamError",
    onRejoinWithTcp = "onRejoinWithTcp",
    onIceConnectWithTcp = "onIceConnectWithTcp",
    onPublishRetry = "onPublishRetry",
    onSubscribeRetry = "onSubscribeRetry",
    onPublishResult = "onPublishResult",
    onSubscribeResult = "onSubscribeResult",
    onSEIStreamUpdate = "onSEIStreamUpdate"
}
/** `VERTC.events`: the vendor's name for its event-name enum on the module is `events`. */
export { EngineEventsTypes as events };
