/**
 * The payloads of the WTN stream manager's events and of the engine's public-stream events,
 * as the vendor's typings declare them. Types only; src/room/wtn.ts and
 * src/room/public_play.ts fire them.
 */
import type { WTNPlayState, WTNPlayStateChangedReason, WTNPushState, WTNPushStateChangedReason, WTNRemoteAudioState, WTNRemoteAudioStateChangeReason, WTNRemoteVideoState, WTNRemoteVideoStateChangeReason } from "../enums/wtn";
import type { RemoteAudioStats, RemoteStreamStats, RemoteVideoStats } from "../media/statstypes";
import type { ExceptionName, RTCExceptionCodeMap } from "../media/statsexceptions";
/** `onWTNPushStateChanged`: a push's state moved. */
export interface WTNPushStateChangedEvent {
    /** The WTN stream. */
    streamId: string;
    /** The state before. */
    oldState: WTNPushState;
    /** The state now. */
    newState: WTNPushState;
    /** Why. */
    reason: WTNPushStateChangedReason;
    /** Milliseconds since `startPushWTN`. */
    elapse: number;
}
/** `onWTNPlayStateChanged`: a play's state moved. */
export interface WTNPlayStateChangedEvent {
    /** The WTN stream. */
    streamId: string;
    /** The state before. */
    oldState: WTNPlayState;
    /** The state now. */
    newState: WTNPlayState;
    /** Why. */
    reason: WTNPlayStateChangedReason;
    /** Milliseconds since `startPlayWTN`. */
    elapse: number;
}
/** `onWTNRemoteAudioStateChanged`: a played stream's audio state. */
export interface WTNRemoteAudioStateChangedEvent {
    /** The WTN stream. */
    streamId: string;
    /** The state now. */
    state: WTNRemoteAudioState;
    /** Why. */
    reason: WTNRemoteAudioStateChangeReason;
}
/** `onWTNRemoteVideoStateChanged`: a played stream's video state. */
export interface WTNRemoteVideoStateChangedEvent {
    /** The WTN stream. */
    streamId: string;
    /** The state now. */
    state: WTNRemoteVideoState;
    /** Why. */
    reason: WTNRemoteVideoStateChangeReason;
}
/** `onWTNFirstRemoteVideoFrameDecoded`: a played stream's first picture decoded. */
export interface WTNFirstRemoteVideoFrameDecodedEvent {
    /** The WTN stream. */
    streamId: string;
}
/** `onWTNSEIMessageReceived` (and the engine's `onPublicStreamSEIMessageReceived`, by id). */
export interface WTNSEIMessageReceivedEvent {
    /** The WTN stream. */
    streamId: string;
    /** The message's bytes. */
    sei: Uint8Array;
}
/** `onWTNRemoteVideoStats`: a played stream's video figures, every 2 s. */
export interface WTNRemoteVideoStatsEvent {
    /** The WTN stream. */
    streamId: string;
    /** As the engine's `onRemoteStreamStats` gives them. */
    videoStats: RemoteVideoStats;
}
/** `onWTNRemoteAudioStats`: a played stream's audio figures, every 2 s. */
export interface WTNRemoteAudioStatsEvent {
    /** The WTN stream. */
    streamId: string;
    /** As the engine's `onRemoteStreamStats` gives them. */
    audioStats: RemoteAudioStats;
}
/** `onWTNLocalStatsException` / `onWTNRemoteStatsException`: a pushed or played stream's exception. */
export interface WTNStatsExceptionEvent {
    /** What happened. */
    exception: ExceptionName;
    /** Its code. */
    code: (typeof RTCExceptionCodeMap)[ExceptionName];
    /** The WTN stream. */
    streamId: string;
}
/** The WTN manager's events, as the handlers it calls. */
export interface WTNStreamEvents {
    onWTNPushStateChanged: (event: WTNPushStateChangedEvent) => void;
    onWTNPlayStateChanged: (event: WTNPlayStateChangedEvent) => void;
    onWTNRemoteAudioStateChanged: (event: WTNRemoteAudioStateChangedEvent) => void;
    onWTNRemoteVideoStateChanged: (event: WTNRemoteVideoStateChangedEvent) => void;
    onWTNRemoteVideoStats: (event: WTNRemoteVideoStatsEvent) => void;
    onWTNRemoteAudioStats: (event: WTNRemoteAudioStatsEvent) => void;
    onWTNFirstRemoteVideoFrameDecoded: (event: WTNFirstRemoteVideoFrameDecodedEvent) => void;
    onWTNSEIMessageReceived: (event: WTNSEIMessageReceivedEvent) => void;
    onWTNRemoteStatsException: (event: WTNStatsExceptionEvent) => void;
    onWTNLocalStatsException: (event: WTNStatsExceptionEvent) => void;
}
/** `onPublicStreamStats`: a played public stream's figures, every 2 s. */
export type PublicStreamStats = Omit<RemoteStreamStats, "userId" | "isScreen"> & {
    /** The public stream. */
    publicStreamId: string;
};
/** `onPublicStreamSEIMessageReceived`: SEI in a played public stream's video. */
export interface PublicStreamSEIMessageEvent {
    /** The public stream. */
    publicStreamId: string;
    /** The message's bytes. */
    sei: Uint8Array;
}
/**
 * `onPushPublicStreamResult`: how `startPushPublicStream` went. `code` is the vendor's: 200
 * pushed, 1191 a bad parameter, 1193 any other failure (`message` says which).
 */
export interface PublicStreamResultEvent {
    /** 200, 1191 or 1193. */
    code: number;
    /** What happened. */
    message: string;
}
