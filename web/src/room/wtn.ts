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
import { ErrorCode, MediaType, PUBLIC_STREAM_PREFIX, StreamIndex, VideoSourceType } from "../generated/protocol";
import {
  WTNPlayState,
  WTNPlayStateChangedReason,
  WTNPushState,
  WTNPushStateChangedReason,
  WTNRemoteAudioState,
  WTNRemoteAudioStateChangeReason,
  WTNRemoteVideoState,
  WTNRemoteVideoStateChangeReason,
} from "../enums/wtn";
import { AudioSourceType } from "../enums/values";
import { Emitter } from "../emitter";
import { RtcError, rtcError } from "../errors";
import { checkId } from "../validate";
import type { VideoPlayerConfig } from "../media/players";
import type { PlayerVisibility } from "../media/visibility";
import type { RemoteStreamStats } from "../media/statstypes";
import type { LocalStatsException, RemoteStatsException } from "../media/statsexceptions";
import type { PublicStreamPlayers, PlayerEngine } from "./public_play";
import { tokenUser } from "./token_user";
import type { WTNStreamEvents } from "./wtn_events";

const MAIN = StreamIndex.STREAM_INDEX_MAIN;

/** What a pushing hidden engine must do: an engine of the same app and server. */
export interface PushEngine {
  on(event: string, listener: (...payload: any[]) => void): unknown;
  joinRoom(
    token: string | null,
    roomId: string,
    userInfo: { userId: string },
    roomConfig?: { isAutoPublish?: boolean; isAutoSubscribeAudio?: boolean; isAutoSubscribeVideo?: boolean },
  ): Promise<void>;
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

/** One stream this engine pushes. */
interface Push {
  engine: PushEngine;
  started: number;
  /** Whether the audio and the video are being sent (captured and not muted). */
  sending: { audio: boolean; video: boolean };
  tracks: { audio: boolean; video: boolean };
}

/** One stream this engine plays through the manager. */
interface Play {
  started: number;
  audio: WTNRemoteAudioState;
  video: WTNRemoteVideoState;
}

/** A failure of `method` as the vendor's code for it, keeping the codes the caller acts on. */
function failed(e: unknown, code: ErrorCode, method: string): Error {
  const kept = [ErrorCode.REPEAT_PUSH, ErrorCode.REPEAT_PLAY, ErrorCode.INVALID_PARAMS];
  if (e instanceof RtcError && kept.includes(e.code)) return e;
  const cause = e instanceof RtcError ? `${e.code}: ${e.message}` : String(e);
  return rtcError(code, `${method}: ${cause}`);
}

/** The vendor's `IWTNStream`: push one's own stream, play any stream, without a room. */
export class WTNStream extends Emitter {
  private readonly pushes = new Map<string, Push>();
  private readonly plays = new Map<string, Play>();

  /** Made by the engine's `getWTNStreamManager`. */
  constructor(private readonly host: WTNHost) {
    super();
  }

  private fire<E extends keyof WTNStreamEvents>(event: E, ...args: Parameters<WTNStreamEvents[E]>): void {
    this.emit(event, ...args);
  }

  private pushState(
    streamId: string,
    started: number,
    oldState: WTNPushState,
    newState: WTNPushState,
    reason: WTNPushStateChangedReason,
  ): void {
    const elapse = Math.round(performance.now() - started);
    this.fire("onWTNPushStateChanged", { streamId, oldState, newState, reason, elapse });
  }

  private playState(
    streamId: string,
    started: number,
    oldState: WTNPlayState,
    newState: WTNPlayState,
    reason: WTNPlayStateChangedReason,
  ): void {
    const elapse = Math.round(performance.now() - started);
    this.fire("onWTNPlayStateChanged", { streamId, oldState, newState, reason, elapse });
  }

