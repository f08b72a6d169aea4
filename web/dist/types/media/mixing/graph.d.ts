/**
 * The Web Audio graph audio mixing plays through: one AudioContext at 48 kHz in which the
 * microphone and everything mixed for the room sum into a limiter and a MediaStream track
 * (what the main audio m-line sends while something is mixed for the room), and everything
 * mixed for local playout sums into the speakers. Knows nothing of ids, states or events.
 */
/** The graph; made on the first mixing call that needs it. */
export declare class MixGraph {
    /** The context; the browser resamples every buffer played in it to its rate. */
    readonly ctx: AudioContext;
    /** What is sent to the room sums here. */
    readonly publishBus: GainNode;
    /** What is heard locally sums here. */
    readonly playoutBus: GainNode;
    /** Taps (frame callbacks) must be pulled by the destination to run; this keeps them silent. */
    readonly sink: GainNode;
    private readonly out;
    private mic;
    private micTrack;
    constructor();
    /** The mixed track: the microphone (see {@link setMic}) and what is published. */
    get track(): MediaStreamTrack;
    /** Makes `track` (the captured microphone, or null) part of the published mix. */
    setMic(track: MediaStreamTrack | null): void;
    /** Lets the context run (a page without a user gesture may have started it suspended). */
    wake(): void;
    /** Stops everything. */
    close(): void;
}
