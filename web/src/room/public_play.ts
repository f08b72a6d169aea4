/**
 * Playing public streams and WTN streams in the Web SDK without joining their rooms: each
 * stream played gets an engine of its own, hidden from the app, that joins the stream's room
 * (named `PUBLIC_STREAM_PREFIX` + id, docs/protocol.md) invisibly, receives its one publisher
 * (the server's compositor, or a WTN pusher) and shows it in the container that
 * `setPublicStreamVideoPlayer` gave. Its first frames, SEI, stats and tracks reach the app as
 * the public stream's. The engine's `startPlayPublicStream` and the WTN manager's
 * `startPlayWTN` both play here, so one stream plays once (REPEAT_PLAY). The app's own room,
 * and its one connection, stay as they are.
 */
import { ErrorCode, MediaType, PUBLIC_STREAM_PREFIX, StreamIndex, type RoomConfig } from "../generated/protocol";
import { rtcError } from "../errors";
import { checkId } from "../validate";
import { checkVolume } from "../media/volume";
import type { VideoPlayerConfig } from "../media/players";
import type { PlayerVisibility } from "../media/visibility";
import type { RemoteAudioStats, RemoteStreamStats, RemoteVideoStats } from "../media/statstypes";
import type { FiredEvents } from "../payloads";

const MAIN = StreamIndex.STREAM_INDEX_MAIN;

/** What a hidden engine must do: an engine of the same app and server. */
export interface PlayerEngine {
  on(event: string, listener: (...payload: any[]) => void): unknown;
  joinRoom(token: string | null, roomId: string, userInfo: { userId: string }, roomConfig?: RoomConfig): Promise<void>;
  leaveRoom(): Promise<void>;
  setRemoteVideoPlayer(index: StreamIndex, config: VideoPlayerConfig): HTMLVideoElement | undefined;
  setPlaybackVolume(userId: string, index: StreamIndex, volume: number): void;
  getRemoteStreamTrack(userId: string, index: StreamIndex, type: "video" | "audio"): MediaStreamTrack | undefined;
  getRemotePlayerVisibility(userId: string, index: StreamIndex): PlayerVisibility | undefined;
  subscribeStream(userId: string, mediaType: MediaType): Promise<void>;
  unsubscribeStream(userId: string, mediaType: MediaType): Promise<void>;
  destroy(): void;
}

/** Where a player's token and user id come from: the app engine's room, when it is in one. */
export type PlayerCredentials = () => { token: string | null; userId: string } | null;

/** How {@link PublicStreamPlayers.start} plays: the WTN manager's choices. */
export interface PlayOptions {
  /** The token and user to play as (default: the app engine's room's). */
  who?: { token: string | null; userId: string };
  /** The calling method, named in errors. */
  method?: string;
  /** Whether the audio, the video, start unsubscribed. */
  audioMute?: boolean;
  videoMute?: boolean;
  /** Sees the hidden engine before it joins, to add listeners of its own. */
  observe?: (engine: PlayerEngine, publisher: string) => void;
}

/** The public streams an engine plays, with their view options, volumes and latest stats. */
export class PublicStreamPlayers {
  private readonly playing = new Map<string, PlayerEngine>();
  private readonly views = new Map<string, Omit<VideoPlayerConfig, "userId" | "playerId">>();
  private readonly volumes = new Map<string, number>();
  private readonly stats = new Map<string, RemoteStreamStats>();

  constructor(
    private readonly makeEngine: () => PlayerEngine,
    private readonly credentials: PlayerCredentials,
    private readonly emit: <E extends keyof FiredEvents>(event: E, ...args: Parameters<FiredEvents[E]>) => void,
  ) {}

  /** Sets (or, with no `renderDom`, clears) where stream `id` shows, now or once it plays. */
  setVideoPlayer(
    id: string,
    option: Omit<VideoPlayerConfig, "userId" | "playerId">,
    method = "setPublicStreamVideoPlayer",
  ): HTMLVideoElement | undefined {
    checkId(id, "publicStreamId", method);
    this.views.set(id, { ...option });
    return this.playing.get(id)?.setRemoteVideoPlayer(MAIN, { ...option, userId: PUBLIC_STREAM_PREFIX + id });
  }

  /** Sets stream `id`'s playback volume (0 to 400, 100 as sent), now or once it plays. */
  setVolume(id: string, volume: number, method = "setPublicStreamVolume"): void {
    checkId(id, "publicStreamId", method);
    checkVolume(volume, method);
    this.volumes.set(id, volume);
    this.playing.get(id)?.setPlaybackVolume(PUBLIC_STREAM_PREFIX + id, MAIN, volume);
  }

  /** Whether stream `id` plays here. */
  plays(id: string): boolean {
    return this.playing.has(id);
  }

  /** Stream `id`'s received track of `type`, if it plays and the publisher sends one. */
  track(id: string, type: "video" | "audio"): MediaStreamTrack | undefined {
    return this.playing.get(id)?.getRemoteStreamTrack(PUBLIC_STREAM_PREFIX + id, MAIN, type);
  }

