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
import { AudioMixingType } from "../../generated/protocol";
import type { AudioFrameData } from "../audioframes";
/** How `startAudioMixing` plays a file (the vendor's `MixOption`). */
export interface MixOption {
    /** How many times: 1 once (the default), more that many times, 0 or less for ever. */
    playCount: number;
    /** Local playout, the room, or both (the default). */
    type?: AudioMixingType;
}
/** The id the events of the PCM buffer API carry (it has no id of its own). */
export declare const PCM_MIXING_ID = -1;
/** What the manager needs from the engine. */
export interface MixingHooks {
    /** Emits an engine event. */
    emit(event: string, ...args: unknown[]): void;
    /** Whether the main audio should now be the mix rather than the microphone changed. */
    sendingChanged(): void;
}
/** An engine's audio mixing. */
export declare class AudioMixingManager {
    private readonly hooks;
    private graph;
    private files;
    private pcm;
    private wasSending;
    constructor(hooks: MixingHooks);
    /** The track the main audio m-line sends: the mix while something is mixed for the room, else `mic`. */
    sendTrack(mic: MediaStreamTrack | null): MediaStreamTrack | null;
    /**
     * Plays `filePath` on `id` `options.playCount` times. A file already playing on `id` stops
     * first. Rejects with LOAD_RESOURCES_FAILED when the file cannot be fetched or decoded
     * (AUDIO_MIXING_ERROR_START_FAILED in the event).
     */
    startAudioMixing(id: number, filePath: string, options?: MixOption): Promise<void>;
    /** Stops the file on `id` and unloads it (the vendor's behaviour). */
    stopAudioMixing(id: number): void;
    /** Pauses the file playing on `id`. */
    pauseAudioMixing(id: number): void;
    /** Resumes the file paused on `id`. */
    resumeAudioMixing(id: number): void;
    /**
     * Fetches and decodes `filePath` (at most 20 s of audio) and keeps it on `id`. A file
     * playing on `id` stops. Rejects with LOAD_RESOURCES_FAILED when it cannot be fetched or
     * decoded or is too long (AUDIO_MIXING_ERROR_PRELOAD_FAILED in the event).
     */
    preloadAudioMixing(id: number, filePath: string): Promise<void>;
    /** Forgets the file on `id`, stopping it. */
    unloadAudioMixing(id: number): void;
    /** Sets the volume of `id` (a file, or {@link PCM_MIXING_ID}), 0 to 400 percent of the original. */
    setAudioMixingVolume(id: number, volume: number): void;
    /** The volume of `id`, or 0 when there is no such mixing. */
    getAudioMixingVolume(id: number): number;
    /** The length of the file on `id` in ms, or -1 when there is none. */
    getAudioMixingDuration(id: number): number;
    /** Where the file playing on `id` is, in ms, or -1 when none plays. */
    getAudioMixingCurrentPosition(id: number): number;
    /** Moves the file playing on `id` to `position` ms (AUDIO_MIXING_ERROR_SET_POSITION_FAILED past its end). */
    setAudioMixingPosition(id: number, position: number): void;
    /**
     * Hands the PCM of the file on `id` to `callback` in frames of `frameSize` samples (256 to
     * 16384, powers of two; 4096 by default) while it plays; no callback turns it off.
     */
    setAudioFrameCallback(id: number, callback?: (data: AudioFrameData) => void, frameSize?: number): void;
    /** Starts mixing the AudioBuffers pushed with {@link pushAudioMixingBuffer}, as `type` says. */
    enableAudioMixingBuffer(type: AudioMixingType): void;
    /** Stops mixing pushed buffers; what is queued is dropped. */
    disableAudioMixingBuffer(): void;
    /** Queues `buffer` (any rate; the browser resamples it) to play after what is queued. */
    pushAudioMixingBuffer(buffer: AudioBuffer): void;
    /** Stops everything (the engine is destroyed). */
    destroy(): void;
    private ensureGraph;
    private newFile;
    /** Fetches and decodes `url`; a failure is reported as `error` and rejects with LOAD_RESOURCES_FAILED. */
    private load;
    /** Connects the file's gain to the buses `type` asks for. */
    private route;
    /** (Re)starts the file's source where its playback is. */
    private play;
    /** Seconds of the run played so far. */
    private elapsed;
    private silence;
    /** Ends the file's playback (no event). */
    private halt;
    private drop;
    private file;
    private playing;
    /** Whether `id` cannot take a file (it is the PCM buffer's); reports it. */
    private refuseFileOn;
    /** Whether something is mixed for the room. */
    private sending;
    private followSending;
    private state;
    private fail;
    private notFound;
    private typeNotMatch;
    private emit;
}
