/** The longest recording of the record test. */
export declare const MAX_RECORD_MS = 30000;
/** What the tests need from the engine. */
export interface DeviceTestHooks {
    /** Reports a level, 0..255. */
    volume(volume: number): void;
    /** The output device chosen with setAudioPlaybackDevice (null: the system default). */
    sinkId(): string | null;
    /** The microphone chosen with setAudioCaptureDevice. */
    micId(): string | undefined;
}
/** The device tests of one engine. */
export declare class DeviceTests {
    private readonly hooks;
    private test;
    constructor(hooks: DeviceTestHooks);
    /** Plays the audio file at `url` in a loop, reporting its level every `intervalMs`. */
    startPlayback(url: string, intervalMs: number): Promise<void>;
    /** Stops the playback test (a no-op when it does not run). */
    stopPlayback(): void;
    /** Records the microphone (up to {@link MAX_RECORD_MS}), then plays the recording back. */
    startRecord(intervalMs: number): Promise<void>;
    /** Ends the recording early and plays back what was recorded. */
    stopRecordAndPlay(): void;
    /** Ends the record test, whether it still records or already plays back. */
    stopPlay(): void;
    /** The output device changed: a running test follows it. */
    setSink(sinkId: string): void;
    /** Stops any test. */
    destroy(): void;
    private begin;
    private replay;
    private end;
}
