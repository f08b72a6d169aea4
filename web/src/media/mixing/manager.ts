/**
 * Audio mixing (`engine.getAudioMixingManager()`, the vendor's `IAudioMixingManager`): audio
 * files fetched and decoded by the browser, and AudioBuffers the app pushes, mixed into the
 * published microphone stream, local playout, or both ({@link AudioMixingType}). Every change
 * and every failure is reported as `onAudioMixingStateChanged` `{mixId, state, error}`;
 * `startAudioMixing` and `preloadAudioMixing` also reject with LOAD_RESOURCES_FAILED when the
 * file cannot be fetched or decoded, as the contract says.
 *
 * The PCM buffer API has no id in the vendor's Web SDK: its events carry
 * {@link PCM_MIXING_ID}, and a file on that id is AUDIO_MIXING_ERROR_ID_TYPE_NOT_MATCH.
 * Plays through {@link MixGraph}; tells the media conductor (through {@link MixingHooks})
 * when the main audio should switch between the microphone and the mix.
 */
import { AudioMixingError, AudioMixingState, AudioMixingType, ErrorCode } from "../../generated/protocol";
import { rtcError } from "../../errors";
import { warn } from "../../log";
import type { AudioMixingStateChangedEvent } from "../../payloads";
import { MixGraph } from "./graph";
import type { AudioFrameData } from "../audioframes";
import { MAX_VOLUME } from "../audiohub";

/** How `startAudioMixing` plays a file (the vendor's `MixOption`). */
export interface MixOption {
  /** How many times: 1 once (the default), more that many times, 0 or less for ever. */
  playCount: number;
  /** Local playout, the room, or both (the default). */
  type?: AudioMixingType;
}

/** The id the events of the PCM buffer API carry (it has no id of its own). */
export const PCM_MIXING_ID = -1;

/** The longest file `preloadAudioMixing` keeps, in seconds (the vendor's limit). */
const PRELOAD_MAX_S = 20;
/** The frame sizes `setAudioFrameCallback` takes. */
const FRAME_SIZES = [256, 512, 1024, 2048, 4096, 8192, 16384];

/** What the manager needs from the engine. */
export interface MixingHooks {
  /** Emits an engine event. */
  emit(event: string, ...args: unknown[]): void;
  /** Whether the main audio should now be the mix rather than the microphone changed. */
  sendingChanged(): void;
}

/** A file being played. */
interface Playback {
  type: AudioMixingType;
  /** Passes to play, 0 for ever. */
  plays: number;
  /** Seconds of the whole run played when `startedAt` was taken (all passes). */
  elapsed: number;
  /** Context time the current source started (or null while paused). */
  startedAt: number | null;
  source: AudioBufferSourceNode | null;
}

/** A file on an id. */
interface FileMix {
  url: string;
  buffer: AudioBuffer;
  preloaded: boolean;
  volume: number;
  gain: GainNode;
  playback: Playback | null;
  tap: ScriptProcessorNode | null;
}

/** The PCM buffer mixing. */
interface BufferMix {
  type: AudioMixingType;
  gain: GainNode;
  /** Context time the next pushed buffer starts. */
  next: number;
  volume: number;
}

function publishes(type: AudioMixingType): boolean {
  return type !== AudioMixingType.PLAYOUT;
}

function plays(type: AudioMixingType): boolean {
  return type !== AudioMixingType.PUBLISH;
}

/** An engine's audio mixing. */
export class AudioMixingManager {
  private graph: MixGraph | null = null;
  private files = new Map<number, FileMix>();
  private pcm: BufferMix | null = null;
  private wasSending = false;

  constructor(private readonly hooks: MixingHooks) {}

  /** The track the main audio m-line sends: the mix while something is mixed for the room, else `mic`. */
  sendTrack(mic: MediaStreamTrack | null): MediaStreamTrack | null {
    if (!this.graph) return mic;
    this.graph.setMic(mic);
    return this.sending() ? this.graph.track : mic;
  }

