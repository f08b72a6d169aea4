/**
 * Audio device tests: play a file (`startAudioPlaybackDeviceTest`), or record the microphone
 * and play the recording back (`startAudioDeviceRecordTest`), on the output device chosen with
 * `setAudioPlaybackDevice`. While a test sounds, its level is reported every interval as
 * `onAudioPlaybackDeviceTestVolume` (0..255), so an app can show a meter next to the device
 * pickers. One test runs at a time, as in the veRTC SDK.
 */
import { ErrorCode } from "../generated/protocol";
import { asRtcError, rtcError } from "../errors";
import { describe } from "./capture";
import { warn } from "../log";

/** The longest recording of the record test. */
export const MAX_RECORD_MS = 30_000;
/** How often the level is sampled; a report carries the loudest sample since the last one, so
 * short sounds (the beep of a test microphone) are not missed between reports. */
const SAMPLE_MS = 40;

/** What the tests need from the engine. */
export interface DeviceTestHooks {
  /** Reports a level, 0..255. */
  volume(volume: number): void;
  /** The output device chosen with setAudioPlaybackDevice (null: the system default). */
  sinkId(): string | null;
  /** The microphone chosen with setAudioCaptureDevice. */
  micId(): string | undefined;
}

type Phase = "playback" | "recording" | "replay";

/** One running test: an AudioContext whose sound passes an analyser on its way out. */
class Test {
  readonly ctx = new AudioContext();
  private readonly analyser = this.ctx.createAnalyser();
  private readonly samples: Float32Array<ArrayBuffer>;
  private loudest = 0;
  private timers: ReturnType<typeof setInterval>[] = [];
  private source: AudioScheduledSourceNode | null = null;
  private mic: MediaStream | null = null;
  private recorder: MediaRecorder | null = null;
  private recordTimer: ReturnType<typeof setTimeout> | null = null;
  /** Output through a media element, for browsers whose AudioContext cannot pick a device. */
  private element: HTMLAudioElement | null = null;
  private closed = false;

  constructor(
    public phase: Phase,
    private readonly intervalMs: number,
    private readonly report: (volume: number) => void,
  ) {
    this.analyser.fftSize = 2048;
    this.samples = new Float32Array(this.analyser.fftSize);
    // A test is started from a user gesture in a real app; resuming is harmless otherwise.
    void this.ctx.resume().catch(() => {});
  }

  /** Plays `buffer` (looped for the playback test) on `sinkId`; `ended` runs when it finishes. */
  async play(buffer: AudioBuffer, loop: boolean, sinkId: string | null, ended: () => void): Promise<void> {
    this.stopSound();
    await this.route(sinkId);
    if (this.closed) return;
    const source = this.ctx.createBufferSource();
    source.buffer = buffer;
    source.loop = loop;
    source.connect(this.analyser);
    source.onended = () => {
      if (this.source === source) ended();
    };
    source.start();
    this.source = source;
    this.measure();
  }

  /** Records `mic` (measured, not played, to avoid feedback); `done` gets the recording. */
  record(mic: MediaStream, done: (recording: Blob) => void): void {
    this.mic = mic;
    this.ctx.createMediaStreamSource(mic).connect(this.analyser);
    const chunks: Blob[] = [];
    const recorder = new MediaRecorder(mic);
    recorder.ondataavailable = (e) => e.data.size > 0 && chunks.push(e.data);
    recorder.onstop = () => {
      this.stopMic();
      if (this.recorder === recorder) done(new Blob(chunks, { type: recorder.mimeType }));
    };
    recorder.start();
    this.recorder = recorder;
    this.recordTimer = setTimeout(() => this.finishRecording(), MAX_RECORD_MS);
    this.measure();
  }

  /** Ends the recording early; the recorder's stop handler then plays it back. */
  finishRecording(): void {
    if (this.recordTimer) clearTimeout(this.recordTimer);
    this.recordTimer = null;
    if (this.recorder?.state === "recording") this.recorder.stop();
  }

  /** Sends the sound to `sinkId` (null or "default": the system default). */
  async route(sinkId: string | null): Promise<void> {
    const ctx = this.ctx as AudioContext & { setSinkId?(id: string): Promise<void> };
    this.analyser.disconnect();
    // "" is the spec's name of the default output.
    const id = sinkId === "default" ? "" : sinkId;
    if (typeof ctx.setSinkId === "function" || !id) {
      this.analyser.connect(ctx.destination);
      if (id !== null && typeof ctx.setSinkId === "function") await ctx.setSinkId(id);
      return;
    }
    const out = ctx.createMediaStreamDestination();
    this.analyser.connect(out);
    const element = (this.element ??= new Audio()) as HTMLAudioElement & { setSinkId(id: string): Promise<void> };
    element.srcObject = out.stream;
    await element.setSinkId(id);
    await element.play();
  }

  /** Stops everything; the context closes. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.recordTimer) clearTimeout(this.recordTimer);
    const recorder = this.recorder;
    this.recorder = null;
    if (recorder?.state === "recording") recorder.stop();
    this.stopMic();
    this.stopSound();
    if (this.element) {
      this.element.srcObject = null;
      this.element = null;
    }
    void this.ctx.close().catch(() => {});
  }

  private measure(): void {
    for (const t of this.timers) clearInterval(t);
    this.loudest = 0;
    this.timers = [
      setInterval(() => (this.loudest = Math.max(this.loudest, this.level())), Math.min(SAMPLE_MS, this.intervalMs)),
      setInterval(() => {
        const volume = Math.max(this.loudest, this.level());
        this.loudest = 0;
        this.report(volume);
      }, this.intervalMs),
    ];
  }

  /** The analyser's current RMS level on 0..255 (a full-scale sine reads 255). */
  private level(): number {
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const x of this.samples) sum += x * x;
    const rms = Math.sqrt(sum / this.samples.length);
    return Math.min(255, Math.round(rms * Math.SQRT2 * 255));
  }

  private stopSound(): void {
    const source = this.source;
    this.source = null;
    if (!source) return;
    source.onended = null;
    try {
      source.stop();
    } catch {
      // Never started or already ended.
    }
    source.disconnect();
  }

  private stopMic(): void {
    this.mic?.getTracks().forEach((t) => t.stop());
    this.mic = null;
  }
}