  /**
   * Publishes the engine's camera and microphone (what it captures now) as WTN stream
   * `streamId`, with `videoMute`/`audioMute` holding either back. `token`: of the app, any
   * room, with the publish privilege. REPEAT_PUSH when the id is pushed already (here, by
   * anyone of the app, or as a public stream); INVALID_PARAMS for a bad id; WTN_PUSH_FAILED
   * for anything else, naming the cause. Fires `onWTNPushStateChanged` (START, then SUCCESS or
   * FAIL).
   */
  async startPushWTN(token: string | null, streamId: string, videoMute: boolean, audioMute: boolean): Promise<void> {
    const method = "startPushWTN";
    checkId(streamId, "streamId", method);
    if (this.pushes.has(streamId)) throw rtcError(ErrorCode.REPEAT_PUSH, `${method}: ${streamId} is pushed already`);
    const user = tokenUser(token);
    if (!user) throw rtcError(ErrorCode.WTN_PUSH_FAILED, `${method}: a token of the app is needed`);
    const started = performance.now();
    this.pushState(streamId, started, WTNPushState.INIT, WTNPushState.START, WTNPushStateChangedReason.START_PUSH);
    const engine = this.host.makeEngine();
    const tracks = { audio: false, video: false };
    const video = this.host.localTrack("video");
    const audio = this.host.localTrack("audio");
    const push: Push = { engine, started, tracks, sending: { audio: false, video: false } };
    this.pushes.set(streamId, push);
    try {
      if (video) {
        await engine.setVideoSourceType(MAIN, VideoSourceType.VIDEO_SOURCE_TYPE_EXTERNAL);
        await engine.setExternalVideoTrack(MAIN, video);
        tracks.video = true;
      }
      if (audio) {
        await engine.setAudioSourceType(MAIN, AudioSourceType.AUDIO_SOURCE_TYPE_EXTERNAL);
        await engine.setExternalAudioTrack(MAIN, audio);
        tracks.audio = true;
      }
      engine.on("onLocalStatsException", (e: LocalStatsException) => {
        if (!e.isScreen) this.fire("onWTNLocalStatsException", { exception: e.exception, code: e.code, streamId });
      });
      const stream = PUBLIC_STREAM_PREFIX + streamId;
      await engine.joinRoom(
        token,
        stream,
        { userId: stream },
        { isAutoPublish: false, isAutoSubscribeAudio: false, isAutoSubscribeVideo: false },
      );
      push.sending = { audio: tracks.audio && !audioMute, video: tracks.video && !videoMute };
      const mask = (push.sending.audio ? MediaType.AUDIO : 0) | (push.sending.video ? MediaType.VIDEO : 0);
      if (mask) await engine.publishStream(mask);
    } catch (e) {
      if (this.pushes.get(streamId) === push) this.pushes.delete(streamId);
      engine.destroy();
      const code = e instanceof RtcError ? e.code : undefined;
      const reason =
        code === ErrorCode.NO_PUBLISH_PERMISSION
          ? WTNPushStateChangedReason.NO_PUSH_PERMISSION
          : code === ErrorCode.REPEAT_PUSH
            ? WTNPushStateChangedReason.STREAM_PUSH_BY_OTHER
            : WTNPushStateChangedReason.RETRY_FAIL;
      this.pushState(streamId, started, WTNPushState.START, WTNPushState.FAIL, reason);
      throw failed(e, ErrorCode.WTN_PUSH_FAILED, method);
    }
    this.pushState(streamId, started, WTNPushState.START, WTNPushState.SUCCESS, WTNPushStateChangedReason.PUSH_SUCCESS);
  }

  /** Stops pushing `streamId` (a no-op when this engine does not push it); players see it stop. */
  async stopPushWTN(streamId: string): Promise<void> {
    checkId(streamId, "streamId", "stopPushWTN");
    const push = this.pushes.get(streamId);
    if (!push) return;
    this.pushes.delete(streamId);
    await push.engine.leaveRoom().catch(() => {});
    push.engine.destroy();
    this.pushState(
      streamId,
      push.started,
      WTNPushState.SUCCESS,
      WTNPushState.STOP,
      WTNPushStateChangedReason.STOP_PUSH,
    );
  }

