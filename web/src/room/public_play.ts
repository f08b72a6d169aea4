/**
 * Playing public streams in the Web SDK without joining their rooms: each public stream played
 * gets an engine of its own, hidden from the app, that joins the public stream's room (named
 * `PUBLIC_STREAM_PREFIX` + id, docs/protocol.md) invisibly with the token of the app engine's
 * room, receives its one publisher (the server's compositor) and shows it in the container that
 * `setPublicStreamVideoPlayer` gave; its first frames reach the app as the public stream's
 * (`onFirstPublicStreamVideoFrameDecoded`, `onFirstPublicStreamAudioFrameDecoded`). The app's
 * own room, and its one connection, stay as they are.
 */
import { ErrorCode, PUBLIC_STREAM_PREFIX, StreamIndex, type RoomConfig } from "../generated/protocol";
import { rtcError } from "../errors";
import { checkId } from "../validate";
import { checkVolume } from "../media/volume";
import type { VideoPlayerConfig } from "../media/players";
import type { FiredEvents } from "../payloads";

const MAIN = StreamIndex.STREAM_INDEX_MAIN;

/** What a public stream's hidden engine must do: an engine of the same app and server. */
export interface PlayerEngine {
  on(
    event: string,
    listener: (payload: { userId?: string; isScreen?: boolean; width?: number; height?: number }) => void,
  ): unknown;
  joinRoom(token: string | null, roomId: string, userInfo: { userId: string }, roomConfig?: RoomConfig): Promise<void>;
  leaveRoom(): Promise<void>;
  setRemoteVideoPlayer(index: StreamIndex, config: VideoPlayerConfig): unknown;
  setPlaybackVolume(userId: string, index: StreamIndex, volume: number): void;
  destroy(): void;
}

/** Where a player's token and user id come from: the app engine's room, when it is in one. */
export type PlayerCredentials = () => { token: string | null; userId: string } | null;

/** The public streams an engine plays, with their view options and volumes. */
export class PublicStreamPlayers {
  private readonly playing = new Map<string, PlayerEngine>();
  private readonly views = new Map<string, Omit<VideoPlayerConfig, "userId" | "playerId">>();
  private readonly volumes = new Map<string, number>();

  constructor(
    private readonly makeEngine: () => PlayerEngine,
    private readonly credentials: PlayerCredentials,
    private readonly emit: <E extends keyof FiredEvents>(event: E, ...args: Parameters<FiredEvents[E]>) => void,
  ) {}

  /** Sets (or, with no `renderDom`, clears) where public stream `id` shows, now or once it plays. */
  setVideoPlayer(id: string, option: Omit<VideoPlayerConfig, "userId" | "playerId">): void {
    checkId(id, "publicStreamId", "setPublicStreamVideoPlayer");
    this.views.set(id, { ...option });
    this.playing.get(id)?.setRemoteVideoPlayer(MAIN, { ...option, userId: PUBLIC_STREAM_PREFIX + id });
  }

  /** Sets public stream `id`'s playback volume (0 to 400, 100 as sent), now or once it plays. */
  setVolume(id: string, volume: number): void {
    checkId(id, "publicStreamId", "setPublicStreamVolume");
    checkVolume(volume, "setPublicStreamVolume");
    this.volumes.set(id, volume);
    this.playing.get(id)?.setPlaybackVolume(PUBLIC_STREAM_PREFIX + id, MAIN, volume);
  }

  /**
   * Plays public stream `id`. REPEAT_PLAY when it plays already; NOT_CONNECTED_YET outside a
   * room (Chorus plays with a token of the app, and the room's is the one the engine has).
   */
  async start(id: string): Promise<void> {
    const method = "startPlayPublicStream";
    checkId(id, "publicStreamId", method);
    if (this.playing.has(id)) throw rtcError(ErrorCode.REPEAT_PLAY, `${method}: ${id} is playing already`);
    const who = this.credentials();
    if (!who)
      throw rtcError(
        ErrorCode.NOT_CONNECTED_YET,
        `${method}: Chorus plays a public stream with a token of the app; join a room first`,
      );
    const engine = this.makeEngine();
    const publisher = PUBLIC_STREAM_PREFIX + id;
    engine.on("onUserPublishStream", ({ userId }) => {
      if (userId !== publisher) return;
      const view = this.views.get(id);
      if (view?.renderDom) engine.setRemoteVideoPlayer(MAIN, { ...view, userId: publisher });
      const volume = this.volumes.get(id);
      if (volume !== undefined) engine.setPlaybackVolume(publisher, MAIN, volume);
    });
    // The hidden engine's first frames of the compositor are the public stream's.
    engine.on("onRemoteVideoFirstFrame", ({ userId, isScreen, width = 0, height = 0 }) => {
      if (userId === publisher && !isScreen)
        this.emit("onFirstPublicStreamVideoFrameDecoded", { publicStreamId: id, width, height });
    });
    engine.on("onRemoteAudioFirstFrame", ({ userId, isScreen }) => {
      if (userId === publisher && !isScreen) this.emit("onFirstPublicStreamAudioFrameDecoded", { publicStreamId: id });
    });
    this.playing.set(id, engine);
    try {
      await engine.joinRoom(who.token, publisher, { userId: who.userId }, { isAutoPublish: false });
    } catch (e) {
      this.playing.delete(id);
      engine.destroy();
      throw e;
    }
  }

  /** Stops playing public stream `id` (a no-op when it does not play). */
  async stop(id: string): Promise<void> {
    checkId(id, "publicStreamId", "stopPlayPublicStream");
    const engine = this.playing.get(id);
    if (!engine) return;
    this.playing.delete(id);
    await engine.leaveRoom().catch(() => {});
    engine.destroy();
  }

  /** Stops everything (the app engine is destroyed). */
  stopAll(): void {
    for (const id of [...this.playing.keys()]) void this.stop(id);
  }
}