/** The device tests of one engine. */
export class DeviceTests {
  private test: Test | null = null;

  constructor(private readonly hooks: DeviceTestHooks) {}

  /** Plays the audio file at `url` in a loop, reporting its level every `intervalMs`. */
  async startPlayback(url: string, intervalMs: number): Promise<void> {
    const method = "startAudioPlaybackDeviceTest";
    if (typeof url !== "string" || url.length === 0)
      throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: pass the URL of an audio file`);
    const test = this.begin(method, "playback", intervalMs);
    try {
      const buffer = await load(test.ctx, url, method);
      if (this.test === test) await test.play(buffer, true, this.hooks.sinkId(), () => this.end(test));
    } catch (e) {
      this.end(test);
      throw asRtcError(e, ErrorCode.UNEXPECTED_ERROR, `${method}: cannot play on the chosen output device`);
    }
  }

  /** Stops the playback test (a no-op when it does not run). */
  stopPlayback(): void {
    if (this.test?.phase === "playback") this.end(this.test);
  }

  /** Records the microphone (up to {@link MAX_RECORD_MS}), then plays the recording back. */
  async startRecord(intervalMs: number): Promise<void> {
    const method = "startAudioDeviceRecordTest";
    const test = this.begin(
      method,
      "recording",
      intervalMs,
      typeof MediaRecorder === "function" && !!navigator.mediaDevices?.getUserMedia,
    );
    let mic: MediaStream;
    try {
      const id = this.hooks.micId();
      mic = await navigator.mediaDevices.getUserMedia({ audio: id ? { deviceId: { exact: id } } : true });
    } catch (e) {
      this.end(test);
      throw rtcError(
        ErrorCode.AUDIO_DEVICE_TEST_FAILED,
        `${method}: cannot open the microphone (${describe(e)}); check that one is connected, allowed and not used by another app, then retry`,
      );
    }
    if (this.test !== test) {
      mic.getTracks().forEach((t) => t.stop());
      return;
    }
    test.record(mic, (recording) => void this.replay(test, recording));
  }

  /** Ends the recording early and plays back what was recorded. */
  stopRecordAndPlay(): void {
    if (this.test?.phase === "recording") this.test.finishRecording();
  }

  /** Ends the record test, whether it still records or already plays back. */
  stopPlay(): void {
    if (this.test && this.test.phase !== "playback") this.end(this.test);
  }

  /** The output device changed: a running test follows it. */
  setSink(sinkId: string): void {
    const test = this.test;
    if (test && test.phase !== "recording") test.route(sinkId).catch((e) => warn("device test output:", describe(e)));
  }

  /** Stops any test. */
  destroy(): void {
    if (this.test) this.end(this.test);
  }

  private begin(method: string, phase: Phase, intervalMs: number, supported = true): Test {
    if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: intervalMs must be a positive number of milliseconds`);
    }
    if (typeof AudioContext !== "function" || !supported) {
      throw rtcError(
        ErrorCode.NOT_SUPPORTED,
        `${method}: this browser lacks what the test needs (${phase === "playback" ? "AudioContext" : "AudioContext, MediaRecorder and getUserMedia"})`,
      );
    }
    if (this.test) {
      throw rtcError(
        ErrorCode.REPEAT_DEVICE_TEST,
        `${method}: a device test is already running; stop it first (stopAudioPlaybackDeviceTest or stopAudioDevicePlayTest)`,
      );
    }
    this.test = new Test(phase, intervalMs, (v) => this.hooks.volume(v));
    return this.test;
  }

  private async replay(test: Test, recording: Blob): Promise<void> {
    if (this.test !== test) return;
    test.phase = "replay";
    try {
      const buffer = await test.ctx.decodeAudioData(await recording.arrayBuffer());
      if (this.test === test) await test.play(buffer, false, this.hooks.sinkId(), () => this.end(test));
    } catch (e) {
      warn("startAudioDeviceRecordTest: cannot play the recording back:", describe(e));
      this.end(test);
    }
  }

  private end(test: Test): void {
    if (this.test === test) this.test = null;
    test.close();
  }
}

/** Fetches and decodes an audio file (LOAD_RESOURCES_FAILED when either fails). */
async function load(ctx: AudioContext, url: string, method: string): Promise<AudioBuffer> {
  let bytes: ArrayBuffer;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = await response.arrayBuffer();
  } catch (e) {
    throw rtcError(
      ErrorCode.LOAD_RESOURCES_FAILED,
      `${method}: cannot load ${url} (${describe(e)}); pass the URL of an audio file this page may fetch`,
    );
  }
  try {
    return await ctx.decodeAudioData(bytes);
  } catch (e) {
    throw rtcError(
      ErrorCode.LOAD_RESOURCES_FAILED,
      `${method}: ${url} is not audio the browser can decode (${describe(e)}); use e.g. WAV, MP3 or Ogg`,
    );
  }
}
