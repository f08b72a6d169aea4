/**
 * Players: `<video>` elements the SDK puts in the app's containers (`set*VideoPlayer`) and
 * hidden `<audio>` elements that play every received audio track. Video is muted, so it always
 * autoplays; audio may be refused without a user gesture, which is reported
 * (`onAutoplayFailed`) and retried on the page's next click or key press.
 */
import { ErrorCode, StreamIndex, VideoRenderMode } from "../generated/protocol";
import { rtcError } from "../errors";

/** Where and how to render a video (`setLocalVideoPlayer` / `setRemoteVideoPlayer`). */
export interface VideoPlayerConfig {
  /** The container: an element or its id. Omit it to remove the player. */
  renderDom?: HTMLElement | string | null;
  /** Whose video. */
  userId: string;
  /** How the picture fills the container (default HIDDEN: cover and crop). */
  renderMode?: VideoRenderMode;
}

/** What players report. */
export interface PlayerEvents {
  autoplayFailed(payload: { userId: string; kind: "audio" | "video"; streamIndex: StreamIndex }): void;
  playerEvent(payload: { userId: string; type: "audio" | "video"; streamIndex: StreamIndex; rawEvent: Event }): void;
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
class Player {
  readonly el: HTMLVideoElement | HTMLAudioElement;
  private track: MediaStreamTrack | null = null;

  constructor(
    readonly kind: "audio" | "video",
    readonly userId: string,
    readonly index: StreamIndex,
    private readonly events: PlayerEvents,
    private readonly blocked: Set<Player>,
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
    for (const type of REPORTED)
      this.el.addEventListener(type, (rawEvent) =>
        events.playerEvent({ userId, type: kind, streamIndex: index, rawEvent }),
      );
  }

  setMode(mode: VideoRenderMode = VideoRenderMode.RENDER_MODE_HIDDEN): void {
    this.el.style.objectFit = FIT[mode] ?? "cover";
  }

  attach(track: MediaStreamTrack | null): void {
    if (track === this.track) return;
    this.track = track;
    this.el.srcObject = track ? new MediaStream([track]) : null;
    if (track) this.play();
  }

  play(): void {
    this.el.play().then(
      () => this.blocked.delete(this),
      (e: DOMException) => {
        if (e?.name !== "NotAllowedError" || !this.track) return;
        this.blocked.add(this);
        this.events.autoplayFailed({ userId: this.userId, kind: this.kind, streamIndex: this.index });
      },
    );
  }

  destroy(): void {
    this.el.srcObject = null;
    this.el.remove();
    this.blocked.delete(this);
  }
}

/** Every player of an engine. */
export class Players {
  private local: (Player | null)[] = [null, null];
  private remote = new Map<string, Player>();
  private audio = new Map<string, Player>();
  private blocked = new Set<Player>();
  private sinkId: string | null = null;
  private readonly retry = () => {
    for (const p of [...this.blocked]) p.play();
  };

  constructor(private readonly events: PlayerEvents) {
    document.addEventListener("pointerdown", this.retry, true);
    document.addEventListener("keydown", this.retry, true);
  }

  /** Shows `track` (when there is one) in `config.renderDom`; no renderDom removes the player. */
  setLocal(index: StreamIndex, config: VideoPlayerConfig, track: MediaStreamTrack | null): void {
    const next = this.mount(config, index, track, "setLocalVideoPlayer");
    this.local[index]?.destroy();
    this.local[index] = next;
  }

  /** The local player's track changed. */
  localTrack(index: StreamIndex, track: MediaStreamTrack | null): void {
    this.local[index]?.attach(track);
  }

  /** Like {@link setLocal}, for a remote user's video. */
  setRemote(index: StreamIndex, config: VideoPlayerConfig, track: MediaStreamTrack | null): void {
    const next = this.mount(config, index, track, "setRemoteVideoPlayer");
    const key = `${index}:${config.userId}`;
    this.remote.get(key)?.destroy();
    if (next) this.remote.set(key, next);
    else this.remote.delete(key);
  }

  /** A remote video track appeared, changed or went (null). */
  remoteTrack(userId: string, index: StreamIndex, track: MediaStreamTrack | null): void {
    this.remote.get(`${index}:${userId}`)?.attach(track);
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
    player.attach(track);
  }

  /** The `<video>` showing `userId`'s stream (local players under the local user id). */
  videoElement(index: StreamIndex, userId: string | null): HTMLVideoElement | null {
    const p = userId === null ? this.local[index] : this.remote.get(`${index}:${userId}`);
    return (p?.el as HTMLVideoElement) ?? null;
  }

  /** Retries players of `userId` (or all) that the browser refused to start. */
  play(userId?: string): void {
    for (const p of [...this.blocked]) if (!userId || p.userId === userId) p.play();
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
    for (const p of this.remote.values()) p.attach(null);
    for (const p of this.audio.values()) p.destroy();
    this.audio.clear();
  }

  /** Removes every player. */
  destroy(): void {
    document.removeEventListener("pointerdown", this.retry, true);
    document.removeEventListener("keydown", this.retry, true);
    for (const p of [...this.local, ...this.remote.values(), ...this.audio.values()]) p?.destroy();
    this.local = [null, null];
    this.remote.clear();
    this.audio.clear();
  }

  private mount(
    config: VideoPlayerConfig,
    index: StreamIndex,
    track: MediaStreamTrack | null,
    method: string,
  ): Player | null {
    if (!config || typeof config.userId !== "string")
      throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: pass {renderDom, userId, renderMode?}`);
    if (config.renderDom === undefined || config.renderDom === null) return null;
    const container = findDom(config.renderDom, method);
    const player = new Player("video", config.userId, index, this.events, this.blocked);
    player.setMode(config.renderMode);
    container.appendChild(player.el);
    player.attach(track);
    return player;
  }
}
