/**
 * Audio/video timing of received streams: render sync (`setRemoteStreamRenderSync`) and
 * jitter buffer targets (`setJitterBufferTarget`, `onJitterBufferTargetStabled`).
 *
 * The browser plays a remote user's audio and video in sync, using the clocks the RTCP sender
 * reports carry, exactly when both receivers belong to one stream id (`a=msid`) of the offer.
 * The SFU reuses m-lines for other users' tracks and keeps the stream id of their first use,
 * so the SDK writes the stream ids itself, from what each m-line carries now: one id per
 * user and stream (sync on), or one per m-line (sync off: lowest latency, no lip sync).
 * Depends on nothing of the engine: receivers come through a callback.
 */
import { StreamIndex, type SubscribedTrack } from "../generated/protocol";
import type { Kind } from "./capture";
/** The stream ids the offer's m-lines get. */
export declare class RenderSync {
    /** Whether a user's audio and video are played in sync (the vendor's default: yes). */
    enabled: boolean;
    /** `sdp` with each carried m-line's `a=msid` (and `a=ssrc ... msid`) naming the stream above. */
    rewrite(sdp: string, tracks: SubscribedTrack[]): string;
}
/** `onJitterBufferTargetStabled`: the jitter buffer of a stream reached its target (or gave up: null). */
export interface JitterBufferTargetStabledEvent {
    /** Whose stream. */
    descriptor: {
        userId: string;
        streamIndex: StreamIndex;
    };
    /** The target reached, in ms; null when the buffer did not settle near it in time. */
    target: number | null;
}
/** What the targets need from the engine. */
export interface JitterHooks {
    /** The receiver of `userId`'s `kind` on `index`, if received. */
    receiver(userId: string, index: StreamIndex, kind: Kind): RTCRtpReceiver | undefined;
    /** Emits an engine event. */
    emit(event: string, ...args: unknown[]): void;
}
/** Jitter buffer targets per received stream. */
export declare class JitterTargets {
    private readonly hooks;
    private jobs;
    constructor(hooks: JitterHooks);
    /**
     * Sets the jitter buffer target of `userId`'s stream `index` (audio and video) to `target`
     * ms (0 returns to the browser's own choice), at once or, `progressive`, in small steps;
     * emits `onJitterBufferTargetStabled` once the buffer's delay settles near it.
     */
    set(userId: string, index: StreamIndex, target: number, progressive?: boolean): void;
    /** Stops watching every target (leaving the room). */
    reset(): void;
    private done;
}
