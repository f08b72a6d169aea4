/**
 * Audio frames for the app (`setAudioFrameCallback`): the PCM of a local stream as sent or of
 * a received one, `frameSize` samples per channel at a time, as the vendor's
 * `AudioFrameData`. A Web Audio ScriptProcessorNode taps the track (its buffer sizes are
 * exactly the vendor's frame sizes); its output is silence, so tapping plays nothing. It knows
 * tracks, not rooms or transports.
 */
import { StreamIndex } from "../generated/protocol";
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
export declare const FRAME_SIZES: number[];
/** An engine's audio frame callbacks. */
export declare class AudioFrames {
    private readonly hub;
    /** The track of a stream now: `userId` "" for the local one as sent. */
    private readonly trackOf;
    private taps;
    constructor(hub: AudioHub, 
    /** The track of a stream now: `userId` "" for the local one as sent. */
    trackOf: (index: StreamIndex, userId: string) => MediaStreamTrack | null);
    /** Sets (or with no callback removes) the callback of a stream; it stays across rooms. */
    set(index: StreamIndex, userId: string, callback: unknown, frameSize: unknown): void;
    /** Tracks came or went: each tap follows its stream. */
    reconcile(): void;
    /** Removes every callback. */
    destroy(): void;
    /** Taps `track`; a `received` one gives two channels (its settings do not say whether the Opus stream is stereo). */
    private attach;
    private detach;
}
