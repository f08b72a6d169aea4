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
import { ErrorCode, StreamIndex, type SubscribedTrack } from "../generated/protocol";
import { rtcError } from "../errors";
import type { Kind } from "./capture";

/** The stream ids the offer's m-lines get. */
export class RenderSync {
  /** Whether a user's audio and video are played in sync (the vendor's default: yes). */
  enabled = true;

  /** `sdp` with each carried m-line's `a=msid` (and `a=ssrc ... msid`) naming the stream above. */
  rewrite(sdp: string, tracks: SubscribedTrack[]): string {
    const byMid = new Map(tracks.map((t) => [t.mid, t]));
    const sections = sdp.split(/(?=\r?\nm=)/);
    return sections
      .map((section) => {
        const mid = /\na=mid:(\S+)/.exec(section)?.[1];
        const track = mid === undefined ? undefined : byMid.get(mid);
        if (!track || mid === undefined) return section;
        const user = msidToken(track.userId);
        const stream = this.enabled ? `${user}-${track.streamIndex}` : `${user}-${track.streamIndex}-${msidToken(mid)}`;
        const id = `chorus-${msidToken(mid)}`;
        let found = false;
        const out = section
          .replace(/^a=msid:\S+ \S+$/gm, () => {
            found = true;
            return `a=msid:${stream} ${id}`;
          })
          .replace(/^(a=ssrc:\d+ msid:)\S+ \S+$/gm, `$1${stream} ${id}`);
        if (found) return out;
        const eol = section.includes("\r\n") ? "\r\n" : "\n";
        return out.replace(/(\na=mid:\S+)/, `$1${eol}a=msid:${stream} ${id}`);
      })
      .join("");
  }
}

/**
 * `s` in the characters an msid may hold (SDP token characters, without `~`): others, such as
 * the `@` user ids may contain, become `~` and their code in hex, so distinct ids stay distinct.
 */
function msidToken(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, (c) => `~${c.charCodeAt(0).toString(16)}`);
}

/** `onJitterBufferTargetStabled`: the jitter buffer of a stream reached its target (or gave up: null). */
export interface JitterBufferTargetStabledEvent {
  /** Whose stream. */
  descriptor: { userId: string; streamIndex: StreamIndex };
  /** The target reached, in ms; null when the buffer did not settle near it in time. */
  target: number | null;
}

/** The most the browser buffers (`RTCRtpReceiver.jitterBufferTarget` is limited to 4 s). */
const MAX_TARGET_MS = 4000;
/** A progressive change moves by this much each step. */
const STEP_MS = 50;
const STEP_EVERY_MS = 100;
/** How often the buffer's delay is measured, and how long it may take to settle. */
const MEASURE_EVERY_MS = 500;
const SETTLE_LIMIT_MS = 15_000;
/** How close to the target counts as settled: 15 %, at least 20 ms. */
const TOLERANCE = 0.15;
const TOLERANCE_MIN_MS = 20;

/** What the targets need from the engine. */
export interface JitterHooks {
  /** The receiver of `userId`'s `kind` on `index`, if received. */
  receiver(userId: string, index: StreamIndex, kind: Kind): RTCRtpReceiver | undefined;
  /** Emits an engine event. */
  emit(event: string, ...args: unknown[]): void;
}

type Settable = RTCRtpReceiver & { jitterBufferTarget?: number | null };

/** One stream's target being applied and watched. */
interface Job {
  cancel(): void;
}

/** Jitter buffer targets per received stream. */
export class JitterTargets {
  private jobs = new Map<string, Job>();

  constructor(private readonly hooks: JitterHooks) {}