  /**
   * Plays `filePath` on `id` `options.playCount` times. A file already playing on `id` stops
   * first. Rejects with LOAD_RESOURCES_FAILED when the file cannot be fetched or decoded
   * (AUDIO_MIXING_ERROR_START_FAILED in the event).
   */
  async startAudioMixing(id: number, filePath: string, options: MixOption = { playCount: 1 }): Promise<void> {
    if (this.refuseFileOn(id)) return;
    const type = options?.type ?? AudioMixingType.PLAYOUT_AND_PUBLISH;
    if (!(type in AudioMixingType))
      throw rtcError(ErrorCode.INVALID_PARAMS, `startAudioMixing: ${type} is not an AudioMixingType`);
    const existing = this.files.get(id);
    if (existing?.preloaded && existing.url !== filePath) {
      this.fail(
        id,
        AudioMixingError.AUDIO_MIXING_ERROR_LOAD_CONFLICT,
        `id ${id} holds the preloaded ${existing.url}; unloadAudioMixing(${id}) first`,
      );
      return;
    }
    const buffer =
      existing?.url === filePath
        ? existing.buffer
        : await this.load(id, filePath, "startAudioMixing", AudioMixingError.AUDIO_MIXING_ERROR_START_FAILED);
    const mix = this.files.get(id) ?? this.newFile(filePath, buffer, false);
    if (mix.playback) this.halt(mix);
    mix.url = filePath;
    mix.buffer = buffer;
    this.files.set(id, mix);
    const count = Number.isFinite(options?.playCount) ? Math.floor(options.playCount) : 1;
    mix.playback = { type, plays: Math.max(0, count), elapsed: 0, startedAt: null, source: null };
    this.route(mix, type);
    this.play(id, mix);
    this.state(id, AudioMixingState.AUDIO_MIXING_STATE_PLAYING);
    this.followSending();
  }

  /** Stops the file on `id` and unloads it (the vendor's behaviour). */
  stopAudioMixing(id: number): void {
    const mix = this.file(id);
    if (!mix) return;
    this.halt(mix);
    this.drop(id, mix);
    this.state(id, AudioMixingState.AUDIO_MIXING_STATE_STOPPED);
    this.followSending();
  }

  /** Pauses the file playing on `id`. */
  pauseAudioMixing(id: number): void {
    const mix = this.playing(id);
    if (!mix?.playback || mix.playback.startedAt === null) return;
    mix.playback.elapsed = this.elapsed(mix.playback);
    mix.playback.startedAt = null;
    this.silence(mix.playback);
    this.state(id, AudioMixingState.AUDIO_MIXING_STATE_PAUSED);
  }

  /** Resumes the file paused on `id`. */
  resumeAudioMixing(id: number): void {
    const mix = this.playing(id);
    if (!mix?.playback || mix.playback.startedAt !== null) return;
    this.play(id, mix);
    this.state(id, AudioMixingState.AUDIO_MIXING_STATE_PLAYING);
  }

  /**
   * Fetches and decodes `filePath` (at most 20 s of audio) and keeps it on `id`. A file
   * playing on `id` stops. Rejects with LOAD_RESOURCES_FAILED when it cannot be fetched or
   * decoded or is too long (AUDIO_MIXING_ERROR_PRELOAD_FAILED in the event).
   */
  async preloadAudioMixing(id: number, filePath: string): Promise<void> {
    if (this.refuseFileOn(id)) return;
    const error = AudioMixingError.AUDIO_MIXING_ERROR_PRELOAD_FAILED;
    const buffer = await this.load(id, filePath, "preloadAudioMixing", error);
    if (buffer.duration > PRELOAD_MAX_S) {
      const message = `preloadAudioMixing: ${filePath} lasts ${buffer.duration.toFixed(1)} s; a preload holds at most ${PRELOAD_MAX_S} s (play longer files with startAudioMixing)`;
      this.fail(id, error, message);
      throw rtcError(ErrorCode.LOAD_RESOURCES_FAILED, message);
    }
    const old = this.files.get(id);
    if (old) {
      if (old.playback) this.state(id, AudioMixingState.AUDIO_MIXING_STATE_STOPPED);
      this.halt(old);
      this.drop(id, old);
    }
    this.files.set(id, this.newFile(filePath, buffer, true));
    this.state(id, AudioMixingState.AUDIO_MIXING_STATE_PRELOADED);
    this.followSending();
  }