  private pushed(streamId: string, method: string): Push {
    checkId(streamId, "streamId", method);
    const push = this.pushes.get(streamId);
    if (!push) throw rtcError(ErrorCode.STREAM_NOT_EXIST, `${method}: this engine does not push ${streamId}`);
    return push;
  }

  private async mutePush(streamId: string, kind: "audio" | "video", mute: boolean, method: string): Promise<void> {
    const push = this.pushed(streamId, method);
    const send = !mute && push.tracks[kind];
    if (send === push.sending[kind]) return;
    push.sending[kind] = send;
    const type = kind === "audio" ? MediaType.AUDIO : MediaType.VIDEO;
    await (send ? push.engine.publishStream(type) : push.engine.unpublishStream(type));
  }

  /**
   * Stops (`mute`) or resumes sending a pushed stream's audio (unpublished and published
   * again, so players see REMOTE_STOP and REMOTE_START); STREAM_NOT_EXIST when not pushed here.
   * The push itself goes on, so no `onWTNPushStateChanged` fires.
   */
  muteWTNLocalAudio(streamId: string, mute: boolean): Promise<void> {
    return this.mutePush(streamId, "audio", mute, "muteWTNLocalAudio");
  }

  /** As {@link muteWTNLocalAudio}, for the video. */
  muteWTNLocalVideo(streamId: string, mute: boolean): Promise<void> {
    return this.mutePush(streamId, "video", mute, "muteWTNLocalVideo");
  }

  /**
   * Puts `sei` into the next `repeatCount + 1` frames of a pushed stream's video, where
   * players get it as `onWTNSEIMessageReceived` (the engine's `sendSEIMessage` rules and
   * errors); STREAM_NOT_EXIST when the stream is not pushed here.
   */
  sendWTNSEIMessage(streamId: string, sei: Uint8Array, repeatCount: number): void {
    this.pushed(streamId, "sendWTNSEIMessage").engine.sendSEIMessage(MAIN, sei, repeatCount);
  }

  /**
   * Plays WTN stream or public stream `streamId`, with no room: `token` is of the app, for the
   * room `streamId`, with the subscribe privilege. `videoMute`/`audioMute` leave that part
   * unreceived. It shows where `setWTNRemoteVideoPlayer` says. REPEAT_PLAY when this engine
   * plays it already (either way); WTN_PLAY_FAILED for anything else, naming the cause. Fires
   * `onWTNPlayStateChanged`, then the remote states, first frames and stats as they come.
   */
  async startPlayWTN(token: string | null, streamId: string, videoMute: boolean, audioMute: boolean): Promise<void> {
    const method = "startPlayWTN";
    checkId(streamId, "streamId", method);
    const players = this.host.players;
    if (players.plays(streamId)) throw rtcError(ErrorCode.REPEAT_PLAY, `${method}: ${streamId} is playing already`);
    const user = tokenUser(token);
    if (!user) throw rtcError(ErrorCode.WTN_PLAY_FAILED, `${method}: a token of the app is needed`);
    const play: Play = {
      started: performance.now(),
      audio: WTNRemoteAudioState.STOPED,
      video: WTNRemoteVideoState.STOPED,
    };
    this.plays.set(streamId, play);
    this.playState(streamId, play.started, WTNPlayState.INIT, WTNPlayState.START, WTNPlayStateChangedReason.START_PLAY);
    try {
      await players.start(streamId, {
        who: { token, userId: user },
        method,
        audioMute,
        videoMute,
        observe: (engine, publisher) => this.observe(streamId, play, engine, publisher),
      });
    } catch (e) {
      if (this.plays.get(streamId) === play) this.plays.delete(streamId);
      const reason =
        e instanceof RtcError && e.code === ErrorCode.INVALID_TOKEN
          ? WTNPlayStateChangedReason.NO_PLAY_PERMISSION
          : WTNPlayStateChangedReason.INTERNAL;
      this.playState(streamId, play.started, WTNPlayState.START, WTNPlayState.FAIL, reason);
      throw failed(e, ErrorCode.WTN_PLAY_FAILED, method);
    }
    this.playState(
      streamId,
      play.started,
      WTNPlayState.START,
      WTNPlayState.SUCCESS,
      WTNPlayStateChangedReason.PLAY_SUCCESS,
    );
  }

