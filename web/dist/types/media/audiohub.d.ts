/**
 * The engine's one Web Audio context and what every audio feature builds on it: sources for
 * tracks, level meters, and the level scales apps see. The context is made on first use and
 * resumed on the page's next click or key press when the browser's autoplay rules keep it
 * suspended (as the players retry their elements). It knows nothing of rooms or transports.
 */
/** The highest volume the vendor's volume calls take, in percent: four times the amplitude. */
export declare const MAX_VOLUME = 400;
/** A 0..400 percentage (100: unchanged) as a gain factor, or null when it is not one. */
export declare function gainOf(volume: unknown): number | null;
/** Levels as the vendor reports them (`AudioPropertiesInfo`, `getAudioVolume`). */
export interface Level {
    /** 0..255, linear in amplitude: 255 is a full-scale sine. */
    linearVolume: number;
    /** -127..0 dB relative to a full-scale sine. */
    nonlinearVolume: number;
}
/** The level of silence (and of a stream that does not exist). */
export declare const SILENT: Level;
/**
 * The level of `samples`: their RMS scaled by √2, so a sine of amplitude `a` reads `a`
 * (255·a linear, 20·log10(a) dB), the scale WebRTC's `audioLevel` uses for a tone.
 */
export declare function levelOf(samples: Float32Array): Level;
/** The engine's audio context, its track sources and meters. */
export declare class AudioHub {
    private ctx;
    private sources;
    private meters;
    private readonly resume;
    /** The context, made on first use. */
    get context(): AudioContext;
    /** Resolves once the context runs (or, when the browser holds it until a gesture, after a moment; the next click resumes it). */
    resumed(): Promise<void>;
    /** Whether the context exists (nothing audio was asked for yet when not). */
    get started(): boolean;
    /** A source node for `track` (one per track, shared by every user of it). */
    source(track: MediaStreamTrack): MediaStreamAudioSourceNode;
    /** Disconnects `track`'s source from `node` (a no-op when either is gone already). */
    unlink(track: MediaStreamTrack, node: AudioNode): void;
    /**
     * The current level of `track`. A meter starts on the first call, so that call (and any
     * for a track that is gone) reads silence.
     */
    level(track: MediaStreamTrack | null): Level;
    /** Drops the sources and meters of tracks not in `keep`. */
    prune(keep: Set<MediaStreamTrack>): void;
    /** Closes the context. */
    destroy(): void;
}