  /** Forgets the file on `id`, stopping it. */
  unloadAudioMixing(id: number): void {
    const mix = this.file(id);
    if (!mix) return;
    this.halt(mix);
    this.drop(id, mix);
    this.state(id, AudioMixingState.AUDIO_MIXING_STATE_STOPPED);
    this.followSending();
  }

  /** Sets the volume of `id` (a file, or {@link PCM_MIXING_ID}), 0 to 400 percent of the original. */
  setAudioMixingVolume(id: number, volume: number): void {
    if (typeof volume !== "number" || !(volume >= 0 && volume <= MAX_VOLUME)) {
      this.fail(
        id,
        AudioMixingError.AUDIO_MIXING_ERROR_INVALID_VOLUME,
        `a mixing volume is 0 to ${MAX_VOLUME} (100 is the original), not ${volume}`,
      );
      return;
    }
    const mix = id === PCM_MIXING_ID ? this.pcm : this.file(id);
    if (!mix) {
      if (id === PCM_MIXING_ID) this.notFound(id);
      return;
    }
    mix.volume = volume;
    mix.gain.gain.value = volume / 100;
  }

  /** The volume of `id`, or 0 when there is no such mixing. */
  getAudioMixingVolume(id: number): number {
    const mix = id === PCM_MIXING_ID ? this.pcm : this.file(id);
    return mix?.volume ?? 0;
  }

  /** The length of the file on `id` in ms, or -1 when there is none. */
  getAudioMixingDuration(id: number): number {
    const mix = this.file(id);
    return mix ? Math.round(mix.buffer.duration * 1000) : -1;
  }

  /** Where the file playing on `id` is, in ms, or -1 when none plays. */
  getAudioMixingCurrentPosition(id: number): number {
    const mix = this.playing(id);
    if (!mix?.playback) return -1;
    return Math.round((this.elapsed(mix.playback) % mix.buffer.duration) * 1000);
  }

  /** Moves the file playing on `id` to `position` ms (AUDIO_MIXING_ERROR_SET_POSITION_FAILED past its end). */
  setAudioMixingPosition(id: number, position: number): void {
    const mix = this.playing(id);
    if (!mix?.playback) return;
    const duration = mix.buffer.duration;
    if (typeof position !== "number" || !(position >= 0 && position <= duration * 1000)) {
      this.fail(
        id,
        AudioMixingError.AUDIO_MIXING_ERROR_SET_POSITION_FAILED,
        `setAudioMixingPosition: ${position} ms is outside the file (0 to ${Math.round(duration * 1000)} ms)`,
      );
      return;
    }
    const p = mix.playback;
    const pass = Math.floor(this.elapsed(p) / duration);
    p.elapsed = pass * duration + Math.min(position / 1000, duration - 1e-3);
    if (p.startedAt !== null) this.play(id, mix);
  }

  /**
   * Hands the PCM of the file on `id` to `callback` in frames of `frameSize` samples (256 to
   * 16384, powers of two; 4096 by default) while it plays; no callback turns it off.
   */
  setAudioFrameCallback(id: number, callback?: (data: AudioFrameData) => void, frameSize = 4096): void {
    if (!FRAME_SIZES.includes(frameSize))
      throw rtcError(
        ErrorCode.INVALID_PARAMS,
        `setAudioFrameCallback: frameSize is one of ${FRAME_SIZES.join(", ")}, not ${frameSize}`,
      );
    const mix = this.file(id);
    if (!mix) return;
    mix.tap?.disconnect();
    mix.tap = null;
    if (!callback) return;
    const graph = this.ensureGraph();
    const tap = graph.ctx.createScriptProcessor(frameSize, 2, 2);
    tap.onaudioprocess = (e) => {
      const b = e.inputBuffer;
      const channels = Array.from({ length: b.numberOfChannels }, (_, c) => b.getChannelData(c).slice());
      try {
        callback({ channels, channelCount: b.numberOfChannels, sampleRate: b.sampleRate });
      } catch (err) {
        warn("setAudioFrameCallback: the callback threw", err);
      }
    };
    mix.gain.connect(tap).connect(graph.sink);
    mix.tap = tap;
  }

