/**
 * Volumes: the capture volume of each local stream (`setCaptureVolume`, applied to what is
 * sent), the playback volume of each remote stream (`setPlaybackVolume`, applied to what
 * plays), in-ear monitoring (`setEarMonitorMode`/`setEarMonitorVolume`: the local capture
 * played back locally) and levels (`getAudioVolume`). All of it is Web Audio on the engine's
 * {@link AudioHub}: a stream at 100 % keeps its plain track and element, so nothing changes
 * for apps that never touch a volume. It knows tracks, not rooms or transports.
 */
import { ErrorCode, StreamIndex } from "../generated/protocol";
import { rtcError } from "../errors";
import { EarMonitorPosition } from "../enums/values";
import { gainOf, type AudioHub, type Level } from "./audiohub";

/** A received audio track and whose it is. */
export interface RemoteAudio {
  /** The publisher. */
  userId: string;
  /** Main or screen. */
  index: StreamIndex;
  /** The received track. */
  track: MediaStreamTrack;
}

/** Where the volumes find tracks and tell what changed. */
export interface VolumeHooks {
  /** The captured (or external) audio track of `index`. */
  local(index: StreamIndex): MediaStreamTrack | null;
  /** The audio tracks received now. */
  remote(): RemoteAudio[];
  /** The track to send on `index` changed (a capture volume came or went). */
  sendChanged(): void;
  /** Mutes (or unmutes) the element playing `userId`'s audio on `index`: Web Audio plays it. */
  muteElement(userId: string, index: StreamIndex, muted: boolean): void;
}

/** A track through a gain node. */
interface Chain {
  from: MediaStreamTrack;
  gain: GainNode;
}

/** A local track through a gain node into a track to send. */
interface SendChain extends Chain {
  out: MediaStreamAudioDestinationNode;
}

/** The level of a stream that does not exist (the vendor's: both 0). */
const MISSING: Level = { linearVolume: 0, nonlinearVolume: 0 };

const INDEXES = [StreamIndex.STREAM_INDEX_MAIN, StreamIndex.STREAM_INDEX_SCREEN];

/** The key of a remote stream. */
function key(userId: string, index: StreamIndex): string {
  return `${index}:${userId}`;
}

