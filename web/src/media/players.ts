/**
 * Players: `<video>` elements the SDK puts in the app's containers (`set*VideoPlayer`) and
 * hidden `<audio>` elements that play every received audio track. Video is muted, so it always
 * autoplays; audio may be refused without a user gesture, which is reported
 * (`onAutoplayFailed`) and retried on the page's next click or key press. As in the vendor's
 * SDK, one stream may show in several players, each named by a `playerId` (none: the default).
 */
import { ErrorCode, MediaType, StreamIndex, VideoRenderMode } from "../generated/protocol";
import { rtcError } from "../errors";
import type { AutoPlayFailedEvent, PlayerEvent } from "../payloads";

/** Where and how to render a video (`setLocalVideoPlayer` / `setRemoteVideoPlayer`). */
export interface VideoPlayerConfig {
  /** The container: an element or its id. Omit it (or pass null) to remove the player. */
  renderDom?: HTMLElement | string | null;
  /** Whose video: needed for remote players; for local ones, only the id their events carry. */
  userId?: string;
  /** How the picture fills the container (default RENDER_MODE_HIDDEN: cover and crop). */
  renderMode?: VideoRenderMode;
  /** Which of the stream's players (none: the default one). */
  playerId?: string;
  /** The vendor's rotation of remote video; Chorus renders unrotated and ignores it. */
  rotation?: number;
}

/** What players report. */
export interface PlayerEvents {
  autoplayFailed(payload: AutoPlayFailedEvent): void;
  playerEvent(payload: PlayerEvent): void;
  /** A video player was bound or got another track (or none): mirror, visibility and first-frame watchers follow. */
  videoChanged?(view: VideoPlayerView): void;
}

/** A video player as the modules that decorate or watch it see it. */
export interface VideoPlayerView {
  /** Its element. */
  readonly el: HTMLVideoElement | HTMLAudioElement;
  /** The user its events name (for local players, the id the app gave). */
  readonly userId: string;
  /** Whose stream it shows: the publisher, or "" for a local player. */
  readonly owner: string;
  /** Main or screen. */
  readonly index: StreamIndex;
  /** The player, when not the default one. */
  readonly playerId?: string;
  /** The track it shows now. */
  readonly current: MediaStreamTrack | null;
}

const FIT: Record<number, string> = {
  [VideoRenderMode.RENDER_MODE_HIDDEN]: "cover",
  [VideoRenderMode.RENDER_MODE_FIT]: "contain",
  [VideoRenderMode.RENDER_MODE_FILL]: "fill",
};

const REPORTED = ["playing", "pause", "waiting", "ended", "error", "stalled"];

/** Resolves a `renderDom` option, or throws CANT_FIND_DOM. */
export function findDom(dom: HTMLElement | string, method: string): HTMLElement {
  const el = typeof dom === "string" ? document.getElementById(dom) : dom;
  if (!el || !(el instanceof HTMLElement)) {
    throw rtcError(
      ErrorCode.CANT_FIND_DOM,
      `${method}: the render container ${typeof dom === "string" ? `#${dom}` : ""} does not exist; pass an element in the page or its id`,
    );
  }
  return el;
}

/** One media element bound to a track. */
class Player implements VideoPlayerView {
  readonly el: HTMLVideoElement | HTMLAudioElement;
  private track: MediaStreamTrack | null = null;
  /** Paused by `stop` until `play`: a new track does not restart it. */
  stopped = false;

  constructor(
    readonly kind: "audio" | "video",
    readonly userId: string,
    readonly index: StreamIndex,
    private readonly events: PlayerEvents,
    private readonly blocked: Set<Player>,
    readonly playerId?: string,
    /** Whose stream it shows: `userId`, or "" for a local player (which reports the app's `userId`). */
    readonly owner: string = userId,
  ) {
    this.el = document.createElement(kind);
    this.el.autoplay = true;
    if (kind === "video") {
      const video = this.el as HTMLVideoElement;
      video.muted = true;
      video.playsInline = true;
      video.style.cssText = "width:100%;height:100%;display:block;background:#000;";
    }
    this.el.dataset.chorusUser = userId;
    this.el.dataset.chorusStream = String(index);
    const isScreen = index === StreamIndex.STREAM_INDEX_SCREEN;
    for (const type of REPORTED)
      this.el.addEventListener(type, (rawEvent) =>
        events.playerEvent({
          userId,
          type: kind,
          streamIndex: index,
          eventName: rawEvent.type,
          rawEvent,
          readyState: this.el.readyState,
          currentTime: this.el.currentTime,
          isScreen,
          ...(playerId === undefined ? {} : { playerId }),
        }),
      );
  }

  setMode(mode: VideoRenderMode = VideoRenderMode.RENDER_MODE_HIDDEN): void {
    this.el.style.objectFit = FIT[mode] ?? "cover";
  }

  get current(): MediaStreamTrack | null {
    return this.track;
  }

