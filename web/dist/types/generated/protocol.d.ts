export declare enum ErrorCode {
    INVALID_ENGINE = "INVALID_ENGINE",
    INVALID_PARAMS = "INVALID_PARAMS",
    INVALID_TOKEN = "INVALID_TOKEN",
    JOIN_ROOM_FAILED = "JOIN_ROOM_FAILED",
    UPDATE_TOKEN_WITH_INVALID_TOKEN = "UPDATE_TOKEN_WITH_INVALID_TOKEN",
    UPDATE_TOKEN_BEFORE_JOIN = "UPDATE_TOKEN_BEFORE_JOIN",
    REPEAT_JOIN = "REPEAT_JOIN",
    REPEAT_PUSH = "REPEAT_PUSH",
    REPEAT_PLAY = "REPEAT_PLAY",
    NO_PUBLISH_PERMISSION = "NO_PUBLISH_PERMISSION",
    STREAM_NOT_EXIST = "STREAM_NOT_EXIST",
    NOT_CONNECTED_YET = "NOT_CONNECTED_YET",
    KICKED_OUT = "KICKED_OUT",
    ROOM_DISMISS = "ROOM_DISMISS",
    TOKEN_EXPIRED = "TOKEN_EXPIRED",
    DUPLICATE_LOGIN = "DUPLICATE_LOGIN",
    INVOKED_BEFORE_CAPTURE = "INVOKED_BEFORE_CAPTURE",
    REPEAT_CAPTURE = "REPEAT_CAPTURE",
    GET_VIDEO_TRACK_FAILED = "GET_VIDEO_TRACK_FAILED",
    GET_AUDIO_TRACK_FAILED = "GET_AUDIO_TRACK_FAILED",
    GET_SCREEN_TRACK_FAILED = "GET_SCREEN_TRACK_FAILED",
    STREAM_TYPE_NOT_MATCH = "STREAM_TYPE_NOT_MATCH",
    CANT_FIND_DOM = "CANT_FIND_DOM",
    INVALID_DEVICE_ID = "INVALID_DEVICE_ID",
    NOT_SUPPORTED = "NOT_SUPPORTED",
    ICE_SERVER_WRONG = "ICE_SERVER_WRONG",
    LOAD_RESOURCES_FAILED = "LOAD_RESOURCES_FAILED",
    TIME_OUT = "TIME_OUT",
    PUBLISH_FAILED = "PUBLISH_FAILED",
    OPERATION_CANCEL = "OPERATION_CANCEL",
    START_CLOUD_PROXY_AFTER_JOIN = "START_CLOUD_PROXY_AFTER_JOIN",
    STOP_CLOUD_PROXY_BEFORE_LEAVE = "STOP_CLOUD_PROXY_BEFORE_LEAVE",
    UNEXPECTED_ERROR = "UNEXPECTED_ERROR",
    REPEAT_DEVICE_TEST = "REPEAT_DEVICE_TEST",
    AUDIO_DEVICE_TEST_FAILED = "AUDIO_DEVICE_RECORD_FAILED",
    ALREADY_LOGIN = "ALREADY_LOGIN",
    LOGIN_FAILED = "LOGIN_FAILED",
    NOT_LOGIN = "NOT_LOGIN",
    RTM_DUPLICATE_LOGIN = "RTM_DUPLICATE_LOGIN",
    RTM_TOKEN_ERROR = "RTM_TOKEN_ERROR",
    USER_MESSAGE_TIMEOUT = "USER_MESSAGE_TIMEOUT",
    USER_MESSAGE_BROKEN = "USER_MESSAGE_BROKEN",
    USER_MESSAGE_NO_RECEIVER = "USER_MESSAGE_NO_RECEIVER",
    USER_MESSAGE_SEND_TO_SERVER_ERROR = "USER_MESSAGE_SEND_TO_SERVER_ERROR",
    USER_MESSAGE_SERVER_RESPONSE_ERROR = "USER_MESSAGE_SERVER_RESPONSE_ERROR",
    USER_MESSAGE_NOT_JOIN = "USER_MESSAGE_NOT_JOIN",
    USER_MESSAGE_NOT_LOGIN = "USER_MESSAGE_NOT_LOGIN",
    USER_MESSAGE_SERVER_PARAMS_NOTSET = "USER_MESSAGE_SERVER_PARAMS_NOTSET",
    USER_MESSAGE_UNKNOWN = "USER_MESSAGE_UNKNOWN",
    RECONNECT_FAILED = "RECONNECT_FAILED",
    SUBTITLE_ALREADY_ON = "SUBTITLE_ALREADY_ON",
    SUBTITLE_NOT_TURNED_ON = "SUBTITLE_NOT_TURNED_ON",
    SUBTITLE_ERR_POSTPROCESS = "SUBTITLE_ERR_POSTPROCESS",
    SUBTITLE_ERR_CONNECTION_ERROR = "SUBTITLE_ERR_CONNECTION_ERROR",
    SUBTITLE_ERR_PROCESS_ERROR = "SUBTITLE_ERR_PROCESS_ERROR",
    SUBTITLE_ERR_UNKNOWN = "SUBTITLE_ERR_UNKNOWN",
    UNEXPECTED_INVOKE_FORWARD_STREAM = "UNEXPECTED_INVOKE_FORWARD_STREAM",
    ROOM_FORBIDDEN = "ROOM_FORBIDDEN",
    USER_FORBIDDEN = "USER_FORBIDDEN",
    INVOKED_BEFORE_JOIN_ROOM = "INVOKED_BEFORE_JOIN_ROOM",
    REPEAT_PUBLISH = "REPEAT_PUBLISH",
    PUBLISH_BEFORE_JOIN = "PUBLISH_BEFORE_JOIN",
    UNPUBLISH_BEFORE_JOIN = "UNPUBLISH_BEFORE_JOIN",
    SUBSCRIBE_BEFORE_JOIN = "SUBSCRIBE_BEFORE_JOIN",
    UNSUBSCRIBE_BEFORE_JOIN = "UNSUBSCRIBE_BEFORE_JOIN",
    EMPTY_STREAM = "EMPTY_STREAM",
    IM_BEFORE_JOIN = "IM_BEFORE_JOIN",
    USER_NOT_EXIST = "USER_NOT_EXIST",
    ALREADY_IN_ROOM = "ALREADY_IN_ROOM",
    TOKEN_NO_PUBLISH_PERMISSION = "TOKEN_NO_PUBLISH_PERMISSION",
    TOKEN_NO_SUBSCRIBE_PERMISSION = "TOKEN_NO_SUBSCRIBE_PERMISSION",
    NO_PERMISSION = "NO_PERMISSION",
    INTERRUPT = "INTERRUPT",
    ESTABLISH_DATACHANNEL_FAILED = "ESTABLISH_DATACHANNEL_FAILED",
    SIGNALING_CHANNEL_NOT_OPEN = "SIGNALING_CHANNEL_NOT_OPEN",
    REFUSE_OPERATION_IN_DISCONNECT = "REFUSE_OPERATION_IN_DISCONNECT",
    ADD_TRANSCEIVER_FAILED = "ADD_TRANSCEIVER_FAILED",
    UPDATE_TRACK_FAILED = "UPDATE_TRACK_FAILED",
    UNPUBLISH_FAILED = "UNPUBLISH_FAILED",
    SUBSCRIBE_FAILED = "SUBSCRIBE_FAILED",
    UNSUBSCRIBE_FAILED = "UNSUBSCRIBE_FAILED",
    USER_MESSAGE_NO_RELAYPATH = "USER_MESSAGE_NO_RELAYPATH",
    USER_MESSAGE_EXCEED_QPS = "USER_MESSAGE_EXCEED_QPS",
    USER_MESSAGE_INIT = "USER_MESSAGE_INIT",
    USER_MESSAGE_NO_CONNECTION = "USER_MESSAGE_NO_CONNECTION",
    START_PUBLIC_STREAM_BEFORE_JOIN = "START_PUBLIC_STREAM_BEFORE_JOIN",
    ERR_ELECTRON_IS_NULL = "ERR_ELECTRON_IS_NULL",
    ELECTRON_DESKTOP_CAPTURER_GET_SOURCES_ERROR = "ELECTRON_DESKTOP_CAPTURER_GET_SOURCES_ERROR",
    SET_SIMULCAST_FAILED = "SET_SIMULCAST_FAILED",
    MIXING_OLD_AND_NEW_APIS = "MIXING_OLD_AND_NEW_APIS",
    WTN_PUSH_FAILED = "WTN_PUSH_FAILED",
    WTN_PLAY_FAILED = "WTN_PLAY_FAILED",
    NOT_ALLOWED_IN_RTS_ROOM = "NOT_ALLOWED_IN_RTS_ROOM",
    NOT_ALLOWED_IN_RESTRICTED_MODE = "NOT_ALLOWED_IN_RESTRICTED_MODE"
}
export declare enum AudioMixingError {
    AUDIO_MIXING_ERROR_OK = 0,
    AUDIO_MIXING_ERROR_PRELOAD_FAILED = 1,
    AUDIO_MIXING_ERROR_START_FAILED = 2,
    AUDIO_MIXING_ERROR_ID_NOT_FOUND = 3,
    AUDIO_MIXING_ERROR_SET_POSITION_FAILED = 4,
    AUDIO_MIXING_ERROR_INVALID_VOLUME = 5,
    AUDIO_MIXING_ERROR_LOAD_CONFLICT = 6,
    AUDIO_MIXING_ERROR_ID_TYPE_NOT_MATCH = 7,
    AUDIO_MIXING_ERROR_ID_TYPE_INVALID_PITCH = 8,
    AUDIO_MIXING_ERROR_INVALID_AUDIO_TRACK = 9
}
export declare enum MediaType {
    AUDIO = 1,
    VIDEO = 2,
    AUDIO_AND_VIDEO = 3
}
export declare enum StreamIndex {
    STREAM_INDEX_MAIN = 0,
    STREAM_INDEX_SCREEN = 1
}
export declare enum ConnectionState {
    CONNECTION_START = 0,
    CONNECTION_STATE_DISCONNECTED = 1,
    CONNECTION_STATE_CONNECTING = 2,
    CONNECTION_STATE_CONNECTED = 3,
    CONNECTION_STATE_RECONNECTING = 4,
    CONNECTION_STATE_RECONNECTED = 5,
    CONNECTION_STATE_LOST = 6
}
export declare enum UserOfflineReason {
    QUIT = 0,
    DROPPED = 1,
    SWITCH_TO_INVISIBLE = 2,
    KICKED_BY_ADMIN = 3
}
export declare enum StreamRemoveReason {
    STREAM_REMOVE_REASON_UNPUBLISH = 0,
    STREAM_REMOVE_REASON_PUBLISH_FAILED = 1,
    STREAM_REMOVE_REASON_KEEP_LIVE_FAILED = 2,
    STREAM_REMOVE_REASON_CLIENT_DISCONNECTED = 3,
    STREAM_REMOVE_REASON_REPUBLISH = 4,
    STREAM_REMOVE_REASON_OTHER = 5,
    STREAM_REMOVE_REASON_TOKEN_PRIVILEGE_EXPIRED = 6
}
export declare enum RoomProfileType {
    communication = 0,
    chat = 5,
    chatRoom = 6,
    coHost = 9,
    meeting = 16,
    classRoom = 18
}
export declare enum RoomMode {
    ROOM_MODE_RTC = 0,
    ROOM_MODE_RTS_ONLY = 1
}
export declare enum VideoSourceType {
    VIDEO_SOURCE_TYPE_EXTERNAL = 0,
    VIDEO_SOURCE_TYPE_INTERNAL = 1
}
export declare enum VideoRenderMode {
    RENDER_MODE_HIDDEN = 0,
    RENDER_MODE_FIT = 1,
    RENDER_MODE_FILL = 2
}
export declare enum USER_ONLINE_STATUS {
    OFFLINE = 0,
    ONLINE = 1,
    UNREACHABLE = 2
}
export declare enum AudioMixingType {
    PLAYOUT = 0,
    PUBLISH = 1,
    PLAYOUT_AND_PUBLISH = 2
}
export declare enum AudioMixingState {
    AUDIO_MIXING_STATE_PRELOADED = 0,
    AUDIO_MIXING_STATE_PLAYING = 1,
    AUDIO_MIXING_STATE_PAUSED = 2,
    AUDIO_MIXING_STATE_STOPPED = 3,
    AUDIO_MIXING_STATE_FAILED = 4,
    AUDIO_MIXING_STATE_FINISHED = 5,
    AUDIO_MIXING_STATE_PCM_ENABLED = 6,
    AUDIO_MIXING_STATE_PCM_DISABLED = 7
}
export declare enum PublicStreamType {
    AUDIO_AND_VIDEO = 0,
    AUDIO_ONLY = 1,
    VIDEO_ONLY = 2
}
export declare enum ForwardStreamState {
    FORWARD_STREAM_STATE_SUCCESS = 0,
    FORWARD_STREAM_STATE_FAILURE = 1
}
export declare enum ForwardStreamError {
    FORWARD_STREAM_ERROR_OK = 0,
    FORWARD_STREAM_ERROR_INVALID_TOKEN = 1202,
    FORWARD_STREAM_ERROR_RESPONSE = 1203,
    FORWARD_STREAM_ERROR_REMOTE_KICKED = 1204,
    FORWARD_STREAM_ERROR_NOT_SUPPORT = 1205
}
export declare enum ForwardStreamEventType {
    FORWARD_STREAM_EVENT_DISCONNECTED = 0,
    FORWARD_STREAM_EVENT_CONNECTED = 1,
    FORWARD_STREAM_EVENT_INTERRUPT = 2,
    FORWARD_STREAM_EVENT_RECOVER = 3
}
export declare enum SUBTITLE_MODE {
    ASR_ONLY = 0,
    ASR_AND_TRANSLATION = 1
}
export declare enum SubtitleEventType {
    STARTED = 0,
    STOPPED = 1,
    ERROR = 2,
    UPDATED = 3
}
export declare enum StreamMixingEventType {
    START = 1,
    START_SUCCESS = 2,
    START_FAILED = 3,
    UPDATE = 4,
    UPDATE_SUCCESS = 5,
    UPDATE_FAILED = 6,
    STOP = 7,
    STOP_SUCCESS = 8,
    STOP_FAILED = 9
}
export declare enum StreamMixingEventErrorCode {
    ERR_OK = 0,
    ERR_PARAM_INVALID = 1,
    ERR_FRAME_TIMEOUT = 2,
    ERR_POSTPROCESS = 3,
    ERR_PUSH_CDN = 4,
    ERR_UNKNOWN = 9999
}
export declare enum ReconnectReason {
    ICE_FAILED = "iceFailed",
    NODE_CHANGE = "nodeChange",
    JOIN_TIMEOUT = "joinTimeout",
    NOTIFY_RECONNECT = "notifyReconnect"
}
export declare enum TrackKind {
    AUDIO = "audio",
    VIDEO = "video"
}
export declare enum SimulcastStreamType {
    VIDEO_STREAM_HIGH = "high",
    VIDEO_STREAM_MID = "mid",
    VIDEO_STREAM_LOW = "low"
}
export declare enum SubscribeFallbackOption {
    DISABLE = 0,
    VIDEO_STREAM_LOW = 1,
    AUDIO_ONLY = 2
}
export declare enum RemoteUserPriority {
    LOW = 0,
    MEDIUM = 100,
    HIGH = 200
}
export declare enum FallbackOrRecoverReason {
    Unknown = -1,
    SubscribeFallbackByBandwidth = 0,
    SubscribeRecoverByBandwidth = 2
}
export type RtcError = {
    /**
     * The contract's code.
     */
    code: ErrorCode;
    /**
     * What went wrong and what to do about it.
     */
    message: string;
};
export type UserInfo = {
    /**
     * `[a-zA-Z0-9_@\-\.]{1,128}`.
     */
    userId: string;
    /**
     * Free text the app attaches, at most 200 bytes.
     */
    extraInfo?: string;
};
export type RoomConfig = {
    /**
     * Publish the captured streams as soon as joined (default true).
     */
    isAutoPublish?: boolean;
    /**
     * Subscribe to others' audio as it is published (default true).
     */
    isAutoSubscribeAudio?: boolean;
    /**
     * Subscribe to others' video as it is published (default true).
     */
    isAutoSubscribeVideo?: boolean;
    /**
     * The kind of room.
     */
    roomProfileType?: RoomProfileType;
    /**
     * Media and messages, or messages only.
     */
    roomMode?: RoomMode;
};
export type IceServer = {
    /**
     * `turn:host:port?transport=udp|tcp`, `turns:host:port?transport=tcp` or `stun:host:port`.
     */
    urls: Array<string>;
    /**
     * `<expiry>:<userId>`.
     */
    username: string;
    /**
     * base64(HMAC-SHA1(secret, username)).
     */
    credential: string;
};
export type PublishedTrack = {
    /**
     * The m-line's `a=mid`.
     */
    mid: string;
    /**
     * Main (camera, microphone) or screen.
     */
    streamIndex: StreamIndex;
    /**
     * Audio or video.
     */
    kind: TrackKind;
};
export type SubscribedTrack = {
    /**
     * The m-line's `a=mid`.
     */
    mid: string;
    /**
     * The publisher.
     */
    userId: string;
    /**
     * Main or screen.
     */
    streamIndex: StreamIndex;
    /**
     * Audio or video.
     */
    kind: TrackKind;
};
export type ForwardStreamInfo = {
    /**
     * The target room.
     */
    roomId: string;
    /**
     * The "001" token for the target room.
     */
    token: string;
};
export type ForwardStreamStateInfo = {
    /**
     * The target room.
     */
    roomId: string;
    /**
     * Forwarding or not.
     */
    state: ForwardStreamState;
    /**
     * Why not, when not.
     */
    error: ForwardStreamError;
};
export type ForwardStreamEventInfo = {
    /**
     * The target room.
     */
    roomId: string;
    /**
     * What happened.
     */
    event: ForwardStreamEventType;
};
export type PublicStreamConfig = {
    /**
     * The output video.
     */
    video?: PublicStreamVideo;
    /**
     * The layout.
     */
    layout?: PublicStreamLayout;
};
export type PublicStreamVideo = {
    /**
     * Width in pixels (even).
     */
    width?: number;
    /**
     * Height in pixels (even).
     */
    height?: number;
    /**
     * Frames per second.
     */
    fps?: number;
    /**
     * Bitrate in kbit/s.
     */
    kBitRate: number;
};
export type PublicStreamLayout = {
    /**
     * Background colour, `#RRGGBB` (black by default).
     */
    backgroundColor?: string;
    /**
     * An http:// or https:// URL of a PNG or JPEG (at most 1024 bytes) painted, scaled to
     * the output, under the regions; the server fetches it once per layout change. One that
     * cannot be fetched or decoded leaves the background colour.
     */
    backgroundImage?: string;
    /**
     * The sources, at most [`MAX_PUBLIC_STREAM_REGIONS`](crate::MAX_PUBLIC_STREAM_REGIONS).
     */
    regions?: Array<PublicStreamRegion>;
};
export type PublicStreamRegion = {
    /**
     * The publishing user.
     */
    userId: string;
    /**
     * The room the user publishes in.
     */
    roomId: string;
    /**
     * The screen share rather than the camera.
     */
    isScreenStream: boolean;
    /**
     * Left edge, a share of the output width in [0, 1).
     */
    x?: number;
    /**
     * Top edge, a share of the output height in [0, 1).
     */
    y?: number;
    /**
     * Width, a share of the output width in (0, 1].
     */
    w?: number;
    /**
     * Height, a share of the output height in (0, 1].
     */
    h?: number;
    /**
     * Stacking order, 0 (bottom) to 100.
     */
    zorder?: number;
    /**
     * Opacity in (0, 1].
     */
    alpha?: number;
    /**
     * 1: scale to cover and crop (hidden); 2: scale to fit and pad with the background;
     * 3: stretch to fill.
     */
    renderMode?: number;
    /**
     * Which media of the source the stream takes (audio and video by default).
     */
    mediaType?: PublicStreamType;
    /**
     * The part of the source's picture the region shows (the whole picture by default),
     * then scaled per `render_mode`.
     */
    sourceCrop?: PublicStreamCrop;
};
export type PublicStreamCrop = {
    /**
     * Left edge.
     */
    x: number;
    /**
     * Top edge.
     */
    y: number;
    /**
     * Width.
     */
    w: number;
    /**
     * Height.
     */
    h: number;
};
export type LiveTranscodeAudio = {
    /**
     * `"AAC"`, the one codec.
     */
    codec?: string;
    /**
     * Bit rate in kbit/s, 32 to 192.
     */
    kBitRate?: number;
    /**
     * 32000, 44100 or 48000.
     */
    sampleRate?: number;
    /**
     * 1 or 2.
     */
    channels?: number;
    /**
     * `"LC"`, the one profile Chorus encodes.
     */
    AACProfile?: string;
};
export type LiveTranscodeVideo = {
    /**
     * Width in pixels, 2 to 1920 (an odd one is rounded up).
     */
    width?: number;
    /**
     * Height in pixels, 2 to 1920 (an odd one is rounded up).
     */
    height?: number;
    /**
     * `"H264"`, the one codec.
     */
    codec?: string;
    /**
     * Frames per second, 1 to 60.
     */
    fps?: number;
    /**
     * Seconds between keyframes, 1 to 5; keyframes come at least every 2 s whatever it says.
     */
    gop?: number;
    /**
     * Bit rate in kbit/s, 1 to 10000.
     */
    kBitRate?: number;
};
export type LiveTranscodeLayout = {
    /**
     * The users, at most [`MAX_PUBLIC_STREAM_REGIONS`](crate::MAX_PUBLIC_STREAM_REGIONS).
     */
    regions?: Array<LiveTranscodeRegion>;
    /**
     * Data for the app, up to 4 KB; Chorus keeps it but does not put it in the stream.
     */
    appData?: string;
    /**
     * Background colour, `#RRGGBB` (black by default).
     */
    backgroundColor?: string;
};
export type LiveTranscodeRegion = {
    /**
     * The publishing user, in the caller's room.
     */
    userId: string;
    /**
     * Left edge, a share of the width in [0, 1).
     */
    x?: number;
    /**
     * Top edge, a share of the height in [0, 1).
     */
    y?: number;
    /**
     * Width, a share of the width in (0, 1].
     */
    w?: number;
    /**
     * Height, a share of the height in (0, 1].
     */
    h?: number;
    /**
     * Stacking order, 0 (bottom) to 100.
     */
    zorder?: number;
    /**
     * Opacity in (0, 1].
     */
    alpha?: number;
    /**
     * 1: cover and crop; 2: fit and pad; 3: stretch.
     */
    renderMode?: number;
    /**
     * 0: audio and video; 1: audio only; 2: video only.
     */
    contentControl?: number;
    /**
     * The screen share rather than the camera.
     */
    isScreenStream: boolean;
};
export type SubtitleMessage = {
    /**
     * Who spoke.
     */
    userId: string;
    /**
     * What they said (or its translation), UTF-8.
     */
    text: string;
    /**
     * True for the final text of an utterance, false for a partial one.
     */
    definite: boolean;
    /**
     * Increases with each subtitle of this speaker, partial or final.
     */
    sequence: number;
    /**
     * The text's language code.
     */
    language: string;
    /**
     * Recognition alone, or its translation.
     */
    mode: SUBTITLE_MODE;
};
export type Languages = string | Array<string>;
export type JoinRoomParams = {
    /**
     * The "001" access token for this app, room and user.
     */
    token: string | null;
    /**
     * The room to join.
     */
    roomId: string;
    /**
     * Who joins.
     */
    userInfo: UserInfo;
    /**
     * How to behave in the room.
     */
    roomConfig?: RoomConfig;
    /**
     * Join visible to others (default true); see `setUserVisibility`.
     */
    visible?: boolean;
};
export type JoinRoomResult = {
    /**
     * The room joined.
     */
    roomId: string;
    /**
     * The user joined as.
     */
    userId: string;
    /**
     * True when this join resumed a session whose connection had dropped within the grace
     * period: others saw no leave and no join.
     */
    resumed: boolean;
    /**
     * The TURN servers this client may relay its media through, with credentials that
     * expire no later than the token (empty when the server names none). They go into the
     * client's `RTCPeerConnection` configuration as they are.
     */
    iceServers: Array<IceServer>;
};
export type Empty = Record<symbol, never>;
export type UpdateTokenParams = {
    /**
     * The new token, for the same app, room and user.
     */
    token: string;
};
export type SetUserVisibilityParams = {
    /**
     * Visible to others or not.
     */
    visible: boolean;
};
export type MediaParams = {
    /**
     * Which media.
     */
    mediaType: MediaType;
};
export type PublisherOfferParams = {
    /**
     * The SDP offer; every media section is `sendonly`.
     */
    sdp: string;
    /**
     * What each m-line carries. An m-line not listed is rejected.
     */
    tracks: Array<PublishedTrack>;
};
export type SdpAnswer = {
    /**
     * The SDP.
     */
    sdp: string;
};
export type SubscriberAnswerParams = {
    /**
     * The SDP answer.
     */
    sdp: string;
};
export type SubscribeParams = {
    /**
     * The publisher.
     */
    userId: string;
    /**
     * Which of its media.
     */
    mediaType: MediaType;
};
export type SimulcastParams = {
    /**
     * The publisher.
     */
    userId: string;
    /**
     * The layer.
     */
    streamType: SimulcastStreamType;
};
export type FallbackOptionParams = {
    /**
     * The option.
     */
    option: SubscribeFallbackOption;
};
export type UserPriorityParams = {
    /**
     * The remote user.
     */
    userId: string;
    /**
     * Their priority.
     */
    priority: RemoteUserPriority;
};
export type CaptureStateParams = {
    /**
     * Audio or video.
     */
    kind: TrackKind;
    /**
     * Capturing now or not.
     */
    capturing: boolean;
};
export type UserMessageParams = {
    /**
     * The receiver.
     */
    userId: string;
    /**
     * The text, or base64 of the bytes for the binary methods.
     */
    message: string;
};
export type MessageParams = {
    /**
     * The text, or base64 of the bytes for the binary methods.
     */
    message: string;
};
export type LoginParams = {
    /**
     * The login token.
     */
    token: string;
    /**
     * Who logs in.
     */
    userId: string;
};
export type LoginTokenParams = {
    /**
     * The new login token.
     */
    token: string;
};
export type PeerParams = {
    /**
     * The peer.
     */
    userId: string;
};
export type PeerStatus = {
    /**
     * The peer.
     */
    userId: string;
    /**
     * Whether they are logged in.
     */
    status: USER_ONLINE_STATUS;
};
export type ServerParams = {
    /**
     * Passed to the business server in the `X-Chorus-Signature` header.
     */
    signature: string;
    /**
     * The business server's URL (http).
     */
    url: string;
};
export type ServerMessageResult = {
    /**
     * The business server's response body.
     */
    response: string;
};
export type ForwardStreamParams = {
    /**
     * The target rooms.
     */
    forwardStreamInfos: Array<ForwardStreamInfo>;
};
export type ForwardStreamStates = {
    /**
     * One entry per room.
     */
    infos: Array<ForwardStreamStateInfo>;
};
export type PublicStreamPushParams = {
    /**
     * The public stream id (the id rule of rooms and users).
     */
    publicStreamId: string;
    /**
     * Its parameters.
     */
    param: PublicStreamConfig;
};
export type PublicStreamIdParams = {
    /**
     * The public stream id.
     */
    publicStreamId: string;
};
export type LiveTranscodeConfig = {
    /**
     * Where to push: `rtmp://host[:port]/app/stream`.
     */
    url?: string;
    /**
     * The pushed audio.
     */
    audio?: LiveTranscodeAudio;
    /**
     * The pushed video.
     */
    video?: LiveTranscodeVideo;
    /**
     * The layout.
     */
    layout?: LiveTranscodeLayout;
};
export type StartSubtitleParams = {
    /**
     * Recognition alone, or recognition and translation.
     */
    mode: SUBTITLE_MODE;
    /**
     * The language to translate into (translation mode).
     */
    targetLanguage?: Languages;
};
export type UpdateSubtitleParams = {
    /**
     * The language the speakers speak (`zh`, `ja`, `en`, `ko`).
     */
    sourceLanguage: string;
};
export type UserJoinedEvent = {
    /**
     * Who.
     */
    userInfo: UserInfo;
};
export type UserLeaveEvent = {
    /**
     * Who.
     */
    userInfo: UserInfo;
    /**
     * Why.
     */
    reason: UserOfflineReason;
};
export type StreamPublishedEvent = {
    /**
     * The publisher.
     */
    userId: string;
    /**
     * The media that became available.
     */
    mediaType: MediaType;
};
export type StreamUnpublishedEvent = {
    /**
     * The publisher.
     */
    userId: string;
    /**
     * The media that went away.
     */
    mediaType: MediaType;
    /**
     * Why.
     */
    reason: StreamRemoveReason;
};
export type SubscriberOfferEvent = {
    /**
     * The SDP offer; every active media section is `sendonly` from the server.
     */
    sdp: string;
    /**
     * What each active m-line carries; m-lines not listed are stopped.
     */
    tracks: Array<SubscribedTrack>;
};
export type RemoteStreamSwitch = {
    /**
     * The publisher.
     */
    userId: string;
    /**
     * Whether it is the screen stream.
     */
    isScreen: boolean;
    /**
     * The layer before the step.
     */
    beforeVideoIndex: number;
    /**
     * The layer after the step.
     */
    afterVideoIndex: number;
    /**
     * Whether video flowed before the step.
     */
    beforeEnable: boolean;
    /**
     * Whether video flows after the step (false: audio only).
     */
    afterEnable: boolean;
    /**
     * Why.
     */
    reason: FallbackOrRecoverReason;
};
export type UserCaptureEvent = {
    /**
     * Who.
     */
    userId: string;
};
export type ErrorEvent = {
    /**
     * What happened.
     */
    errorCode: ErrorCode;
    /**
     * In words.
     */
    message: string;
    /**
     * For bans: how many seconds the ban lasts.
     */
    forbiddenTime?: number;
};
export type TokenWillExpireEvent = {
    /**
     * When it expires, unix seconds.
     */
    expireAt: number;
};
export type PublishPrivilegeExpiryEvent = {
    /**
     * When the privilege ends, unix seconds.
     */
    expireAt: number;
};
export type SubscribePrivilegeExpiryEvent = {
    /**
     * When the privilege ends (or ended), unix seconds.
     */
    expireAt: number;
};
export type StreamBannedEvent = {
    /**
     * The banned (or no longer banned) user.
     */
    uid: string;
    /**
     * Whether the stream is banned now.
     */
    banned: boolean;
};
export type MessageEvent = {
    /**
     * The sender (for messages sent through the OpenAPI, its `From`).
     */
    userId: string;
    /**
     * The text, or base64 of the bytes for the binary events.
     */
    message: string;
};
export type ForwardStreamEvents = {
    /**
     * One entry per room.
     */
    infos: Array<ForwardStreamEventInfo>;
};
export type SubtitleStateEvent = {
    /**
     * Started, stopped, failed or updated.
     */
    event: SubtitleEventType;
    /**
     * Why it failed, with `ERROR`.
     */
    errorCode?: ErrorCode;
    /**
     * What happened, in words.
     */
    errorMessage?: string;
};
export type SubtitleMessages = Array<SubtitleMessage>;
export type StreamMixingEvent = {
    /**
     * What happened.
     */
    event: StreamMixingEventType;
    /**
     * Why it failed, or `ERR_OK`.
     */
    error: StreamMixingEventErrorCode;
    /**
     * What happened, in words.
     */
    message: string;
};
export declare const PROTOCOL_VERSION = 1;
export declare const SIGNAL_PATH = "/signal/v1";
/** Longest room or user id, in characters. */
export declare const MAX_ID_LEN = 128;
/** Largest `extraInfo`, in bytes. */
export declare const MAX_EXTRA_INFO_BYTES = 200;
/** Largest user, room or server message, in bytes. */
export declare const MAX_MESSAGE_BYTES = 65536;
/** Most source streams in one public stream. */
export declare const MAX_PUBLIC_STREAM_REGIONS = 17;
/** Largest signalling frame the server reads, in bytes. */
export declare const MAX_FRAME_BYTES = 409600;
/** A valid room or user id, whole. */
export declare const ID_PATTERN: RegExp;
/** The id rule in words, for error messages. */
export declare const ID_RULE = "1 to 128 of a-z A-Z 0-9 _ @ - .";
/** Prefix of a public stream's room and its compositor's user id. */
export declare const PUBLIC_STREAM_PREFIX = "@public.";
/** The `onError` codes with which the server removes a client from its room. */
export declare const REMOVED_FROM_ROOM: readonly ErrorCode[];
export interface Methods {
    joinRoom: {
        params: JoinRoomParams;
        result: JoinRoomResult;
    };
    leaveRoom: {
        params: Empty;
        result: Empty;
    };
    updateToken: {
        params: UpdateTokenParams;
        result: Empty;
    };
    setUserVisibility: {
        params: SetUserVisibilityParams;
        result: Empty;
    };
    publishStream: {
        params: MediaParams;
        result: Empty;
    };
    unpublishStream: {
        params: MediaParams;
        result: Empty;
    };
    publishScreen: {
        params: MediaParams;
        result: Empty;
    };
    unpublishScreen: {
        params: MediaParams;
        result: Empty;
    };
    publisherOffer: {
        params: PublisherOfferParams;
        result: SdpAnswer;
    };
    subscriberAnswer: {
        params: SubscriberAnswerParams;
        result: Empty;
    };
    subscribeStream: {
        params: SubscribeParams;
        result: Empty;
    };
    unsubscribeStream: {
        params: SubscribeParams;
        result: Empty;
    };
    subscribeScreen: {
        params: SubscribeParams;
        result: Empty;
    };
    unsubscribeScreen: {
        params: SubscribeParams;
        result: Empty;
    };
    pauseAllSubscribedStream: {
        params: MediaParams;
        result: Empty;
    };
    resumeAllSubscribedStream: {
        params: MediaParams;
        result: Empty;
    };
    setRemoteSimulcastStreamType: {
        params: SimulcastParams;
        result: Empty;
    };
    setSubscribeFallbackOption: {
        params: FallbackOptionParams;
        result: Empty;
    };
    setRemoteUserPriority: {
        params: UserPriorityParams;
        result: Empty;
    };
    setCaptureState: {
        params: CaptureStateParams;
        result: Empty;
    };
    sendUserMessage: {
        params: UserMessageParams;
        result: Empty;
    };
    sendUserBinaryMessage: {
        params: UserMessageParams;
        result: Empty;
    };
    sendRoomMessage: {
        params: MessageParams;
        result: Empty;
    };
    sendRoomBinaryMessage: {
        params: MessageParams;
        result: Empty;
    };
    login: {
        params: LoginParams;
        result: Empty;
    };
    logout: {
        params: Empty;
        result: Empty;
    };
    updateLoginToken: {
        params: LoginTokenParams;
        result: Empty;
    };
    getPeerOnlineStatus: {
        params: PeerParams;
        result: PeerStatus;
    };
    sendUserMessageOutsideRoom: {
        params: UserMessageParams;
        result: Empty;
    };
    sendUserBinaryMessageOutsideRoom: {
        params: UserMessageParams;
        result: Empty;
    };
    setServerParams: {
        params: ServerParams;
        result: Empty;
    };
    sendServerMessage: {
        params: MessageParams;
        result: ServerMessageResult;
    };
    sendServerBinaryMessage: {
        params: MessageParams;
        result: ServerMessageResult;
    };
    startForwardStreamToRooms: {
        params: ForwardStreamParams;
        result: ForwardStreamStates;
    };
    updateForwardStreamToRooms: {
        params: ForwardStreamParams;
        result: ForwardStreamStates;
    };
    stopForwardStreamToRooms: {
        params: Empty;
        result: ForwardStreamStates;
    };
    pauseForwardStreamToAllRooms: {
        params: Empty;
        result: ForwardStreamStates;
    };
    resumeForwardStreamToAllRooms: {
        params: Empty;
        result: ForwardStreamStates;
    };
    startPushPublicStream: {
        params: PublicStreamPushParams;
        result: Empty;
    };
    updatePublicStreamParam: {
        params: PublicStreamPushParams;
        result: Empty;
    };
    stopPushPublicStream: {
        params: PublicStreamIdParams;
        result: Empty;
    };
    startLiveTranscoding: {
        params: LiveTranscodeConfig;
        result: Empty;
    };
    updateLiveTranscoding: {
        params: LiveTranscodeConfig;
        result: Empty;
    };
    stopLiveTranscoding: {
        params: Empty;
        result: Empty;
    };
    startSubtitle: {
        params: StartSubtitleParams;
        result: Empty;
    };
    updateSubtitleConfig: {
        params: UpdateSubtitleParams;
        result: Empty;
    };
    stopSubtitle: {
        params: Empty;
        result: Empty;
    };
}
export interface Events {
    onUserJoined: UserJoinedEvent;
    onUserLeave: UserLeaveEvent;
    onUserPublishStream: StreamPublishedEvent;
    onUserUnpublishStream: StreamUnpublishedEvent;
    onUserPublishScreen: StreamPublishedEvent;
    onUserUnpublishScreen: StreamUnpublishedEvent;
    onSubscriberOffer: SubscriberOfferEvent;
    onSimulcastSubscribeFallback: RemoteStreamSwitch;
    onUserStartVideoCapture: UserCaptureEvent;
    onUserStopVideoCapture: UserCaptureEvent;
    onUserStartAudioCapture: UserCaptureEvent;
    onUserStopAudioCapture: UserCaptureEvent;
    onError: ErrorEvent;
    onTokenWillExpire: TokenWillExpireEvent;
    onTokenPublishPrivilegeWillExpire: PublishPrivilegeExpiryEvent;
    onTokenPublishPrivilegeDidExpired: PublishPrivilegeExpiryEvent;
    onTokenSubscribePrivilegeWillExpire: SubscribePrivilegeExpiryEvent;
    onTokenSubscribePrivilegeDidExpired: SubscribePrivilegeExpiryEvent;
    onVideoStreamBanned: StreamBannedEvent;
    onAudioStreamBanned: StreamBannedEvent;
    onUserMessageReceived: MessageEvent;
    onUserBinaryMessageReceived: MessageEvent;
    onRoomMessageReceived: MessageEvent;
    onRoomBinaryMessageReceived: MessageEvent;
    onUserMessageReceivedOutsideRoom: MessageEvent;
    onUserBinaryMessageReceivedOutsideRoom: MessageEvent;
    onForwardStreamStateChanged: ForwardStreamStates;
    onForwardStreamEvent: ForwardStreamEvents;
    onSubtitleStateChanged: SubtitleStateEvent;
    onSubtitleMessageReceived: SubtitleMessages;
    onStreamMixingEvent: StreamMixingEvent;
}
