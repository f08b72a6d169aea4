/**
 * The veRTC value sets that stay inside the Web SDK: options and states of the vendor's API
 * that never travel between the SDK and the server, so they are not part of the wire contract
 * in crates/proto. Member names and values are the vendor's (4.68.4) exactly; the unit test
 * `test/unit/enums.test.mjs` compares them with the vendor's objects. Many belong to features
 * Chorus does not have yet (named in each doc): an app imports them before the feature works.
 * Depends on nothing, so any module can import it.
 */
/** The AAC profile of a live transcoding's audio (live transcoding). */
export declare enum AAC_PROFILE {
    LC = "LC",
    HEv1 = "HEv1",
    HEv2 = "HEv2"
}
/** Which channel of a dual-mono file audio mixing plays (audio mixing). */
export declare enum AudioMixingDualMonoMode {
    AUTO = 0,
    MODE_L = 1,
    MODE_R = 2,
    MODE_MIX = 3
}
/** Audio quality presets for `setAudioProfile`. */
export declare enum AudioProfileType {
    default = 0,
    fluent = 1,
    standard = 2,
    hd = 3,
    standardStereo = 4,
    hdMono = 5
}
/** What the local audio properties report measures. */
export declare enum AudioReportMode {
    MICROPHONE = 0,
    AUDIOMIXING = 1
}
/** Whether a user's audio takes part in audio selection. */
export declare enum AudioSelectionPriority {
    DEFAULT = 0,
    HIGH = 1
}
/** Where a stream's audio comes from (`setAudioSourceType`). */
export declare enum AudioSourceType {
    AUDIO_SOURCE_TYPE_EXTERNAL = 0,
    AUDIO_SOURCE_TYPE_INTERNAL = 1
}
/** Room channel profile (communication or live broadcasting). */
export declare enum ChannelProfile {
    CHANNEL_PROFILE_COMMUNICATION = 0,
    CHANNEL_PROFILE_LIVE_BROADCASTING = 1
}
/** Where in the pipeline in-ear monitoring taps the audio. */
export declare enum EarMonitorPosition {
    NONE = 0,
    AFTER_CAPTURE = 1,
    AFTER_PROCESS = 2
}
/** When the local audio properties report is reset. */
export declare enum LocalMainReportMode {
    NORMAL = 0,
    DISCONNECT = 1,
    RESET = 2
}
/** Which log upload region the SDK uses. */
export declare enum LogChannel {
    domestic = 0,
    overseas = 1
}
/** How good a direction of the network is (`onNetworkQuality`), as the vendor's SDKs grade it. */
export declare enum NetworkQuality {
    UNKNOWN = 0,
    EXCELLENT = 1,
    GOOD = 2,
    POOR = 3,
    BAD = 4,
    VBAD = 5,
    DOWN = 6
}
/** Whether local video is mirrored. */
export declare enum MirrorMode {
    MIRROR_MODE_OFF = 0,
    MIRROR_MODE_ON = 1
}
/** Where local video is mirrored (not, or in the local render only). */
export declare enum MirrorType {
    MIRROR_TYPE_NONE = 0,
    MIRROR_TYPE_RENDER = 1
}
/** How a public stream fills frames missing from a source (public streams). */
export declare enum PublicInterpolationMode {
    PREV_FRAME = 0,
    OTHER_FRAME = 1
}
/** Whether an automatic publish succeeded. */
export declare enum PublishState {
    PUBLISH_SUCC = 0,
    PUBLISH_FAIL = 1
}
/** How players start under the browser's autoplay rules. */
export declare enum RTCAutoPlayPolicy {
    AUTO_PLAY = 0,
    VIDEO_ONLY = 1,
    PLAY_MANUALLY = 2
}
/** Automatic or manual subscription. */
export declare enum SubscribeMode {
    AUTO_SUBSCRIBE_MODE = 0,
    MANUAL_SUBSCRIBE_MODE = 1
}
/** Whether an automatic subscription succeeded. */
export declare enum SubscribeState {
    SUBSCRIBE_SUCC = 0,
    SUBSCRIBE_FAIL = 1
}
/** The video codec of a live transcoding (live transcoding). */
export declare enum TRANSCODING_VIDEO_CODEC {
    H264 = "H264",
    H265 = "H265"
}
/** Why a remote user disconnected, in more detail than `UserOfflineReason`. */
export declare enum UserDisconnectionTag {
    userLeave = "userLeave",
    connectionLost = "connectionLost",
    userDuplicateLogin = "userDuplicateLogin",
    kickedByAdmin = "kickedByAdmin",
    roleChanged = "roleChanged",
    onUserTokenDidExpire = "onUserTokenDidExpire"
}
/** The video codec a publisher prefers. */
export declare enum VideoCodecType {
    AUTO = "auto",
    H264 = "h264",
    VP8 = "vp8",
    H265 = "h265"
}
/** How the local video is sent in simulcast layers (`setLocalSimulcastMode`). */
export declare enum VideoSimulcastMode {
    VIDEO_ONLY_ONE = 0,
    VIDEO_ON_DEMAND = 1,
    VIDEO_ALWAYS_SIMULCAST = 2
}
/** Whether a player is visible on the page, and if not why. */
export declare enum VisibilityStatus {
    PLAYER_VISIBLE = "visible",
    PLAYER_INVISIBLE_BY_UNMOUNT = "unmount",
    PLAYER_INVISIBLE_BY_SIZE = "size",
    PLAYER_INVISIBLE_BY_STYLE = "style",
    PLAYER_INVISIBLE_BY_POSITION = "position",
    PLAYER_INVISIBLE_BY_COVERED = "covered"
}
/** Media types beyond `MediaType` that a subscription can name. */
export declare enum ExtendMediaType {
    NONE = 0
}
/** Whether an SEI-only stream is black or normal video (SEI). */
export declare enum SEIStreamEventType {
    BLACK = 0,
    NORMAL = 1
}