  /**
   * Sets the jitter buffer target of `userId`'s stream `index` (audio and video) to `target`
   * ms (0 returns to the browser's own choice), at once or, `progressive`, in small steps;
   * emits `onJitterBufferTargetStabled` once the buffer's delay settles near it.
   */
  set(userId: string, index: StreamIndex, target: number, progressive = true): void {
    if (typeof target !== "number" || !(target >= 0) || target > MAX_TARGET_MS)
      throw rtcError(ErrorCode.INVALID_PARAMS, `setJitterBufferTarget: target must be 0..${MAX_TARGET_MS} ms`);
    const receivers = (["audio", "video"] as Kind[])
      .map((kind) => this.hooks.receiver(userId, index, kind) as Settable | undefined)
      .filter((r): r is Settable => r !== undefined);
    if (receivers.length === 0)
      throw rtcError(
        ErrorCode.STREAM_NOT_EXIST,
        `setJitterBufferTarget: nothing of ${userId}'s stream ${index} is received`,
      );
    if (!receivers.every((r) => "jitterBufferTarget" in r))
      throw rtcError(ErrorCode.NOT_SUPPORTED, "setJitterBufferTarget: this browser cannot set a jitter buffer target");
    const key = `${index}:${userId}`;
    this.jobs.get(key)?.cancel();
    const timers: ReturnType<typeof setTimeout>[] = [];
    let cancelled = false;
    const job: Job = {
      cancel: () => {
        cancelled = true;
        timers.forEach(clearTimeout);
      },
    };
    this.jobs.set(key, job);
    const start = receivers[0].jitterBufferTarget ?? 0;
    const steps = progressive ? Math.max(1, Math.ceil(Math.abs(target - start) / STEP_MS)) : 1;
    for (let i = 1; i <= steps; i++) {
      const value = i === steps ? target : start + ((target - start) * i) / steps;
      const apply = () => receivers.forEach((r) => (r.jitterBufferTarget = value === 0 ? null : value));
      if (i === 1) apply();
      else timers.push(setTimeout(apply, (i - 1) * STEP_EVERY_MS));
    }
    const began = Date.now();
    let last: ({ delay: number; count: number } | null)[] = receivers.map(() => null);
    const measure = async () => {
      if (cancelled) return;
      const now = await Promise.all(receivers.map(bufferTotals));
      if (cancelled) return;
      const stepsDone = Date.now() - began >= (steps - 1) * STEP_EVERY_MS;
      // Settled when every receiver's buffer delay over the last interval is near the target.
      const near = now.every((n, i) => {
        const before = last[i];
        if (!n || !before || n.count <= before.count) return false;
        const delay = ((n.delay - before.delay) * 1000) / (n.count - before.count);
        return Math.abs(delay - target) <= Math.max(TOLERANCE_MIN_MS, target * TOLERANCE);
      });
      if (stepsDone && (near || target === 0))
        return this.done(key, job, { descriptor: { userId, streamIndex: index }, target });
      last = now.map((n, i) => n ?? last[i]);
      if (Date.now() - began > SETTLE_LIMIT_MS)
        return this.done(key, job, { descriptor: { userId, streamIndex: index }, target: null });
      timers.push(setTimeout(() => void measure(), MEASURE_EVERY_MS));
    };
    timers.push(setTimeout(() => void measure(), MEASURE_EVERY_MS));
  }

  /** Stops watching every target (leaving the room). */
  reset(): void {
    for (const job of this.jobs.values()) job.cancel();
    this.jobs.clear();
  }

  private done(key: string, job: Job, event: JitterBufferTargetStabledEvent): void {
    if (this.jobs.get(key) !== job) return;
    this.jobs.delete(key);
    this.hooks.emit("onJitterBufferTargetStabled", event);
  }
}

/** The receiver's total jitter buffer delay (s) and the samples or frames it counts. */
async function bufferTotals(receiver: RTCRtpReceiver): Promise<{ delay: number; count: number } | null> {
  const report = await receiver.getStats().catch(() => null);
  let out: { delay: number; count: number } | null = null;
  report?.forEach((s) => {
    if (s.type === "inbound-rtp" && typeof s.jitterBufferDelay === "number")
      out = { delay: s.jitterBufferDelay, count: s.jitterBufferEmittedCount ?? 0 };
  });
  return out;
}
