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
/** RNNoise noise suppression as a pre-processing extension. */
export declare class RTCRnnoiseExtension implements RTCExtension {
    /** The extension's name (one registration per engine). */
    readonly name = "RTCRnnoiseExtension";
    /** Pre-processing. */
    readonly type = 1;
    /** The SDK version it was built with. */
    readonly version: string;
    private enabled;
    private readonly graphs;
    private readonly listeners;
    private moduleUrl;
    /** Whether this browser runs AudioWorklets and WebAssembly. */
    isSupported(): Promise<boolean>;
    /** Called at registration; nothing to prepare before there is a track. */
    init(): Promise<void>;
    /** Turns suppression on (the default): the engine then sends the processed track. */
    enable(): void;
    /** Turns suppression off: the engine sends the microphone as captured. */
    disable(): void;
    /** Whether suppression is on. */
    get isEnabled(): boolean;
    /**
     * Resumes processing a browser suspended (an AudioContext made before any user gesture may
     * start suspended): call it from a user gesture if the far end hears nothing.
     */
    resume(): Promise<void>;
    /** The track to send for `track`: RNNoise's output for audio while enabled, else `track`. */
    effect(source: ExtensionSource, track: MediaStreamTrack): Promise<MediaStreamTrack>;
    /** Subscribes to the extension's events (the engine listens to `reset-audio-effect`). */
    on(event: string, fn: (...args: unknown[]) => void): this;
    /** Frees every worklet and context. */
    destroy(): void;
    private set;
    private build;
    private close;
}
export default RTCRnnoiseExtension;