  attach(track: MediaStreamTrack | null): void {
    if (track === this.track) return;
    this.track = track;
    this.el.srcObject = track ? new MediaStream([track]) : null;
    if (track && !this.stopped) this.play();
    if (this.kind === "video") this.events.videoChanged?.(this);
  }

  play(): Promise<void> {
    this.stopped = false;
    return this.el.play().then(
      () => {
        this.blocked.delete(this);
      },
      (e: DOMException) => {
        if (e?.name !== "NotAllowedError" || !this.track) return;
        this.blocked.add(this);
        this.events.autoplayFailed({
          userId: this.userId,
          kind: this.kind,
          streamIndex: this.index,
          mediaType: this.kind === "audio" ? MediaType.AUDIO : MediaType.VIDEO,
          ...(this.playerId === undefined ? {} : { playerId: this.playerId }),
        });
      },
    );
  }

  destroy(): void {
    this.el.srcObject = null;
    this.el.remove();
    this.blocked.delete(this);
  }
}

/** The key of a video player: its stream, its user ("" for local players), its player id. */
function videoKey(index: StreamIndex, userId: string, playerId: string | undefined): string {
  return JSON.stringify([index, userId, playerId ?? ""]);
}

/** Every player of an engine. */
export class Players {
  // Video players, local ones under the user id "".
  private video = new Map<string, Player>();
  private audio = new Map<string, Player>();
  private blocked = new Set<Player>();
  private sinkId: string | null = null;
  // Remote audio that Web Audio plays (at a playback volume), whose elements stay muted.
  private mutedAudio = new Set<string>();
  private readonly retry = () => {
    for (const p of [...this.blocked]) p.play();
  };

  constructor(private readonly events: PlayerEvents) {
    document.addEventListener("pointerdown", this.retry, true);
    document.addEventListener("keydown", this.retry, true);
  }

  /**
   * Shows `track` (when there is one) in `config.renderDom`, in the player `config.playerId`;
   * no renderDom removes that player. Returns the player's `<video>`, if any.
   */
  setLocal(
    index: StreamIndex,
    config: VideoPlayerConfig | undefined,
    track: MediaStreamTrack | null,
  ): HTMLVideoElement | undefined {
    return this.bind(index, "", config, track, "setLocalVideoPlayer");
  }

  /** The local stream's track changed. */
  localTrack(index: StreamIndex, track: MediaStreamTrack | null): void {
    this.remoteTrack("", index, track);
  }

  /** Like {@link setLocal}, for `config.userId`'s video. */
  setRemote(
    index: StreamIndex,
    config: VideoPlayerConfig,
    track: MediaStreamTrack | null,
  ): HTMLVideoElement | undefined {
    if (!config || typeof config.userId !== "string" || config.userId === "")
      throw rtcError(
        ErrorCode.INVALID_PARAMS,
        "setRemoteVideoPlayer: pass {userId, renderDom, renderMode?, playerId?}",
      );
    return this.bind(index, config.userId, config, track, "setRemoteVideoPlayer");
  }

  /** A remote video track appeared, changed or went (null): every player of the stream follows. */
  remoteTrack(userId: string, index: StreamIndex, track: MediaStreamTrack | null): void {
    for (const p of this.video.values()) if (p.owner === userId && p.index === index) p.attach(track);
  }

  /** Plays (or stops playing, with null) a remote user's audio. */
  remoteAudio(userId: string, index: StreamIndex, track: MediaStreamTrack | null): void {
    const key = `${index}:${userId}`;
    let player = this.audio.get(key);
    if (!track) {
      player?.destroy();
      this.audio.delete(key);
      return;
    }
    if (!player) {
      player = new Player("audio", userId, index, this.events, this.blocked);
      if (this.sinkId !== null) void (player.el as any).setSinkId?.(this.sinkId).catch(() => {});
      this.audio.set(key, player);
    }
    player.el.muted = this.mutedAudio.has(key);
    player.attach(track);
  }

  /** Mutes `userId`'s audio element on `index` (now and when it comes): it plays elsewhere. */
  muteAudio(userId: string, index: StreamIndex, muted: boolean): void {
    const key = `${index}:${userId}`;
    if (muted) this.mutedAudio.add(key);
    else this.mutedAudio.delete(key);
    const player = this.audio.get(key);
    if (player) player.el.muted = muted;
  }

  /** The `<video>` showing `userId`'s stream (null: the local one): its default player, else any. */
  videoElement(index: StreamIndex, userId: string | null): HTMLVideoElement | null {
    const user = userId ?? "";
    const p =
      this.video.get(videoKey(index, user, undefined)) ??
      [...this.video.values()].find((v) => v.owner === user && v.index === index);
    return (p?.el as HTMLVideoElement) ?? null;
  }

