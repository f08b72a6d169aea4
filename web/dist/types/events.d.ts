/** Every event an engine emits; values equal names, as in the veRTC SDK. */
export declare enum events {
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
    onAudioPlaybackDeviceTestVolume = "onAudioPlaybackDeviceTestVolume"
}
