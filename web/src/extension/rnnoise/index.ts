/**
 * Noise suppression for the microphone, as an extension for `registerExtension`: RNNoise
 * (Xiph's recurrent network, the WebAssembly build of `@jitsi/rnnoise-wasm`) in an AudioWorklet
 * between the captured track and the one sent. It is the entry point of its own bundle
 * (`dist/extension-rnnoise.esm.js`, and `.umd.js` with the global `RTCRnnoiseExtension`), so
 * the SDK's core bundle does not carry the model; it imports nothing of the SDK at run time.
 *
 * ```js
 * const ns = new RTCRnnoiseExtension();
 * await engine.registerExtension(ns); // NOT_SUPPORTED without AudioWorklet or WebAssembly
 * ns.disable(); // send the microphone as captured again
 * ns.enable();
 * ```
 * Audio of the main and the screen stream is processed; video is left alone. The audio runs at
 * 48 kHz (RNNoise's rate) and reaches the far end 20 ms later than without the extension.
 */
import type { ExtensionSource, RTCExtension } from "../host";

declare const __RNNOISE_WORKLET__: string;
declare const __CHORUS_VERSION__: string;

/** The processor's name in the worklet. */
const PROCESSOR = "chorus-rnnoise";

/** One captured track's processing: its own context, so each runs apart. */
interface Graph {
  source: MediaStreamTrack;
  context: AudioContext;
  node: AudioWorkletNode;
  output: MediaStreamTrack;
}

/** RNNoise noise suppression as a pre-processing extension. */
export class RTCRnnoiseExtension implements RTCExtension {
  /** The extension's name (one registration per engine). */
  readonly name = "RTCRnnoiseExtension";
  /** Pre-processing. */
  readonly type = 1;
  /** The SDK version it was built with. */
  readonly version = __CHORUS_VERSION__;
  private enabled = true;
  private readonly graphs = new Map<string, Graph>();
  private readonly listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  private moduleUrl: string | null = null;

  /** Whether this browser runs AudioWorklets and WebAssembly. */
  isSupported(): Promise<boolean> {
    return Promise.resolve(
      typeof AudioContext !== "undefined" &&
        typeof AudioWorkletNode !== "undefined" &&
        typeof WebAssembly === "object" &&
        typeof MediaStreamAudioDestinationNode !== "undefined",
    );
  }

  /** Called at registration; nothing to prepare before there is a track. */
  async init(): Promise<void> {}

  /** Turns suppression on (the default): the engine then sends the processed track. */
  enable(): void {
    this.set(true);
  }

  /** Turns suppression off: the engine sends the microphone as captured. */
  disable(): void {
    this.set(false);
  }

  /** Whether suppression is on. */
  get isEnabled(): boolean {
    return this.enabled;
  }

  /**
   * Resumes processing a browser suspended (an AudioContext made before any user gesture may
   * start suspended): call it from a user gesture if the far end hears nothing.
   */
  async resume(): Promise<void> {
    await Promise.all([...this.graphs.values()].map((g) => g.context.resume()));
  }

  /** The track to send for `track`: RNNoise's output for audio while enabled, else `track`. */
  async effect(source: ExtensionSource, track: MediaStreamTrack): Promise<MediaStreamTrack> {
    if (source.kind !== "audio" || !this.enabled) return track;
    const key = `${source.streamIndex}`;
    const current = this.graphs.get(key);
    if (current?.source === track) return current.output;
    if (current) this.close(key);
    const graph = await this.build(track);
    // A newer track for this stream may have come while this one was being set up.
    if (this.graphs.has(key)) {
      graph.context.close().catch(() => {});
      return this.graphs.get(key)?.output ?? track;
    }
    this.graphs.set(key, graph);
    return graph.output;
  }

  /** Subscribes to the extension's events (the engine listens to `reset-audio-effect`). */
  on(event: string, fn: (...args: unknown[]) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }

  /** Frees every worklet and context. */
  destroy(): void {
    for (const key of [...this.graphs.keys()]) this.close(key);
    if (this.moduleUrl) URL.revokeObjectURL(this.moduleUrl);
    this.moduleUrl = null;
  }

  private set(enabled: boolean): void {
    if (this.enabled === enabled) return;
    this.enabled = enabled;
    for (const fn of this.listeners.get("reset-audio-effect") ?? []) fn();
    // Off, the captured track is sent: nothing needs processing until it is on again.
    if (!enabled) for (const key of [...this.graphs.keys()]) this.close(key);
  }

  private async build(track: MediaStreamTrack): Promise<Graph> {
    const context = new AudioContext({ sampleRate: 48_000 });
    try {
      this.moduleUrl ??= URL.createObjectURL(new Blob([__RNNOISE_WORKLET__], { type: "text/javascript" }));
      await context.audioWorklet.addModule(this.moduleUrl);
      const input = context.createMediaStreamSource(new MediaStream([track]));
      const node = new AudioWorkletNode(context, PROCESSOR, {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        channelCount: 1,
        channelCountMode: "explicit",
      });
      const sink = context.createMediaStreamDestination();
      input.connect(node).connect(sink);
      void context.resume().catch(() => {});
      const output = sink.stream.getAudioTracks()[0];
      // The processed track ends with the captured one.
      track.addEventListener("ended", () => output.stop(), { once: true });
      return { source: track, context, node, output };
    } catch (e) {
      context.close().catch(() => {});
      throw e;
    }
  }

  private close(key: string): void {
    const graph = this.graphs.get(key);
    if (!graph) return;
    this.graphs.delete(key);
    graph.node.port.postMessage({ destroy: true });
    graph.output.stop();
    graph.context.close().catch(() => {});
  }
}

export default RTCRnnoiseExtension;
