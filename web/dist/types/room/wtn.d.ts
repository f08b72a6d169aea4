/**
 * The WTN stream manager (`engine.getWTNStreamManager()`, the vendor's `IWTNStream`).
 *
 * Pushing (`startPushWTN`) publishes the engine's own camera and microphone under a stream id,
 * with no compositing: a hidden engine sends the app engine's local tracks into the stream's
 * room (`@public.<id>`, docs/protocol.md) in the publisher's place, and the SFU forwards them
 * to players as they are. The server gives an id one publisher at a time (REPEAT_PUSH).
 * Playing (`startPlayWTN`) goes through {@link PublicStreamPlayers}, the one way to play
 * outside a room, with the token given; it plays WTN streams and public streams alike.
 *
 * Both need no room and a token of the app: pushing, one with the publish privilege (for any
 * room, as the vendor's); playing, one for the stream id with the subscribe privilege. Each
 * joins as the user its token names.
 */
import { MediaType, StreamIndex, VideoSourceType } from "../generated/protocol";
import { AudioSourceType } from "../enums/values";
import { Emitter } from "../emitter";
import type { VideoPlayerConfig } from "../media/players";
import type { PlayerVisibility } from "../media/visibility";
import type { PublicStreamPlayers } from "./public_play";
/** What a pushing hidden engine must do: an engine of the same app and server. */
export interface PushEngine {
    on(event: string, listener: (...payload: any[]) => void): unknown;
    joinRoom(token: string | null, roomId: string, userInfo: {
        userId: string;
    }, roomConfig?: {
        isAutoPublish?: boolean;
        isAutoSubscribeAudio?: boolean;
        isAutoSubscribeVideo?: boolean;
    }): Promise<void>;
    leaveRoom(): Promise<void>;
    setVideoSourceType(index: StreamIndex, type: VideoSourceType): Promise<void>;
    setAudioSourceType(index: StreamIndex, type: AudioSourceType): Promise<void>;
    setExternalVideoTrack(index: StreamIndex, track: MediaStreamTrack): Promise<void>;
    setExternalAudioTrack(index: StreamIndex, track: MediaStreamTrack): Promise<void>;
    publishStream(mediaType: MediaType): Promise<void>;
    unpublishStream(mediaType: MediaType): Promise<void>;
    sendSEIMessage(index: StreamIndex, message: Uint8Array, repeatCount: number): void;
    destroy(): void;
}
/** What the manager takes from its engine. */
export interface WTNHost {
    /** A new hidden engine of the same app and server. */
    makeEngine: () => PushEngine;
    /** The app engine's local track of `kind` on the main stream, if it captures one. */
    localTrack: (kind: "video" | "audio") => MediaStreamTrack | undefined;
    /** The engine's players of streams outside rooms. */
    players: PublicStreamPlayers;
}
/** The vendor's `IWTNStream`: push one's own stream, play any stream, without a room. */
export declare class WTNStream extends Emitter {
    private readonly host;
    private readonly pushes;
    private readonly plays;
    /** Made by the engine's `getWTNStreamManager`. */
    constructor(host: WTNHost);
    private fire;
    private pushState;
    private playState;
    /**
     * Publishes the engine's camera and microphone (what it captures now) as WTN stream
     * `streamId`, with `videoMute`/`audioMute` holding either back. `token`: of the app, any
     * room, with the publish privilege. REPEAT_PUSH when the id is pushed already (here, by
     * anyone of the app, or as a public stream); INVALID_PARAMS for a bad id; WTN_PUSH_FAILED
     * for anything else, naming the cause. Fires `onWTNPushStateChanged` (START, then SUCCESS or
     * FAIL).
     */
    startPushWTN(token: string | null, streamId: string, videoMute: boolean, audioMute: boolean): Promise<void>;
    /** Stops pushing `streamId` (a no-op when this engine does not push it); players see it stop. */
    stopPushWTN(streamId: string): Promise<void>;
    private pushed;
    private mutePush;
    /**
     * Stops (`mute`) or resumes sending a pushed stream's audio (unpublished and published
     * again, so players see REMOTE_STOP and REMOTE_START); STREAM_NOT_EXIST when not pushed here.
     * The push itself goes on, so no `onWTNPushStateChanged` fires.
     */
    muteWTNLocalAudio(streamId: string, mute: boolean): Promise<void>;
    /** As {@link muteWTNLocalAudio}, for the video. */
    muteWTNLocalVideo(streamId: string, mute: boolean): Promise<void>;
    /**
     * Puts `sei` into the next `repeatCount + 1` frames of a pushed stream's video, where
     * players get it as `onWTNSEIMessageReceived` (the engine's `sendSEIMessage` rules and
     * errors); STREAM_NOT_EXIST when the stream is not pushed here.
     */
    sendWTNSEIMessage(streamId: string, sei: Uint8Array, repeatCount: number): void;
    /**
     * Plays WTN stream or public stream `streamId`, with no room: `token` is of the app, for the
     * room `streamId`, with the subscribe privilege. `videoMute`/`audioMute` leave that part
     * unreceived. It shows where `setWTNRemoteVideoPlayer` says. REPEAT_PLAY when this engine
     * plays it already (either way); WTN_PLAY_FAILED for anything else, naming the cause. Fires
     * `onWTNPlayStateChanged`, then the remote states, first frames and stats as they come.
     */
    startPlayWTN(token: string | null, streamId: string, videoMute: boolean, audioMute: boolean): Promise<void>;
    private audioState;
    private videoState;
    /** Turns the hidden engine's events about the stream's publisher into the manager's. */
    private observe;
    /** Stops playing `streamId` (a no-op when it does not play). */
    stopPlayWTN(streamId: string): Promise<void>;
    private muteRemote;
    /** Stops (`mute`) or resumes receiving a played stream's audio. */
    muteWTNRemoteAudio(streamId: string, mute: boolean): Promise<void>;
    /** Stops (`mute`) or resumes receiving a played stream's video. */
    muteWTNRemoteVideo(streamId: string, mute: boolean): Promise<void>;
    /** Where stream `streamId` shows (`renderDom`) and how, now or once it plays; its video element if shown. */
    setWTNRemoteVideoPlayer(streamId: string, videoPlayerOption: Omit<VideoPlayerConfig, "userId" | "playerId">): HTMLVideoElement | undefined;
    /** Stream `streamId`'s playback volume, 0 to 400 (100 as sent), now or once it plays. */
    setWTNRemoteAudioPlaybackVolume(streamId: string, volume: number): void;
    /** Whether stream `streamId`'s player is visible, if it plays and shows. */
    getWTNVideoPlayerVisibility(streamId: string): PlayerVisibility | undefined;
    /** Stops every push and play (the engine is destroyed). */
    stopAll(): void;
}
