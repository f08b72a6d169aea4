/**
 * The WTN stream manager's value sets (`getWTNStreamManager`), the vendor's names and values
 * exactly (src/room/wtn.ts fires them).
 * Depends on nothing.
 */

/** The state of playing a WTN stream (WTN streams). */
export enum WTNPlayState {
  INIT = 0,
  START = 1,
  SUCCESS = 2,
  STOP = 3,
  FAIL = 4,
}

/** Why a WTN stream's play state changed (WTN streams). */
export enum WTNPlayStateChangedReason {
  PLAY_SUCCESS = 0,
  START_PLAY = 1,
  STOP_PLAY = 2,
  REMOTE_STOP = 3,
  REMOTE_FAILURE = 4,
  STREAM_BANNED = 5,
  NO_PLAY_PERMISSION = 6,
  STREAM_NOT_EXIST = 7,
  IN_RETRY = 8,
  RETRY_FAIL = 9,
  INTERNAL = 10,
  OVER_CLIENT_SUBSCRIBE_STREAM_LIMIT = 1310,
  OVER_STREAM_SUBSCRIBE_USER_LIMIT = 1311,
  OVER_STREAM_SUBSCRIBE_REQUES_TLIMIT = 1312,
}

/** The state of pushing a WTN stream (WTN streams). */
export enum WTNPushState {
  INIT = 0,
  START = 1,
  SUCCESS = 2,
  STOP = 3,
  FAIL = 4,
}

/** Why a WTN stream's push state changed (WTN streams). */
export enum WTNPushStateChangedReason {
  PUSH_SUCCESS = 0,
  START_PUSH = 1,
  STOP_PUSH = 2,
  IN_RETRY = 3,
  RETRY_FAIL = 4,
  NO_PUSH_PERMISSION = 5,
  STREAM_PUSH_BY_OTHER = 6,
}

/** The state of a played WTN stream's audio (WTN streams). */
export enum WTNRemoteAudioState {
  STOPED = 0,
  STARTING = 1,
  DECODING = 2,
  FROZEN = 3,
  FAILED = 4,
}

/** Why a played WTN stream's audio state changed (WTN streams). */
export enum WTNRemoteAudioStateChangeReason {
  INTERNAL = 0,
  NETWORK_CONGESTION = 1,
  NETWORK_RECOVERY = 2,
  UNMUTE = 3,
  MUTE = 4,
  REMOTE_START = 5,
  REMOTE_STOP = 6,
}

/** The state of a played WTN stream's video (WTN streams). */
export enum WTNRemoteVideoState {
  STOPED = 0,
  STARTING = 1,
  DECODING = 2,
  FROZEN = 3,
  FAILED = 4,
}

/** Why a played WTN stream's video state changed (WTN streams). */
export enum WTNRemoteVideoStateChangeReason {
  INTERNAL = 0,
  NETWORK_CONGESTION = 1,
  NETWORK_RECOVERY = 2,
  UNMUTE = 3,
  MUTE = 4,
  REMOTE_START = 5,
  REMOTE_STOP = 6,
}

/** The events of the WTN stream manager (WTN streams). */
export enum WTNStreamEventsTypes {
  onWTNPushStateChanged = "onWTNPushStateChanged",
  onWTNPlayStateChanged = "onWTNPlayStateChanged",
  onWTNRemoteAudioStateChanged = "onWTNRemoteAudioStateChanged",
  onWTNRemoteVideoStateChanged = "onWTNRemoteVideoStateChanged",
  onWTNRemoteVideoStats = "onWTNRemoteVideoStats",
  onWTNRemoteAudioStats = "onWTNRemoteAudioStats",
  onWTNFirstRemoteVideoFrameDecoded = "onWTNFirstRemoteVideoFrameDecoded",
  onWTNSEIMessageReceived = "onWTNSEIMessageReceived",
  onWTNRemoteStatsException = "onWTNRemoteStatsException",
  onWTNLocalStatsException = "onWTNLocalStatsException",
}
