/**
 * The engine (`VERTC.createEngine`): the app-facing object, a thin face of the veRTC API. Each
 * method checks that the engine lives and its arguments, then hands the call to the module that
 * does the work: the room to {@link RoomSession}, the login to {@link LoginSession}, media to
 * the {@link MediaConductor}, device tests to {@link DeviceTests}, server events to
 * {@link dispatchServerEvent}, all wired in {@link EngineParts}; the media methods are in {@link EngineMedia}. Common mistakes fail at once with a contract code; the server
 * checks everything again.
 */
import { MediaType, type ForwardStreamInfo, type ForwardStreamStateInfo, type RemoteUserPriority, type RoomConfig, type SimulcastStreamType, type SubscribeFallbackOption, type UserInfo, type USER_ONLINE_STATUS } from "./generated/protocol";
import { type PublicStreamConfig } from "./room/public_stream";
import { WTNStream } from "./room/wtn";
import type { RemoteAudioStats, RemoteVideoStats } from "./media/statstypes";
import * as liveTranscoding from "./room/live_transcoding";
import type { VideoPlayerConfig } from "./media/players";
import { type RTCSubtitleConfig, type UpdateSubtitleConfig } from "./room/subtitle";
import { type AudioMixingManager } from "./media/mixing";
import { EngineMedia } from "./engine_media";
import type { EngineConfig, ExtraJoinRoomParams } from "./parts";
import type { CloudProxyInfo } from "./cloudproxy";
export type { EngineConfig };
/** A veRTC engine bound to one app on one Chorus server. */
export declare class RTCEngine extends EngineMedia {
    /** The public streams this engine plays, each through a hidden engine of its own. */
    private readonly publicPlayers;
    /** The WTN stream manager, made on first use. */
    private wtn;
    /** A hidden engine of the same app and server, to play or push a stream outside the room. */
    private readonly makeHidden;
    /** Use `VERTC.createEngine`. */
    constructor(appId: string, serverUrl: string, config?: EngineConfig);
    /** Tears the engine down (`VERTC.destroyEngine`), with the public streams it plays. */
    destroy(): void;
    /**
     * Tags this engine's calls with a business id, as the vendor's SDKs do: at most 24 of
     * a-z A-Z 0-9 - _ (the vendor's rule). Only before joining a room: false after, or for an id
     * that breaks the rule. Chorus's protocol has no place for it yet, so the engine keeps it
     * ({@link businessId}).
     */
    setBusinessId(businessId: string): boolean;
    /** The business id set with {@link setBusinessId} ("" when none). */
    get businessId(): string;
    /**
     * The id of this stay in the room, undefined outside one. The vendor's server names the
     * call; a Chorus server names none, so the SDK makes one per join (a random UUID) for the
     * app's logs. It is this engine's alone, not shared with the others in the room.
     */
    getCallId(): string | undefined;
    /** Stores an SDK parameter (accepted for compatibility; none changes behaviour yet). */
    setParameter(key: string, value: unknown): void;
    /** Audio mixing: files and pushed PCM mixed into the published audio and local playout. */
    getAudioMixingManager(): AudioMixingManager;
    /**
     * Joins `roomId` as `userInfo.userId` with `token` ("001" token for this app, room and user).
     * With `isAutoPublish` (default true) what is captured is published; the server subscribes
     * to others' streams unless `isAutoSubscribeAudio`/`Video` is false.
     */
    joinRoom(token: string | null, roomId: string, userInfo: UserInfo, roomConfig?: RoomConfig): Promise<void>;
    /** Leaves the room; media stops, players empty. A no-op outside a room. */
    leaveRoom(): Promise<void>;
    /** Replaces the room token (before it expires), or retries a join that failed on its token. */
    updateToken(token: string): Promise<void>;
    /** Shows or hides this user from others (hidden users publish nothing). Before joining, applies to the next join. */
    setUserVisibility(visible: boolean): Promise<void>;
    /**
     * Opens the signalling connection to the Chorus server ahead of `joinRoom` or `login`, which
     * otherwise open it themselves (JOIN_ROOM_FAILED when the server cannot be reached). It
     * stays open until a room or login that used it ends, or the engine is destroyed.
     */
    connect(): Promise<void>;
    /**
     * Extra join parameters (the vendor's `serviceType`, `tenantId`, ...). A Chorus server has no
     * use for them and its join carries none, so they are kept here ({@link extraJoinRoomParams})
     * for the app and not sent.
     */
    setJoinRoomParams(params: ExtraJoinRoomParams): void;
    /** What {@link setJoinRoomParams} last kept. */
    get extraJoinRoomParams(): ExtraJoinRoomParams;
    /** The publisher transport (what this engine sends over), while one is up in a room. */
    get peerConnection(): RTCPeerConnection | undefined;
    /** The ICE state of the publisher transport, else of the subscriber transport; undefined outside. */
    get iceState(): RTCIceConnectionState | undefined;
    /**
     * Reaches Chorus only through the proxy `cloudProxyInfo` names, from the next join on:
     * signalling over WSS to its signalling address, media only through a TURN relay over TCP or
     * TLS (see {@link CloudProxyInfo} for how each field maps). Before joining
     * (START_CLOUD_PROXY_AFTER_JOIN in a room); `onCloudProxyConnected` follows the first join
     * through it, and a join whose relay cannot be allocated fails with ICE_SERVER_WRONG.
     */
    startCloudProxy(cloudProxyInfo: CloudProxyInfo): void;
    /** Reaches Chorus directly again from the next join; after leaving (STOP_CLOUD_PROXY_BEFORE_LEAVE in a room). */
    stopCloudProxy(): void;
    /** Publishes the main stream's `mediaType`; what is captured flows once the transport is up. */
    publishStream(mediaType: MediaType): Promise<void>;
    /** Stops publishing the main stream's `mediaType`. */
    unpublishStream(mediaType: MediaType): Promise<void>;
    /**
     * Publishes the screen stream's `mediaType` (default video): start it with
     * `startScreenCapture` (`enableAudio` for its audio) or an app's tracks.
     */
    publishScreen(mediaType?: MediaType): Promise<void>;
    /** Stops publishing the screen stream. */
    unpublishScreen(mediaType?: MediaType): Promise<void>;
    /** Subscribes to `userId`'s main stream (needed only without auto subscribe). */
    subscribeStream(userId: string, mediaType: MediaType): Promise<void>;
    /** Stops receiving `userId`'s main stream `mediaType`. */
    unsubscribeStream(userId: string, mediaType: MediaType): Promise<void>;
    /** Subscribes to `userId`'s screen stream. */
    subscribeScreen(userId: string, mediaType: MediaType): Promise<void>;
    /** Stops receiving `userId`'s screen stream `mediaType`. */
    unsubscribeScreen(userId: string, mediaType: MediaType): Promise<void>;
    /** Pauses everything received of `mediaType` (subscriptions stay). */
    pauseAllSubscribedStream(mediaType?: MediaType): Promise<void>;
    /** Resumes what {@link pauseAllSubscribedStream} paused. */
    resumeAllSubscribedStream(mediaType?: MediaType): Promise<void>;
    /** Picks which simulcast layer of `userId`'s video to receive. */
    setRemoteSimulcastStreamType(userId: string, streamType: SimulcastStreamType): Promise<void>;
    /**
     * Asks for the simulcast layer of `userId`'s video closest to `remoteVideoConfig`'s size (the
     * vendor's deprecated way; `setRemoteSimulcastStreamType` names the layer). Chorus compares
     * the size with the largest picture of that user shown so far (the highest layer): from 70 %
     * of its width the high layer, from 35 % the middle one, below that the low one; before any
     * picture was shown, the high layer.
     */
    setRemoteVideoConfig(userId: string, remoteVideoConfig: {
        width: number;
        height: number;
    }): Promise<void>;
    /**
     * Sends the camera as three simulcast layers (full, half and quarter resolution), so each
     * subscriber receives the one it picks with `setRemoteSimulcastStreamType` (HIGH by default).
     * Call it before joining: the media transport keeps the layers it was set up with, so a
     * change while publishing applies from the next join.
     */
    enableSimulcastMode(enabled: boolean): boolean;
    /**
     * What the server may do to what this engine receives when its downlink is too narrow
     * (DISABLE by default): VIDEO_STREAM_LOW lowers simulcast layers, AUDIO_ONLY then stops video
     * too; both come back as the link recovers, each step told by `onSimulcastSubscribeFallback`.
     * Kept for every join. Set it before joining, as the vendor asks: turned on in a room it applies
     * from the next join (turning it off applies at once). False for a bad option.
     */
    setSubscribeFallbackOption(option: SubscribeFallbackOption): boolean;
    /** `userId`'s priority under fallback: lower priorities lose video first (LOW by default). */
    setRemoteUserPriority(userId: string, priority: RemoteUserPriority): boolean;
    /**
     * Starts public stream `publicStreamId`: the server composites the regions' users (of this
     * app's rooms) per `publicStreamParam` and publishes the result, which anyone with a token of
     * the app plays without joining. Call in a room. REPEAT_PUSH when the id is pushed already;
     * INVALID_PARAMS naming any bad parameter; NOT_CONNECTED_YET outside a room.
     */
    startPushPublicStream(publicStreamId: string, publicStreamParam: PublicStreamConfig): Promise<void>;
    /** Changes a public stream's parameters: what is given replaces what was (regions as a whole). */
    updatePublicStreamParam(publicStreamId: string, publicStreamParam: Partial<PublicStreamConfig>): Promise<void>;
    /** Stops public stream `publicStreamId`; STREAM_NOT_EXIST when it is not pushed. */
    stopPushPublicStream(publicStreamId: string): Promise<void>;
    /**
     * Plays public stream `publicStreamId` without joining its room: it shows where
     * {@link setPublicStreamVideoPlayer} says and plays its audio. Chorus plays with a token of
     * the app: the one this engine joined its room with (outside a room: NOT_CONNECTED_YET).
     * REPEAT_PLAY when it plays already.
     */
    startPlayPublicStream(publicStreamId: string): Promise<void>;
    /** Stops playing public stream `publicStreamId`. */
    stopPlayPublicStream(publicStreamId: string): Promise<void>;
    /** Where public stream `publicStreamId` shows (`renderDom`) and how (`renderMode`). */
    setPublicStreamVideoPlayer(publicStreamId: string, videoPlayerOption: Omit<VideoPlayerConfig, "userId" | "playerId">): void;
    /** Public stream `publicStreamId`'s playback volume, 0 to 400 (100 as sent). */
    setPublicStreamVolume(publicStreamId: string, volume: number): void;
    /** A played public stream's received track of `type` (undefined when it does not play or has none). */
    getPublicStreamTrack(id: string, type: "video" | "audio"): MediaStreamTrack | undefined;
    /** The latest video figures of each public stream played, by id (from its 2 s stats). */
    getPublicVideoStats(): Record<string, RemoteVideoStats>;
    /** The latest audio figures of each public stream played, by id (from its 2 s stats). */
    getPublicAudioStats(): Record<string, RemoteAudioStats>;
    /**
     * The WTN stream manager: pushes this engine's own stream under a stream id, and plays any
     * WTN or public stream, without a room (src/room/wtn.ts). One per engine.
     */
    getWTNStreamManager(): WTNStream;
    /**
     * Composites users of this room on the server and pushes the result over RTMP to
     * `transcode.url`; `onStreamMixingEvent` says how it goes (START, then START_SUCCESS, or
     * START_FAILED with ERR_PARAM_INVALID or ERR_PUSH_CDN). Already on: REPEAT_PUSH.
     */
    startLiveTranscoding(transcode: liveTranscoding.LiveTranscodeConfig): Promise<void>;
    /** Changes live transcoding's layout or video (the URL and audio cannot change). */
    updateLiveTranscoding(transcode: Partial<liveTranscoding.LiveTranscodeConfig>): Promise<void>;
    /** Stops live transcoding; nothing happens when it is off. */
    stopLiveTranscoding(): Promise<void>;
    /** The vendor's default live-transcoding parameters, `url` left empty. */
    defaultTranscoding(): Required<liveTranscoding.LiveTranscodeConfig>;
    /**
     * Forwards this user's published streams into each room of `forwardStreamInfos` (its id and
     * a token for this app, that room and this user, with a publish privilege); answers each
     * room's state. A room whose token fails is FAILURE with INVALID_TOKEN and the rest go ahead;
     * a room that later refuses or removes the user fires `onForwardStreamError`. Already started,
     * or not in a room: UNEXPECTED_INVOKE_FORWARD_STREAM. Leaving the room stops every forward.
     */
    startForwardStreamToRooms(forwardStreamInfos: ForwardStreamInfo[]): Promise<ForwardStreamStateInfo[]>;
    /** Makes `forwardStreamInfos` the target rooms: adds new ones, renews tokens, drops the rest. */
    updateForwardStreamToRooms(forwardStreamInfos: ForwardStreamInfo[]): Promise<ForwardStreamStateInfo[]>;
    /** Stops forwarding into every room; answers the rooms stopped. */
    stopForwardStreamToRooms(): Promise<ForwardStreamStateInfo[]>;
    /** Stops sending media into every target room, staying there. */
    pauseForwardStreamToAllRooms(): Promise<ForwardStreamStateInfo[]>;
    /** Sends media into every target room again after a pause. */
    resumeForwardStreamToAllRooms(): Promise<ForwardStreamStateInfo[]>;
    /**
     * Turns subtitles on for this client: what each speaker says arrives as
     * `onSubtitleMessageReceived`; `onSubtitleStateChanged` STARTED follows once the recognizer
     * is ready, ERROR (with a SUBTITLE_* code) if it fails. Already on: SUBTITLE_ALREADY_ON.
     */
    startSubtitle(config: RTCSubtitleConfig): Promise<void>;
    /** Sets the language the speakers speak; everyone with subtitles on hears UPDATED. */
    updateSubtitleConfig(config: UpdateSubtitleConfig): Promise<void>;
    /** Turns subtitles off for this client (`onSubtitleStateChanged` STOPPED). */
    stopSubtitle(): void;
    /** Sends a text message to `userId` in the room. */
    sendUserMessage(userId: string, message: string): Promise<void>;
    /** Sends bytes to `userId` in the room. */
    sendUserBinaryMessage(userId: string, message: ArrayBuffer | ArrayBufferView): Promise<void>;
    /** Sends a text message to everyone else in the room. */
    sendRoomMessage(message: string): Promise<void>;
    /** Sends bytes to everyone else in the room. */
    sendRoomBinaryMessage(message: ArrayBuffer | ArrayBufferView): Promise<void>;
    /**
     * Logs in to real-time messaging with a token made for room "". The vendor allows a null
     * token for apps that turned token checks off; a Chorus server always checks, so null (sent
     * as "") is refused with LOGIN_FAILED, as an empty token is.
     */
    login(token: string | null, userId: string): Promise<void>;
    /** Logs out of real-time messaging. */
    logout(): Promise<void>;
    /** Replaces the login token (null, as in {@link login}, is refused by the server). */
    updateLoginToken(token: string | null): Promise<void>;
    /** Whether `userId` is logged in: `USER_ONLINE_STATUS`. */
    getPeerOnlineStatus(userId: string): Promise<USER_ONLINE_STATUS>;
    /** Sends text to a logged-in user, in a room or not. */
    sendUserMessageOutsideRoom(userId: string, message: string): Promise<void>;
    /** Sends bytes to a logged-in user. */
    sendUserBinaryMessageOutsideRoom(userId: string, message: ArrayBuffer | ArrayBufferView): Promise<void>;
    /**
     * Sets the business server that `sendServerMessage` posts to; `onServerParamsSetResult`
     * follows with no argument on success, else the error's code.
     */
    setServerParams(signature: string, url: string): Promise<void>;
    /** Posts text to the business server; resolves with its response body. */
    sendServerMessage(message: string): Promise<string>;
    /** Posts bytes to the business server; resolves with its response body. */
    sendServerBinaryMessage(message: ArrayBuffer | ArrayBufferView): Promise<string>;
}
