/**
 * Audio frames for the app (`setAudioFrameCallback`): the PCM of a local stream as sent or of
 * a received one, `frameSize` samples per channel at a time, as the vendor's
 * `AudioFrameData`. A Web Audio ScriptProcessorNode taps the track (its buffer sizes are
 * exactly the vendor's frame sizes); its output is silence, so tapping plays nothing. It knows
 * tracks, not rooms or transports.
 */
import { ErrorCode, StreamIndex } from "../generated/protocol";
import { rtcError } from "../errors";
import type { AudioHub } from "./audiohub";

/** One frame of PCM (the vendor's `AudioFrameData`). */
export interface AudioFrameData {
  /** One array of samples (-1..1) per channel. */
  channels: Float32Array[];
  /** How many channels. */
  channelCount: number;
  /** Samples per second (the audio context's rate). */
  sampleRate: number;
}

/** The frame sizes the vendor allows; 4096 when none is given. */
export const FRAME_SIZES = [256, 512, 1024, 2048, 4096, 8192, 16384];

/** One app callback and its tap. */
interface Tap {
  callback: (data: AudioFrameData) => void;
  frameSize: number;
  track: MediaStreamTrack | null;
  node: ScriptProcessorNode | null;
}

/** The key of a stream: its index and its user ("" for the local one). */
function key(index: StreamIndex, userId: string): string {
  return `${index}:${userId}`;
}

/** Checks `frameSize`, returning the size to use. */
function checkFrameSize(frameSize: unknown): number {
  if (frameSize === undefined) return 4096;
  if (typeof frameSize !== "number" || !FRAME_SIZES.includes(frameSize))
    throw rtcError(
      ErrorCode.INVALID_PARAMS,
      `setAudioFrameCallback: frameSize must be one of ${FRAME_SIZES.join(", ")}`,
    );
  return frameSize;
}

/** An engine's audio frame callbacks. */
export class AudioFrames {
  private taps = new Map<string, Tap>();

  constructor(
    private readonly hub: AudioHub,
    /** The track of a stream now: `userId` "" for the local one as sent. */
    private readonly trackOf: (index: StreamIndex, userId: string) => MediaStreamTrack | null,
  ) {}

  /** Sets (or with no callback removes) the callback of a stream; it stays across rooms. */
  set(index: StreamIndex, userId: string, callback: unknown, frameSize: unknown): void {
    if (callback !== undefined && callback !== null && typeof callback !== "function")
      throw rtcError(ErrorCode.INVALID_PARAMS, "setAudioFrameCallback: callback must be a function (or none to stop)");
    const size = checkFrameSize(frameSize);
    const k = key(index, userId);
    const old = this.taps.get(k);
    if (old) this.detach(old);
    this.taps.delete(k);
    if (typeof callback !== "function") return;
    this.taps.set(k, { callback: callback as Tap["callback"], frameSize: size, track: null, node: null });
    this.reconcile();
  }

  /** Tracks came or went: each tap follows its stream. */
  reconcile(): void {
    for (const [k, tap] of this.taps) {
      const [index, ...user] = k.split(":");
      const track = this.trackOf(Number(index) as StreamIndex, user.join(":"));
      if (tap.track === track) continue;
      this.detach(tap);
      if (track) this.attach(tap, track, user.join(":") !== "");
    }
  }

  /** Removes every callback. */
  destroy(): void {
    for (const tap of this.taps.values()) this.detach(tap);
    this.taps.clear();
  }

  /** Taps `track`; a `received` one gives two channels (its settings do not say whether the Opus stream is stereo). */
  private attach(tap: Tap, track: MediaStreamTrack, received: boolean): void {
    const ctx = this.hub.context;
    const channels = received ? 2 : Math.max(1, Math.min(2, track.getSettings().channelCount ?? 1));
    const node = ctx.createScriptProcessor(tap.frameSize, channels, channels);
    node.onaudioprocess = (e) => {
      const input = e.inputBuffer;
      const data: AudioFrameData = {
        channels: Array.from({ length: input.numberOfChannels }, (_, c) => input.getChannelData(c).slice()),
        channelCount: input.numberOfChannels,
        sampleRate: input.sampleRate,
      };
      try {
        tap.callback(data);
      } catch (err) {
        // The app's error must not stop the frames.
        setTimeout(() => {
          throw err;
        });
      }
    };
    // A ScriptProcessorNode runs only while connected onward; its output is silence.
    this.hub.source(track).connect(node).connect(ctx.destination);
    tap.track = track;
    tap.node = node;
  }

  private detach(tap: Tap): void {
    if (tap.node) {
      if (tap.track) this.hub.unlink(tap.track, tap.node);
      tap.node.onaudioprocess = null;
      tap.node.disconnect();
    }
    tap.track = null;
    tap.node = null;
  }
}