  /** Starts mixing the AudioBuffers pushed with {@link pushAudioMixingBuffer}, as `type` says. */
  enableAudioMixingBuffer(type: AudioMixingType): void {
    if (!(type in AudioMixingType))
      throw rtcError(ErrorCode.INVALID_PARAMS, `enableAudioMixingBuffer: ${type} is not an AudioMixingType`);
    const graph = this.ensureGraph();
    graph.wake();
    if (!this.pcm) this.pcm = { type, gain: graph.ctx.createGain(), next: 0, volume: 100 };
    this.pcm.type = type;
    this.pcm.gain.disconnect();
    if (publishes(type)) this.pcm.gain.connect(graph.publishBus);
    if (plays(type)) this.pcm.gain.connect(graph.playoutBus);
    this.state(PCM_MIXING_ID, AudioMixingState.AUDIO_MIXING_STATE_PCM_ENABLED);
    this.followSending();
  }

  /** Stops mixing pushed buffers; what is queued is dropped. */
  disableAudioMixingBuffer(): void {
    if (!this.pcm) return this.notFound(PCM_MIXING_ID);
    this.pcm.gain.disconnect();
    this.pcm = null;
    this.state(PCM_MIXING_ID, AudioMixingState.AUDIO_MIXING_STATE_PCM_DISABLED);
    this.followSending();
  }

  /** Queues `buffer` (any rate; the browser resamples it) to play after what is queued. */
  pushAudioMixingBuffer(buffer: AudioBuffer): void {
    if (!(buffer instanceof AudioBuffer))
      throw rtcError(ErrorCode.INVALID_PARAMS, "pushAudioMixingBuffer: pass an AudioBuffer");
    const pcm = this.pcm;
    if (!pcm || !this.graph) return this.notFound(PCM_MIXING_ID);
    const ctx = this.graph.ctx;
    const source = new AudioBufferSourceNode(ctx, { buffer });
    source.connect(pcm.gain);
    // Starts a little ahead, so a buffer pushed just in time does not click.
    const at = Math.max(pcm.next, ctx.currentTime + 0.02);
    source.start(at);
    pcm.next = at + buffer.duration;
  }

  /** Stops everything (the engine is destroyed). */
  destroy(): void {
    for (const mix of this.files.values()) this.halt(mix);
    this.files.clear();
    this.pcm = null;
    this.graph?.close();
    this.graph = null;
  }

  // ----- internals -----

  private ensureGraph(): MixGraph {
    this.graph ??= new MixGraph();
    return this.graph;
  }

  private newFile(url: string, buffer: AudioBuffer, preloaded: boolean): FileMix {
    const gain = this.ensureGraph().ctx.createGain();
    return { url, buffer, preloaded, volume: 100, gain, playback: null, tap: null };
  }

  /** Fetches and decodes `url`; a failure is reported as `error` and rejects with LOAD_RESOURCES_FAILED. */
  private async load(id: number, url: string, method: string, error: AudioMixingError): Promise<AudioBuffer> {
    const graph = this.ensureGraph();
    try {
      if (typeof url !== "string" || !url) throw new Error("no file path given");
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return await graph.ctx.decodeAudioData(await response.arrayBuffer());
    } catch (e) {
      const why = e instanceof Error ? e.message || e.name : String(e);
      const message = `${method}: cannot load ${url} (${why}); pass the URL of an audio file the browser can decode`;
      this.fail(id, error, message);
      throw rtcError(ErrorCode.LOAD_RESOURCES_FAILED, message);
    }
  }

  /** Connects the file's gain to the buses `type` asks for. */
  private route(mix: FileMix, type: AudioMixingType): void {
    const graph = this.ensureGraph();
    mix.gain.disconnect();
    if (publishes(type)) mix.gain.connect(graph.publishBus);
    if (plays(type)) mix.gain.connect(graph.playoutBus);
    if (mix.tap) mix.gain.connect(mix.tap);
  }