  /**
   * Retries the players the browser refused to start: those of `userId` (all when none is
   * given), narrowed to `mediaType`, `index` and `playerId` when given. Resolves once they tried.
   */
  async play(userId?: string, mediaType?: MediaType, index?: StreamIndex, playerId?: string): Promise<void> {
    const wanted = (p: Player) =>
      (!userId || p.userId === userId) &&
      matches(p, mediaType, index) &&
      (playerId === undefined || p.playerId === playerId || p.kind === "audio");
    const all = [...this.video.values(), ...this.audio.values()];
    const waiting = new Set([...this.blocked, ...all.filter((p) => p.stopped)]);
    await Promise.all([...waiting].filter(wanted).map((p) => p.play().catch(() => {})));
  }

  /**
   * Pauses players, as the vendor's `stop`: `userId`'s (none or "": the local ones), of
   * `mediaType` (default both) and stream `index` (default both), the player `playerId` (none:
   * the default one; audio has only that). They stay bound and paused, a new track too, until
   * {@link play}. Nothing is unsubscribed.
   */
  stop(userId?: string, mediaType?: MediaType, index?: StreamIndex, playerId?: string): void {
    const owner = userId ?? "";
    const wanted = (p: Player) =>
      p.owner === owner && matches(p, mediaType, index) && (p.kind === "audio" || p.playerId === playerId);
    for (const p of [...this.video.values(), ...this.audio.values()].filter(wanted)) {
      p.stopped = true;
      this.blocked.delete(p);
      p.el.pause();
    }
  }

  /** Every video player, local and remote. */
  videoPlayers(): VideoPlayerView[] {
    return [...this.video.values()];
  }

  /** The output device chosen with {@link setSinkId} (null: the system default). */
  get outputId(): string | null {
    return this.sinkId;
  }

  /** Sends remote audio to another output device ("default" is always accepted). */
  async setSinkId(deviceId: string): Promise<void> {
    const proto = HTMLMediaElement.prototype as any;
    if (typeof proto.setSinkId !== "function")
      throw rtcError(
        ErrorCode.NOT_SUPPORTED,
        "setAudioPlaybackDevice: this browser cannot choose the audio output device",
      );
    if (typeof deviceId !== "string")
      throw rtcError(
        ErrorCode.INVALID_DEVICE_ID,
        "setAudioPlaybackDevice: pass a deviceId from enumerateAudioPlaybackDevices()",
      );
    // Without microphone permission the browser may list no outputs; the default still exists.
    if (deviceId !== "default") {
      const outputs = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "audiooutput");
      if (!outputs.some((d) => d.deviceId === deviceId))
        throw rtcError(
          ErrorCode.INVALID_DEVICE_ID,
          `setAudioPlaybackDevice: no audio output device has id ${deviceId}; pick one from enumerateAudioPlaybackDevices()`,
        );
    }
    this.sinkId = deviceId;
    await Promise.all([...this.audio.values()].map((p) => (p.el as any).setSinkId(deviceId)));
  }

  /** Removes every remote player's track (leaving the room); the players stay bound. */
  clearRemote(): void {
    for (const p of this.video.values()) if (p.owner !== "") p.attach(null);
    for (const p of this.audio.values()) p.destroy();
    this.audio.clear();
  }

  /** Removes every player. */
  destroy(): void {
    document.removeEventListener("pointerdown", this.retry, true);
    document.removeEventListener("keydown", this.retry, true);
    for (const p of [...this.video.values(), ...this.audio.values()]) p.destroy();
    this.video.clear();
    this.audio.clear();
  }

  private bind(
    index: StreamIndex,
    userId: string,
    config: VideoPlayerConfig | undefined,
    track: MediaStreamTrack | null,
    method: string,
  ): HTMLVideoElement | undefined {
    if (config !== undefined && (config === null || typeof config !== "object"))
      throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: pass {renderDom, renderMode?, playerId?}`);
    const playerId = config?.playerId;
    const k = videoKey(index, userId, playerId);
    const dom = config?.renderDom;
    // Find the container first: a wrong one fails without removing the player in place.
    const container = dom === undefined || dom === null ? null : findDom(dom, method);
    this.video.get(k)?.destroy();
    this.video.delete(k);
    if (!container) return undefined;
    // A local player reports the user id the app gave it, as before the vendor made it optional.
    const reported = userId === "" ? (config?.userId ?? "") : userId;
    const player = new Player("video", reported, index, this.events, this.blocked, playerId, userId);
    player.setMode(config?.renderMode);
    container.appendChild(player.el);
    this.video.set(k, player);
    player.attach(track);
    if (!track) this.events.videoChanged?.(player);
    return player.el as HTMLVideoElement;
  }
}

/** Whether `p` is of `mediaType` (none or both: any) and on `index` (none: any). */
function matches(p: Player, mediaType: MediaType | undefined, index: StreamIndex | undefined): boolean {
  const kindOk =
    mediaType === undefined ||
    mediaType === MediaType.AUDIO_AND_VIDEO ||
    (mediaType === MediaType.AUDIO) === (p.kind === "audio");
  return kindOk && (index === undefined || p.index === index);
}
