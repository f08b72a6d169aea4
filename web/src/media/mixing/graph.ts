/**
 * The Web Audio graph audio mixing plays through: one AudioContext at 48 kHz in which the
 * microphone and everything mixed for the room sum into a limiter and a MediaStream track
 * (what the main audio m-line sends while something is mixed for the room), and everything
 * mixed for local playout sums into the speakers. Knows nothing of ids, states or events.
 */

/** The graph; made on the first mixing call that needs it. */
export class MixGraph {
  /** The context; the browser resamples every buffer played in it to its rate. */
  readonly ctx: AudioContext;
  /** What is sent to the room sums here. */
  readonly publishBus: GainNode;
  /** What is heard locally sums here. */
  readonly playoutBus: GainNode;
  /** Taps (frame callbacks) must be pulled by the destination to run; this keeps them silent. */
  readonly sink: GainNode;
  private readonly out: MediaStreamAudioDestinationNode;
  private mic: MediaStreamAudioSourceNode | null = null;
  private micTrack: MediaStreamTrack | null = null;

  constructor() {
    this.ctx = new AudioContext({ sampleRate: 48_000, latencyHint: "interactive" });
    this.publishBus = this.ctx.createGain();
    // A limiter: a hard-kneed, high-ratio compressor just under full scale, so a loud sum is
    // turned down instead of clipped. Its makeup gain is the same for everything mixed.
    const limiter = new DynamicsCompressorNode(this.ctx, {
      threshold: -1,
      knee: 0,
      ratio: 20,
      attack: 0.001,
      release: 0.05,
    });
    this.out = this.ctx.createMediaStreamDestination();
    this.publishBus.connect(limiter).connect(this.out);
    this.playoutBus = this.ctx.createGain();
    this.playoutBus.connect(this.ctx.destination);
    this.sink = this.ctx.createGain();
    this.sink.gain.value = 0;
    this.sink.connect(this.ctx.destination);
  }

  /** The mixed track: the microphone (see {@link setMic}) and what is published. */
  get track(): MediaStreamTrack {
    return this.out.stream.getAudioTracks()[0];
  }

  /** Makes `track` (the captured microphone, or null) part of the published mix. */
  setMic(track: MediaStreamTrack | null): void {
    if (track === this.micTrack) return;
    this.mic?.disconnect();
    this.micTrack = track;
    this.mic = track ? this.ctx.createMediaStreamSource(new MediaStream([track])) : null;
    this.mic?.connect(this.publishBus);
  }

  /** Lets the context run (a page without a user gesture may have started it suspended). */
  wake(): void {
    if (this.ctx.state === "suspended") void this.ctx.resume().catch(() => {});
  }

  /** Stops everything. */
  close(): void {
    this.mic?.disconnect();
    this.track.stop();
    void this.ctx.close().catch(() => {});
  }
}