  /** Stream `id`'s player's visibility, named by the stream id, if it plays and shows. */
  visibility(id: string): PlayerVisibility | undefined {
    const seen = this.playing.get(id)?.getRemotePlayerVisibility(PUBLIC_STREAM_PREFIX + id, MAIN);
    return seen && { ...seen, descriptor: { mediaType: seen.descriptor.mediaType, streamId: id } };
  }

  /** Subscribes to, or drops, stream `id`'s audio or video (the WTN manager's remote mutes). */
  async setReceiving(id: string, mediaType: MediaType, receive: boolean): Promise<void> {
    const engine = this.playing.get(id);
    if (!engine) return;
    const publisher = PUBLIC_STREAM_PREFIX + id;
    await (receive ? engine.subscribeStream(publisher, mediaType) : engine.unsubscribeStream(publisher, mediaType));
  }

  /** The latest video figures of each stream played (from the last 2 s stats). */
  videoStats(): Record<string, RemoteVideoStats> {
    return Object.fromEntries([...this.stats].map(([id, s]) => [id, s.videoStats]));
  }

  /** The latest audio figures of each stream played (from the last 2 s stats). */
  audioStats(): Record<string, RemoteAudioStats> {
    return Object.fromEntries([...this.stats].map(([id, s]) => [id, s.audioStats]));
  }

  /**
   * Plays stream `id`. REPEAT_PLAY when it plays already; without `options.who`,
   * NOT_CONNECTED_YET outside a room (the engine's `startPlayPublicStream` takes no token, so
   * it plays with its room's).
   */
  async start(id: string, options: PlayOptions = {}): Promise<void> {
    const method = options.method ?? "startPlayPublicStream";
    checkId(id, "publicStreamId", method);
    if (this.playing.has(id)) throw rtcError(ErrorCode.REPEAT_PLAY, `${method}: ${id} is playing already`);
    const who = options.who ?? this.credentials();
    if (!who)
      throw rtcError(
        ErrorCode.NOT_CONNECTED_YET,
        `${method}: Chorus plays a public stream with a token of the app; join a room first`,
      );
    const engine = this.makeEngine();
    const publisher = PUBLIC_STREAM_PREFIX + id;
    const mine = (e: { userId?: string; isScreen?: boolean }): boolean => e.userId === publisher && !e.isScreen;
    engine.on("onUserPublishStream", ({ userId }: { userId: string }) => {
      if (userId !== publisher) return;
      const view = this.views.get(id);
      if (view?.renderDom) engine.setRemoteVideoPlayer(MAIN, { ...view, userId: publisher });
      const volume = this.volumes.get(id);
      if (volume !== undefined) engine.setPlaybackVolume(publisher, MAIN, volume);
    });
    // The hidden engine's first frames of the publisher are the stream's.
    engine.on("onRemoteVideoFirstFrame", (e: { userId: string; isScreen: boolean; width: number; height: number }) => {
      if (mine(e))
        this.emit("onFirstPublicStreamVideoFrameDecoded", { publicStreamId: id, width: e.width, height: e.height });
    });
    engine.on("onRemoteAudioFirstFrame", (e: { userId: string; isScreen: boolean }) => {
      if (mine(e)) this.emit("onFirstPublicStreamAudioFrameDecoded", { publicStreamId: id });
    });
    engine.on("onVideoFirstFrameRendered", (e: { userId: string; isScreen: boolean }) => {
      if (mine(e)) this.emit("onFirstPublicStreamVideoFrameRendered", { publicStreamId: id });
    });
    engine.on("onSEIMessageReceived", (e: { remoteStreamKey: { userId: string }; sei: Uint8Array }) => {
      if (e.remoteStreamKey.userId === publisher)
        this.emit("onPublicStreamSEIMessageReceived", { publicStreamId: id, sei: e.sei });
    });
    engine.on("onRemoteStreamStats", (s: RemoteStreamStats) => {
      if (!mine(s) || this.playing.get(id) !== engine) return;
      this.stats.set(id, s);
      const { userId: _user, isScreen: _screen, ...figures } = s;
      this.emit("onPublicStreamStats", { ...figures, publicStreamId: id });
    });
    options.observe?.(engine, publisher);
    this.playing.set(id, engine);
    try {
      await engine.joinRoom(
        who.token,
        publisher,
        { userId: who.userId },
        { isAutoPublish: false, isAutoSubscribeAudio: !options.audioMute, isAutoSubscribeVideo: !options.videoMute },
      );
    } catch (e) {
      if (this.playing.get(id) === engine) this.playing.delete(id);
      engine.destroy();
      throw e;
    }
  }

  /** Stops playing stream `id` (a no-op when it does not play). */
  async stop(id: string, method = "stopPlayPublicStream"): Promise<void> {
    checkId(id, "publicStreamId", method);
    const engine = this.playing.get(id);
    if (!engine) return;
    this.playing.delete(id);
    this.stats.delete(id);
    await engine.leaveRoom().catch(() => {});
    engine.destroy();
  }

  /** Stops everything (the app engine is destroyed). */
  stopAll(): void {
    for (const id of [...this.playing.keys()]) void this.stop(id);
  }
}
