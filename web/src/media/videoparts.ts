/**
 * The video features an engine's media conductor carries besides sending and receiving:
 * encoding settings, render mirroring, player visibility, placeholder pictures and the events
 * that follow players and local tracks. One object, so the conductor wires them in one place.
 */
import { StreamIndex } from "../generated/protocol";
import { describe, type Kind } from "./capture";
import { warn } from "../log";
import { DummyImages } from "./dummy";
import { numberOf, VideoEncoding } from "./encoding";
import { Mirrors } from "./mirror";
import type { VideoPlayerView } from "./players";
import { TrackEvents, type TrackEventHooks } from "./trackevents";
import { VisibilityReports, type PlayerVisibility } from "./visibility";
import { JitterTargets, RenderSync } from "./sync";

/** An engine's video features. */
export class VideoParts {
  /** Encoding settings of the camera and the screen. */
  readonly encoding = new VideoEncoding();
  /** Render mirroring. */
  readonly mirrors: Mirrors;
  /** Periodic `onPlayerVisibility` reports. */
  readonly visibility: VisibilityReports;
  /** Events of players and local tracks. */
  readonly events: TrackEvents;
  /** Placeholder pictures sent while the camera is off. */
  readonly dummies: DummyImages;
  /** Whether received audio and video play in sync. */
  readonly sync = new RenderSync();
  /** Jitter buffer targets of received streams. */
  readonly jitter: JitterTargets;

  constructor(
    players: () => VideoPlayerView[],
    hooks: TrackEventHooks,
    receiver: (userId: string, index: StreamIndex, kind: Kind) => RTCRtpReceiver | undefined,
  ) {
    this.jitter = new JitterTargets({ receiver, emit: hooks.emit });
    this.mirrors = new Mirrors(players);
    this.visibility = new VisibilityReports(players, (all: PlayerVisibility[]) =>
      hooks.emit("onPlayerVisibility", all),
    );
    this.events = new TrackEvents(hooks);
    this.dummies = new DummyImages((index) => {
      const c = index === StreamIndex.STREAM_INDEX_MAIN ? this.encoding.camera : this.encoding.screen;
      return [numberOf(c.width), numberOf(c.height)];
    });
  }

  /** A video player was bound, or got another track. */
  playerChanged(view: VideoPlayerView): void {
    this.mirrors.apply(view);
    this.visibility.update();
    this.events.playerChanged(view);
  }

  /** A local track changed. */
  localTrack(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void {
    this.events.localTrack(index, kind, track);
    if (kind === "video") this.checkLocalSize(index, track);
  }

  /** Reports the size `track` captures when it is not what the encoder asked for. */
  checkLocalSize(index: StreamIndex, track: MediaStreamTrack | null): void {
    const config = index === StreamIndex.STREAM_INDEX_MAIN ? this.encoding.camera : this.encoding.screen;
    this.events.checkLocalSize(index, track, config);
  }

  /**
   * Applies changed settings of stream `index` to what is captured and sent: `constraints` to
   * `track` when the SDK captured it (an app's track stays as the app made it), the encoding
   * to `sender`; then reports a size other than the one asked for.
   */
  async apply(
    index: StreamIndex,
    track: MediaStreamTrack | null,
    owned: boolean,
    constraints: MediaTrackConstraints,
    sender: RTCRtpSender | undefined,
  ): Promise<void> {
    if (track && owned)
      await track.applyConstraints(constraints).catch((e) => warn("capture settings not applied:", describe(e)));
    if (sender) await this.encoding.tune(index, sender);
    this.checkLocalSize(index, track);
  }

  /** Stops everything. */
  destroy(): void {
    this.visibility.stop();
    this.dummies.destroy();
  }
}