  private audioState(
    streamId: string,
    play: Play,
    state: WTNRemoteAudioState,
    reason: WTNRemoteAudioStateChangeReason,
  ): void {
    if (play.audio === state || this.plays.get(streamId) !== play) return;
    play.audio = state;
    this.fire("onWTNRemoteAudioStateChanged", { streamId, state, reason });
  }

  private videoState(
    streamId: string,
    play: Play,
    state: WTNRemoteVideoState,
    reason: WTNRemoteVideoStateChangeReason,
  ): void {
    if (play.video === state || this.plays.get(streamId) !== play) return;
    play.video = state;
    this.fire("onWTNRemoteVideoStateChanged", { streamId, state, reason });
  }

  /** Turns the hidden engine's events about the stream's publisher into the manager's. */
  private observe(streamId: string, play: Play, engine: PlayerEngine, publisher: string): void {
    const mine = (e: { userId: string; isScreen?: boolean }): boolean => e.userId === publisher && !e.isScreen;
    const change = (mediaType: MediaType, up: boolean): void => {
      if (mediaType & MediaType.AUDIO)
        up
          ? this.audioState(streamId, play, WTNRemoteAudioState.STARTING, WTNRemoteAudioStateChangeReason.REMOTE_START)
          : this.audioState(streamId, play, WTNRemoteAudioState.STOPED, WTNRemoteAudioStateChangeReason.REMOTE_STOP);
      if (mediaType & MediaType.VIDEO)
        up
          ? this.videoState(streamId, play, WTNRemoteVideoState.STARTING, WTNRemoteVideoStateChangeReason.REMOTE_START)
          : this.videoState(streamId, play, WTNRemoteVideoState.STOPED, WTNRemoteVideoStateChangeReason.REMOTE_STOP);
    };
    engine.on("onUserPublishStream", (e: { userId: string; mediaType: MediaType }) => {
      if (e.userId === publisher) change(e.mediaType, true);
    });
    engine.on("onUserUnpublishStream", (e: { userId: string; mediaType: MediaType }) => {
      if (e.userId === publisher) change(e.mediaType, false);
    });
    engine.on("onUserLeave", (e: { userInfo?: { userId: string }; userId?: string }) => {
      if ((e.userInfo?.userId ?? e.userId) === publisher) change(MediaType.AUDIO_AND_VIDEO, false);
    });
    engine.on("onRemoteVideoFirstFrame", (e: { userId: string; isScreen: boolean }) => {
      if (!mine(e)) return;
      this.fire("onWTNFirstRemoteVideoFrameDecoded", { streamId });
      this.videoState(streamId, play, WTNRemoteVideoState.DECODING, WTNRemoteVideoStateChangeReason.REMOTE_START);
    });
    engine.on("onRemoteAudioFirstFrame", (e: { userId: string; isScreen: boolean }) => {
      if (mine(e))
        this.audioState(streamId, play, WTNRemoteAudioState.DECODING, WTNRemoteAudioStateChangeReason.REMOTE_START);
    });
    engine.on("onSEIMessageReceived", (e: { remoteStreamKey: { userId: string }; sei: Uint8Array }) => {
      if (e.remoteStreamKey.userId === publisher) this.fire("onWTNSEIMessageReceived", { streamId, sei: e.sei });
    });
    engine.on("onRemoteStreamStats", (s: RemoteStreamStats) => {
      if (!mine(s)) return;
      this.fire("onWTNRemoteVideoStats", { streamId, videoStats: s.videoStats });
      this.fire("onWTNRemoteAudioStats", { streamId, audioStats: s.audioStats });
    });
    engine.on("onRemoteStatsException", (e: RemoteStatsException) => {
      if (mine(e)) this.fire("onWTNRemoteStatsException", { exception: e.exception, code: e.code, streamId });
    });
  }

