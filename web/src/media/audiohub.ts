/**
 * The engine's one Web Audio context and what every audio feature builds on it: sources for
 * tracks, level meters, and the level scales apps see. The context is made on first use and
 * resumed on the page's next click or key press when the browser's autoplay rules keep it
 * suspended (as the players retry their elements). It knows nothing of rooms or transports.
 */

/** The highest volume the vendor's volume calls take, in percent: four times the amplitude. */
export const MAX_VOLUME = 400;

/** A 0..400 percentage (100: unchanged) as a gain factor, or null when it is not one. */
export function gainOf(volume: unknown): number | null {
  if (typeof volume !== "number" || !Number.isFinite(volume) || volume < 0 || volume > MAX_VOLUME) return null;
  return volume / 100;
}

/** Levels as the vendor reports them (`AudioPropertiesInfo`, `getAudioVolume`). */
export interface Level {
  /** 0..255, linear in amplitude: 255 is a full-scale sine. */
  linearVolume: number;
  /** -127..0 dB relative to a full-scale sine. */
  nonlinearVolume: number;
}

/** The level of silence (and of a stream that does not exist). */
export const SILENT: Level = { linearVolume: 0, nonlinearVolume: -127 };

/**
 * The level of `samples`: their RMS scaled by √2, so a sine of amplitude `a` reads `a`
 * (255·a linear, 20·log10(a) dB), the scale WebRTC's `audioLevel` uses for a tone.
 */
export function levelOf(samples: Float32Array): Level {
  let sum = 0;
  for (const s of samples) sum += s * s;
  const amplitude = Math.min(1, Math.sqrt(sum / Math.max(1, samples.length)) * Math.SQRT2);
  const db = amplitude > 0 ? 20 * Math.log10(amplitude) : -127;
  return {
    linearVolume: Math.round(amplitude * 255),
    // `|| 0`: a full-scale level rounds to -0, which apps should see as 0.
    nonlinearVolume: Math.max(-127, Math.min(0, Math.round(db))) || 0,
  };
}

/** Samples a meter looks back over: about a third of a second at 48 kHz. */
const METER_WINDOW = 16384;
/** Samples of one slice a level is measured over (about 43 ms at 48 kHz). */
const METER_SLICE = 2048;

/** A meter on one track. */
interface Meter {
  track: MediaStreamTrack;
  analyser: AnalyserNode;
  buffer: Float32Array<ArrayBuffer>;
}

/** The engine's audio context, its track sources and meters. */
export class AudioHub {
  private ctx: AudioContext | null = null;
  private sources = new Map<MediaStreamTrack, MediaStreamAudioSourceNode>();
  private meters = new Map<MediaStreamTrack, Meter>();
  private readonly resume = () => {
    if (this.ctx?.state === "suspended") void this.ctx.resume().catch(() => {});
  };

  /** The context, made on first use. */
  get context(): AudioContext {
    if (!this.ctx) {
      this.ctx = new AudioContext();
      document.addEventListener("pointerdown", this.resume, true);
      document.addEventListener("keydown", this.resume, true);
      this.resume();
    }
    return this.ctx;
  }

  /** Resolves once the context runs (or, when the browser holds it until a gesture, after a moment; the next click resumes it). */
  async resumed(): Promise<void> {
    if (this.context.state !== "suspended") return;
    // A resume the browser holds back until a gesture would never settle: wait a moment only.
    await Promise.race([this.context.resume().catch(() => {}), new Promise((r) => setTimeout(r, 200))]);
  }

  /** Whether the context exists (nothing audio was asked for yet when not). */
  get started(): boolean {
    return this.ctx !== null;
  }

  /** A source node for `track` (one per track, shared by every user of it). */
  source(track: MediaStreamTrack): MediaStreamAudioSourceNode {
    let node = this.sources.get(track);
    if (!node) {
      node = this.context.createMediaStreamSource(new MediaStream([track]));
      this.sources.set(track, node);
    }
    return node;
  }

  /** Disconnects `track`'s source from `node` (a no-op when either is gone already). */
  unlink(track: MediaStreamTrack, node: AudioNode): void {
    try {
      this.sources.get(track)?.disconnect(node);
    } catch {
      // Not connected (the source was pruned and made anew).
    }
  }

  /**
   * The current level of `track`. A meter starts on the first call, so that call (and any
   * for a track that is gone) reads silence.
   */
  level(track: MediaStreamTrack | null): Level {
    if (!track || track.readyState !== "live") return SILENT;
    let meter = this.meters.get(track);
    if (!meter) {
      const analyser = this.context.createAnalyser();
      analyser.fftSize = METER_WINDOW;
      this.source(track).connect(analyser);
      meter = { track, analyser, buffer: new Float32Array(analyser.fftSize) };
      this.meters.set(track, meter);
      return SILENT;
    }
    meter.analyser.getFloatTimeDomainData(meter.buffer);
    // The loudest slice of the last third of a second: reports read every 100 ms or more,
    // and a short sound (a word, a beep) between two reads must still show in one of them.
    let loudest = SILENT;
    for (let at = 0; at + METER_SLICE <= meter.buffer.length; at += METER_SLICE) {
      const level = levelOf(meter.buffer.subarray(at, at + METER_SLICE));
      if (level.linearVolume > loudest.linearVolume) loudest = level;
    }
    return loudest;
  }

  /** Drops the sources and meters of tracks not in `keep`. */
  prune(keep: Set<MediaStreamTrack>): void {
    for (const [track, meter] of this.meters)
      if (!keep.has(track)) {
        meter.analyser.disconnect();
        this.meters.delete(track);
      }
    for (const [track, node] of this.sources)
      if (!keep.has(track)) {
        node.disconnect();
        this.sources.delete(track);
      }
  }

  /** Closes the context. */
  destroy(): void {
    document.removeEventListener("pointerdown", this.resume, true);
    document.removeEventListener("keydown", this.resume, true);
    this.sources.clear();
    this.meters.clear();
    void this.ctx?.close().catch(() => {});
    this.ctx = null;
  }
}