/** Throws INVALID_PARAMS unless `volume` is 0..400; returns it as a gain factor. */
export function checkVolume(volume: unknown, method: string): number {
  const gain = gainOf(volume);
  if (gain === null)
    throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: volume must be a number from 0 to 400 (100: unchanged)`);
  return gain;
}

/** An engine's volumes. */
export class Volumes {
  private capture = [1, 1];
  private sends: (SendChain | null)[] = [null, null];
  private playback = new Map<string, number>();
  private plays = new Map<string, Chain & { userId: string; index: StreamIndex }>();
  private earMode = [EarMonitorPosition.NONE, EarMonitorPosition.NONE];
  private earGain = [1, 1];
  private ears: (Chain | null)[] = [null, null];

  constructor(
    private readonly hub: AudioHub,
    private readonly hooks: VolumeHooks,
  ) {}

  /** Sets the capture volume of `index`: `gain` times what is captured is sent. */
  setCapture(index: StreamIndex, gain: number): void {
    const had = this.capture[index] !== 1;
    this.capture[index] = gain;
    const chain = this.sends[index];
    if (chain) chain.gain.gain.value = gain;
    if (had !== (gain !== 1)) this.hooks.sendChanged();
    this.reconcile();
  }

  /**
   * The track to send on `index`: the captured one, or at a capture volume other than 100 a
   * track of it through a gain node.
   */
  output(index: StreamIndex): MediaStreamTrack | null {
    const raw = this.hooks.local(index);
    let chain = this.sends[index];
    if (chain && (chain.from !== raw || this.capture[index] === 1)) {
      this.hub.unlink(chain.from, chain.gain);
      chain.out.stream.getTracks().forEach((t) => t.stop());
      chain = this.sends[index] = null;
    }
    if (!raw || this.capture[index] === 1) return raw;
    if (!chain) {
      const ctx = this.hub.context;
      const gain = ctx.createGain();
      const out = ctx.createMediaStreamDestination();
      this.hub.source(raw).connect(gain).connect(out);
      chain = this.sends[index] = { from: raw, gain, out };
    }
    chain.gain.gain.value = this.capture[index];
    return chain.out.stream.getAudioTracks()[0] ?? null;
  }

  /** Sets the playback volume of `userId`'s audio on `index`, now or once it plays. */
  setPlayback(userId: string, index: StreamIndex, gain: number): void {
    if (gain === 1) this.playback.delete(key(userId, index));
    else this.playback.set(key(userId, index), gain);
    this.reconcile();
  }

  /** Turns in-ear monitoring of `index` on (`position`) or off (NONE). */
  setEarMode(index: StreamIndex, position: unknown): void {
    const positions: unknown[] = [
      EarMonitorPosition.NONE,
      EarMonitorPosition.AFTER_CAPTURE,
      EarMonitorPosition.AFTER_PROCESS,
    ];
    if (!positions.includes(position))
      throw rtcError(ErrorCode.INVALID_PARAMS, "setEarMonitorMode: pass an EarMonitorPosition (0, 1 or 2)");
    this.earMode[index] = position as EarMonitorPosition;
    this.reconcile();
  }

  /** Sets the in-ear monitoring volume of `index`. */
  setEarVolume(index: StreamIndex, gain: number): void {
    this.earGain[index] = gain;
    this.reconcile();
  }

  /** The level of the local stream `index` as sent (`userId` undefined) or of a received one. */
  level(index: StreamIndex, userId?: string): Level {
    if (userId === undefined || userId === "") {
      const track = this.output(index);
      return track ? this.hub.level(track) : MISSING;
    }
    const t = this.hooks.remote().find((r) => r.userId === userId && r.index === index);
    return t ? this.hub.level(t.track) : MISSING;
  }

  /** Tracks came or went, or a setting changed: every chain follows. */
  reconcile(): void {
    // Playback: a stream at 100 % plays in its element; any other volume through a gain node.
    const live = new Map(this.hooks.remote().map((r) => [key(r.userId, r.index), r]));
    for (const [k, chain] of this.plays) {
      const r = live.get(k);
      if (r && r.track === chain.from && this.playback.has(k)) continue;
      this.hub.unlink(chain.from, chain.gain);
      chain.gain.disconnect();
      this.plays.delete(k);
      // Also when the track went: a track that comes back at 100 % plays in its element.
      this.hooks.muteElement(chain.userId, chain.index, false);
    }
    for (const [k, r] of live) {
      const gain = this.playback.get(k);
      if (gain === undefined) continue;
      let chain = this.plays.get(k);
      if (!chain) {
        const node = this.hub.context.createGain();
        this.hub.source(r.track).connect(node).connect(this.hub.context.destination);
        chain = { from: r.track, gain: node, userId: r.userId, index: r.index };
        this.plays.set(k, chain);
        this.hooks.muteElement(r.userId, r.index, true);
      }
      chain.gain.gain.value = gain;
    }
    // In-ear monitoring: the captured track (AFTER_CAPTURE) or what is sent (AFTER_PROCESS).
    for (const index of INDEXES) {
      const mode = this.earMode[index];
      const from =
        mode === EarMonitorPosition.NONE
          ? null
          : mode === EarMonitorPosition.AFTER_PROCESS
            ? this.output(index)
            : this.hooks.local(index);
      let ear = this.ears[index];
      if (ear && ear.from !== from) {
        this.hub.unlink(ear.from, ear.gain);
        ear.gain.disconnect();
        ear = this.ears[index] = null;
      }
      if (!from) continue;
      if (!ear) {
        const node = this.hub.context.createGain();
        this.hub.source(from).connect(node).connect(this.hub.context.destination);
        ear = this.ears[index] = { from, gain: node };
      }
      ear.gain.gain.value = this.earGain[index];
    }
  }

  /** Every track a chain or meter of this engine may use now. */
  inUse(): Set<MediaStreamTrack> {
    const keep = new Set<MediaStreamTrack>();
    for (const index of INDEXES) {
      const raw = this.hooks.local(index);
      if (raw) keep.add(raw);
      const sent = this.sends[index]?.out.stream.getAudioTracks()[0];
      if (sent) keep.add(sent);
    }
    for (const r of this.hooks.remote()) keep.add(r.track);
    return keep;
  }

  /** Removes every chain (leaving the room keeps settings, as the vendor's SDK does). */
  destroy(): void {
    for (const chain of [...this.sends, ...this.ears, ...this.plays.values()]) chain?.gain.disconnect();
    for (const chain of this.sends) chain?.out.stream.getTracks().forEach((t) => t.stop());
    this.sends = [null, null];
    this.ears = [null, null];
    this.plays.clear();
  }
}
