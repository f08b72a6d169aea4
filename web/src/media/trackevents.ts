/**
 * Video and track events that follow players and local tracks: `onVideoFirstFrameRendered`
 * (a remote player showed its first frame), `onRemoteVideoSizeChanged` (the size of a remote
 * picture changed), `onLocalVideoSizeChanged` (the camera or screen captures another size than
 * the encoder asked for) and `onTrackMute`/`onTrackUnmute` (a local source stopped or resumed
 * delivering frames or samples). Depends on the players' view and plain tracks only.
 */
import { StreamIndex } from "../generated/protocol";
import type { Kind } from "./capture";
import { numberOf, type VideoEncoderConfig } from "./encoding";
import type { VideoPlayerView } from "./players";
import type { RemoteStreamKey } from "../payloads";

/**
 * `onVideoFirstFrameRendered`: a remote player showed its first frame of a track (again after
 * it gets another track).
 */
export interface VideoFirstFrameRenderedEvent {
  /** Whose video. */
  userId: string;
  /** In pixels. */
  width: number;
  /** In pixels. */
  height: number;
  /** Whether it is the screen stream. */
  isScreen: boolean;
  /** The player, when not the default one. */
  playerId?: string;
}

/** `onVideoFirstFrameDecoded`: the first frame of a remote video decoded. */
export interface VideoFirstFrameDecodedEvent {
  /** Whose video. */
  userId: string;
  /** In pixels. */
  height: number;
  /** In pixels. */
  width: number;
}

/** A picture's size. */
export interface VideoSize {
  /** In pixels. */
  width: number;
  /** In pixels. */
  height: number;
}

/** `onLocalVideoSizeChanged`: what a local stream captures, where it is not what was asked. */
export interface LocalVideoSizeChangedEvent {
  /** Main or screen. */
  streamIndex: StreamIndex;
  /** The size captured. */
  info: VideoSize;
}

/** `onTrackMute` / `onTrackUnmute`: a local source stopped or resumed delivering media. */
export interface TrackMuteEvent {
  /** "audio" or "video". */
  kind: string;
  /** Whether it is the screen stream. */
  isScreen: boolean;
}

/** What the watchers need from the engine. */
export interface TrackEventHooks {
  /** Emits an engine event. */
  emit(event: string, ...args: unknown[]): void;
  /** The room, when in one. */
  roomId(): string | undefined;
}

/** Watches players and local tracks for the events above. */
export class TrackEvents {
  private rendered = new WeakMap<VideoPlayerView, MediaStreamTrack>();
  private resizing = new WeakSet<HTMLElement>();
  private sizes = new Map<string, string>();
  /** The largest picture seen of each remote stream (its highest layer, as far as seen). */
  private largest = new Map<string, VideoSize>();
  private muteWatched = new WeakSet<MediaStreamTrack>();

  constructor(private readonly hooks: TrackEventHooks) {}

  /** A video player was bound or got another track. */
  playerChanged(view: VideoPlayerView): void {
    if (view.owner === "") return;
    this.watchFirstRender(view);
    this.watchResize(view);
  }

  /** A local track of `kind` on `index` is now `track`: mute and unmute are reported. */
  localTrack(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void {
    if (!track || this.muteWatched.has(track)) return;
    this.muteWatched.add(track);
    const payload = (): TrackMuteEvent => ({ kind, isScreen: index === StreamIndex.STREAM_INDEX_SCREEN });
    track.addEventListener("mute", () => this.hooks.emit("onTrackMute", payload()));
    track.addEventListener("unmute", () => this.hooks.emit("onTrackUnmute", payload()));
  }

  /**
   * Compares what `track` captures with what `config` asked for; reports the size captured
   * when it differs (in either side by more than a pixel).
   */
  checkLocalSize(index: StreamIndex, track: MediaStreamTrack | null, config: VideoEncoderConfig): void {
    if (!track) return;
    const { width, height } = track.getSettings();
    const [wantW, wantH] = [numberOf(config.width), numberOf(config.height)];
    if (width === undefined || height === undefined) return;
    const off = (got: number, want: number | undefined) => want !== undefined && Math.abs(got - want) > 1;
    if (off(width, wantW) || off(height, wantH))
      this.hooks.emit("onLocalVideoSizeChanged", {
        streamIndex: index,
        info: { width, height },
      } satisfies LocalVideoSizeChangedEvent);
  }

  /** Forgets the remote sizes seen (leaving the room). */
  reset(): void {
    this.sizes.clear();
    this.largest.clear();
  }

  /** The largest picture of `userId`'s stream `index` shown so far, if any. */
  largestSize(userId: string, index: StreamIndex): VideoSize | undefined {
    return this.largest.get(`${index}:${userId}`);
  }

  private watchFirstRender(view: VideoPlayerView): void {
    const track = view.current;
    const video = view.el as HTMLVideoElement;
    if (!track || this.rendered.get(view) === track || typeof video.requestVideoFrameCallback !== "function") return;
    this.rendered.set(view, track);
    video.requestVideoFrameCallback((_now, frame) => {
      if (view.current !== track) return;
      const payload: VideoFirstFrameRenderedEvent = {
        userId: view.owner,
        width: frame.width,
        height: frame.height,
        isScreen: view.index === StreamIndex.STREAM_INDEX_SCREEN,
      };
      if (view.playerId !== undefined) payload.playerId = view.playerId;
      this.hooks.emit("onVideoFirstFrameRendered", payload);
    });
  }

  private watchResize(view: VideoPlayerView): void {
    const video = view.el as HTMLVideoElement;
    if (this.resizing.has(video)) return;
    this.resizing.add(video);
    video.addEventListener("resize", () => {
      const roomId = this.hooks.roomId();
      const { videoWidth: width, videoHeight: height } = video;
      if (roomId === undefined || !width || !height) return;
      const key = `${view.index}:${view.owner}`;
      const size = `${width}x${height}`;
      const top = this.largest.get(key);
      if (!top || width * height > top.width * top.height) this.largest.set(key, { width, height });
      if (this.sizes.get(key) === size) return;
      this.sizes.set(key, size);
      const stream: RemoteStreamKey = { roomId, userId: view.owner, streamIndex: view.index };
      this.hooks.emit("onRemoteVideoSizeChanged", stream, { width, height } satisfies VideoSize);
    });
  }
}