  /** (Re)starts the file's source where its playback is. */
  private play(id: number, mix: FileMix): void {
    const p = mix.playback;
    if (!p) return;
    const graph = this.ensureGraph();
    graph.wake();
    this.silence(p);
    const duration = mix.buffer.duration;
    const elapsed = p.startedAt === null ? p.elapsed : this.elapsed(p);
    const now = graph.ctx.currentTime;
    const source = new AudioBufferSourceNode(graph.ctx, { buffer: mix.buffer, loop: true });
    source.connect(mix.gain);
    source.start(now, elapsed % duration);
    if (p.plays > 0) {
      source.stop(now + Math.max(0, p.plays * duration - elapsed));
      source.onended = () => {
        if (p.source !== source || mix.playback !== p) return;
        p.source = null;
        this.halt(mix);
        if (!mix.preloaded) this.drop(id, mix);
        this.state(id, AudioMixingState.AUDIO_MIXING_STATE_FINISHED);
        this.followSending();
      };
    }
    p.elapsed = elapsed;
    p.startedAt = now;
    p.source = source;
  }

  /** Seconds of the run played so far. */
  private elapsed(p: Playback): number {
    if (p.startedAt === null || !this.graph) return p.elapsed;
    return p.elapsed + (this.graph.ctx.currentTime - p.startedAt);
  }

  private silence(p: Playback): void {
    if (!p.source) return;
    p.source.onended = null;
    try {
      p.source.stop();
    } catch {
      // Never started or already stopped.
    }
    p.source.disconnect();
    p.source = null;
  }

  /** Ends the file's playback (no event). */
  private halt(mix: FileMix): void {
    if (mix.playback) this.silence(mix.playback);
    mix.playback = null;
  }

  private drop(id: number, mix: FileMix): void {
    mix.gain.disconnect();
    mix.tap?.disconnect();
    if (this.files.get(id) === mix) this.files.delete(id);
  }

  private file(id: number): FileMix | undefined {
    if (id === PCM_MIXING_ID) {
      this.typeNotMatch(id);
      return undefined;
    }
    const mix = this.files.get(id);
    if (!mix) this.notFound(id);
    return mix;
  }

  private playing(id: number): FileMix | undefined {
    const mix = this.file(id);
    if (mix && !mix.playback) {
      this.fail(
        id,
        AudioMixingError.AUDIO_MIXING_ERROR_ID_NOT_FOUND,
        `nothing plays on mixing id ${id}: startAudioMixing first`,
      );
      return undefined;
    }
    return mix;
  }

  /** Whether `id` cannot take a file (it is the PCM buffer's); reports it. */
  private refuseFileOn(id: number): boolean {
    if (typeof id !== "number" || !Number.isInteger(id))
      throw rtcError(ErrorCode.INVALID_PARAMS, `a mixing id is an integer, not ${String(id)}`);
    if (id !== PCM_MIXING_ID) return false;
    this.typeNotMatch(id);
    return true;
  }

  /** Whether something is mixed for the room. */
  private sending(): boolean {
    if (this.pcm && publishes(this.pcm.type)) return true;
    for (const mix of this.files.values()) if (mix.playback && publishes(mix.playback.type)) return true;
    return false;
  }

  private followSending(): void {
    const now = this.sending();
    if (now === this.wasSending) return;
    this.wasSending = now;
    this.hooks.sendingChanged();
  }

  private state(id: number, state: AudioMixingState): void {
    this.emit(id, state, AudioMixingError.AUDIO_MIXING_ERROR_OK);
  }

  private fail(id: number, error: AudioMixingError, message: string): void {
    warn(`audio mixing ${id}: ${message}`);
    this.emit(id, AudioMixingState.AUDIO_MIXING_STATE_FAILED, error);
  }

  private notFound(id: number): void {
    this.fail(
      id,
      AudioMixingError.AUDIO_MIXING_ERROR_ID_NOT_FOUND,
      `no mixing has id ${id}: preload or start a file on it first`,
    );
  }

  private typeNotMatch(id: number): void {
    this.fail(
      id,
      AudioMixingError.AUDIO_MIXING_ERROR_ID_TYPE_NOT_MATCH,
      `mixing id ${id} is the PCM buffer's; files take other ids`,
    );
  }

  private emit(mixId: number, state: AudioMixingState, error: AudioMixingError): void {
    this.hooks.emit("onAudioMixingStateChanged", { mixId, state, error } satisfies AudioMixingStateChangedEvent);
  }
}