  /** Stops playing `streamId` (a no-op when it does not play). */
  async stopPlayWTN(streamId: string): Promise<void> {
    const method = "stopPlayWTN";
    checkId(streamId, "streamId", method);
    const play = this.plays.get(streamId);
    this.plays.delete(streamId);
    await this.host.players.stop(streamId, method);
    if (play)
      this.playState(
        streamId,
        play.started,
        WTNPlayState.SUCCESS,
        WTNPlayState.STOP,
        WTNPlayStateChangedReason.STOP_PLAY,
      );
  }

  private async muteRemote(streamId: string, kind: MediaType, mute: boolean, method: string): Promise<void> {
    checkId(streamId, "streamId", method);
    const play = this.plays.get(streamId);
    if (!play) throw rtcError(ErrorCode.STREAM_NOT_EXIST, `${method}: ${streamId} does not play here`);
    await this.host.players.setReceiving(streamId, kind, !mute);
    if (kind === MediaType.AUDIO)
      mute
        ? this.audioState(streamId, play, WTNRemoteAudioState.STOPED, WTNRemoteAudioStateChangeReason.MUTE)
        : this.audioState(streamId, play, WTNRemoteAudioState.STARTING, WTNRemoteAudioStateChangeReason.UNMUTE);
    else
      mute
        ? this.videoState(streamId, play, WTNRemoteVideoState.STOPED, WTNRemoteVideoStateChangeReason.MUTE)
        : this.videoState(streamId, play, WTNRemoteVideoState.STARTING, WTNRemoteVideoStateChangeReason.UNMUTE);
  }

  /** Stops (`mute`) or resumes receiving a played stream's audio. */
  muteWTNRemoteAudio(streamId: string, mute: boolean): Promise<void> {
    return this.muteRemote(streamId, MediaType.AUDIO, mute, "muteWTNRemoteAudio");
  }

  /** Stops (`mute`) or resumes receiving a played stream's video. */
  muteWTNRemoteVideo(streamId: string, mute: boolean): Promise<void> {
    return this.muteRemote(streamId, MediaType.VIDEO, mute, "muteWTNRemoteVideo");
  }

  /** Where stream `streamId` shows (`renderDom`) and how, now or once it plays; its video element if shown. */
  setWTNRemoteVideoPlayer(
    streamId: string,
    videoPlayerOption: Omit<VideoPlayerConfig, "userId" | "playerId">,
  ): HTMLVideoElement | undefined {
    return this.host.players.setVideoPlayer(streamId, videoPlayerOption, "setWTNRemoteVideoPlayer");
  }

  /** Stream `streamId`'s playback volume, 0 to 400 (100 as sent), now or once it plays. */
  setWTNRemoteAudioPlaybackVolume(streamId: string, volume: number): void {
    this.host.players.setVolume(streamId, volume, "setWTNRemoteAudioPlaybackVolume");
  }

  /** Whether stream `streamId`'s player is visible, if it plays and shows. */
  getWTNVideoPlayerVisibility(streamId: string): PlayerVisibility | undefined {
    checkId(streamId, "streamId", "getWTNVideoPlayerVisibility");
    return this.host.players.visibility(streamId);
  }

  /** Stops every push and play (the engine is destroyed). */
  stopAll(): void {
    for (const id of [...this.pushes.keys()]) void this.stopPushWTN(id);
    for (const id of [...this.plays.keys()]) void this.stopPlayWTN(id);
  }
}
