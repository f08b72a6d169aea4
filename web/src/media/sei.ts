/**
 * SEI messages in the video (`sendSEIMessage`, `onSEIMessageReceived`) through encoded
 * transforms (`RTCRtpScriptTransform`): a worker, built from the source text of seinal.ts's
 * functions and {@link seiWorker}, puts queued messages into the H.264 frames of the senders it
 * is given and reads them out of the frames of every video receiver. The SFU forwards H.264
 * payloads untouched, so the units arrive as they were sent.
 *
 * The vendor's rules: a message is 1 to 4096 bytes; it goes into `repeatCount + 1` consecutive
 * frames (0 ≤ repeatCount ≤ min(30, 2 × frame rate)); a frame carries only messages queued in
 * the last 2 s. Receivers report each message once, however many frames carried it.
 *
 * The same worker marks every frame of a black-frame carrier (seicarrier.ts) and tells, per
 * receiver, when marked frames start or stop arriving.
 */
import { ErrorCode, StreamIndex } from "../generated/protocol";
import { rtcError } from "../errors";
import { warn } from "../log";
import { CHORUS_BLACK_TAG, CHORUS_SEI_TAG, isAnnexB, nalUnits, readSei, SeiSchedule, seiNal, withSei } from "./seinal";

/** The largest message, bytes. */
export const MAX_SEI_BYTES = 4096;
/** The most repeats, whatever the frame rate. */
export const MAX_SEI_REPEAT = 30;
/** How many message sequence numbers each received stream remembers, to drop repeats. */
const SEEN_PER_STREAM = 256;
/** How long a message waits for a frame (the vendor's 2 s). */
const MAX_WAIT_MS = 2000;
/**
 * The most messages a stream may have waiting: a message waits at most 2 s for a frame, so
 * more than 2 s of frames' worth (at 60 fps) can never all be sent.
 */
export const MAX_SEI_PENDING = 120;

/** How a frame carries queued messages (the native SDKs' `SEICountPerFrame`). */
export enum SEICountPerFrame {
  /** One message per frame: queued messages take turns, each for its repeats. */
  SINGLE_SEI_PER_FRAME = 0,
  /** Every queued message in each frame. */
  MULTI_SEI_PER_FRAME = 1,
}

/**
 * The bytes of a `sendSEIMessage` message after the vendor's checks: 1 to {@link MAX_SEI_BYTES}
 * bytes, `repeatCount` an integer from 0 to min(30, 2 × `frameRate`) (30 when the rate is not
 * known). Throws INVALID_PARAMS.
 */
export function seiMessage(message: unknown, repeatCount: unknown, frameRate: number): Uint8Array {
  const bytes =
    typeof message === "string" ? new TextEncoder().encode(message) : message instanceof Uint8Array ? message : null;
  if (!bytes) throw rtcError(ErrorCode.INVALID_PARAMS, "sendSEIMessage: message must be a Uint8Array or a string");
  if (bytes.length === 0 || bytes.length > MAX_SEI_BYTES)
    throw rtcError(
      ErrorCode.INVALID_PARAMS,
      `sendSEIMessage: message must be 1 to ${MAX_SEI_BYTES} bytes (got ${bytes.length})`,
    );
  const max = frameRate > 0 ? Math.min(MAX_SEI_REPEAT, Math.floor(frameRate * 2)) : MAX_SEI_REPEAT;
  if (typeof repeatCount !== "number" || !Number.isInteger(repeatCount) || repeatCount < 0 || repeatCount > max)
    throw rtcError(
      ErrorCode.INVALID_PARAMS,
      `sendSEIMessage: repeatCount must be an integer from 0 to ${max} (min(30, 2 × frame rate))`,
    );
  return bytes.slice();
}

/** What the worker is told. */
type ToWorker =
  | { type: "send"; id: number; seq: number; message: Uint8Array; frames: number; multi: boolean }
  | { type: "forget"; id: number }
  | { type: "black"; id: number; on: boolean }
  | { type: "unwatch"; id: number };
/**
 * What the worker tells: messages read from a receiver's frame, and whether its frames are
 * marked black, when that changes.
 */
interface FromWorker {
  id: number;
  found: { seq: number; message: Uint8Array }[];
  black?: boolean;
}

/**
 * The worker's body. Self-contained but for seinal.ts's functions, which the worker source
 * defines before it; `tag` is {@link CHORUS_SEI_TAG}, `blackTag` {@link CHORUS_BLACK_TAG}.
 */
function seiWorker(tag: number[], blackTag: number[]): void {
  const schedules = new Map<number, SeiSchedule>();
  // Senders whose frames are marked black, and receivers last seen receiving marked frames.
  const marking = new Set<number>();
  const blackSeen = new Set<number>();
  const marker = seiNal(blackTag, 0, new Uint8Array(0));
  const schedule = (id: number) => {
    let s = schedules.get(id);
    if (!s) schedules.set(id, (s = new SeiSchedule(2000)));
    return s;
  };
  const scope = self as any;
  scope.addEventListener("message", (e: MessageEvent) => {
    const m = e.data;
    if (m.type === "send") schedule(m.id).add(seiNal(tag, m.seq, m.message), m.frames, performance.now(), m.multi);
    else if (m.type === "forget") schedules.delete(m.id);
    else if (m.type === "black") {
      if (m.on) marking.add(m.id);
      else marking.delete(m.id);
    } else if (m.type === "unwatch") blackSeen.delete(m.id);
  });
  scope.addEventListener("rtctransform", (event: any) => {
    const transformer = event.transformer;
    const { role, id } = transformer.options;
    const send = (frame: any) => {
      const data = new Uint8Array(frame.data);
      if (!isAnnexB(data)) return;
      // Simulcast layers count apart (see SeiSchedule).
      const meta = frame.getMetadata?.() ?? {};
      const layer = String(meta.rid ?? meta.synchronizationSource ?? 0);
      const units = schedule(id).forFrame(layer, performance.now());
      if (marking.has(id)) units.push(marker);
      if (units.length) frame.data = withSei(data, units).buffer;
    };
    const receive = (frame: any) => {
      const data = new Uint8Array(frame.data);
      if (!isAnnexB(data)) return;
      const found = readSei(data, tag);
      const black = readSei(data, blackTag).length > 0;
      if (black !== blackSeen.has(id)) {
        if (black) blackSeen.add(id);
        else blackSeen.delete(id);
        scope.postMessage({ id, found, black });
      } else if (found.length) scope.postMessage({ id, found });
    };
    transformer.readable
      .pipeThrough(
        new TransformStream({
          transform(frame: any, controller: any) {
            try {
              if (role === "send") send(frame);
              else receive(frame);
            } catch {
              // A frame we cannot read or write goes on as it came.
            }
            controller.enqueue(frame);
          },
        }),
      )
      .pipeTo(transformer.writable)
      .catch(() => {});
  });
}

/** Whether this browser has encoded transforms. */
export function seiSupported(): boolean {
  return typeof RTCRtpScriptTransform !== "undefined" && typeof Worker !== "undefined";
}

/** Who sent what a receiver receives now. */
export interface ReceiverOwner {
  /** The publisher. */
  userId: string;
  /** Main or screen. */
  index: StreamIndex;
}

/** One engine's SEI: the worker, the senders and receivers it transforms, and de-duplication. */
export class SeiChannel {
  private worker: Worker | null = null;
  private workerUrl: string | null = null;
  private ids = new WeakMap<RTCRtpSender | RTCRtpReceiver, number>();
  private receivers = new Map<number, RTCRtpReceiver>();
  private nextId = 1;
  private seq = (Math.random() * 2 ** 32) >>> 0;
  private seen = new Map<string, number[]>();
  /** When each sender's recent messages were queued, to bound what waits. */
  private queued = new Map<number, number[]>();
  /** Receivers whose frames are marked black now. */
  private black = new Set<number>();

  /**
   * `owner` says whose stream a receiver carries now (null: none); `received` gets each
   * message once; `blackChanged` hears when a receiver's frames start or stop being marked
   * black (a black-frame carrier).
   */
  constructor(
    private readonly owner: (receiver: RTCRtpReceiver) => ReceiverOwner | null,
    private readonly received: (from: ReceiverOwner, message: Uint8Array) => void,
    private readonly blackChanged: (from: ReceiverOwner, black: boolean) => void = () => {},
  ) {}

  /** Marks (or stops marking) every frame `sender` sends as a black-frame carrier's. */
  markBlack(sender: RTCRtpSender, on: boolean): void {
    const id = this.ids.get(sender);
    if (id !== undefined) this.worker?.postMessage({ type: "black", id, on } satisfies ToWorker);
  }

  /** Whether `receiver`'s frames are marked black now. */
  isBlack(receiver: RTCRtpReceiver): boolean {
    const id = this.ids.get(receiver);
    return id !== undefined && this.black.has(id);
  }

  /** `receiver` no longer carries the stream it did: its black state starts over. */
  unwatch(receiver: RTCRtpReceiver): void {
    const id = this.ids.get(receiver);
    if (id === undefined) return;
    this.black.delete(id);
    this.worker?.postMessage({ type: "unwatch", id } satisfies ToWorker);
  }

  /**
   * Puts queued messages into what `sender` sends (a video sender). Chromium routes frames
   * through a transform only when it is set before the sender starts, so this comes when the
   * transport is set up, not with the first message.
   */
  prepare(sender: RTCRtpSender): void {
    if (seiSupported() && !this.ids.has(sender)) this.attach(sender, "send");
  }

  /**
   * Reads SEI out of what `receiver` receives (a video receiver), set before its first frame
   * for the reason {@link prepare} gives.
   */
  watch(receiver: RTCRtpReceiver): void {
    if (!seiSupported() || this.ids.has(receiver)) return;
    const id = this.attach(receiver, "receive");
    if (id !== null) this.receivers.set(id, receiver);
  }

  /**
   * Queues `message` for the next `repeatCount + 1` frames `sender` sends; `multi` lets a frame
   * carry several messages.
   */
  send(sender: RTCRtpSender, message: Uint8Array, repeatCount: number, multi: boolean): void {
    if (!seiSupported())
      throw rtcError(
        ErrorCode.NOT_SUPPORTED,
        "sendSEIMessage: this browser has no encoded transforms (RTCRtpScriptTransform)",
      );
    const id = this.ids.get(sender);
    if (id === undefined || !this.worker)
      throw rtcError(ErrorCode.NOT_SUPPORTED, "sendSEIMessage: the video sender could not take an encoded transform");
    const now = performance.now();
    const recent = (this.queued.get(id) ?? []).filter((at) => now - at <= MAX_WAIT_MS);
    if (recent.length >= MAX_SEI_PENDING)
      throw rtcError(
        ErrorCode.INVALID_PARAMS,
        `sendSEIMessage: ${MAX_SEI_PENDING} messages sent in the last 2 s still wait for frames; send at most one per frame`,
      );
    recent.push(now);
    this.queued.set(id, recent);
    this.seq = (this.seq + 1) >>> 0;
    const m: ToWorker = { type: "send", id, seq: this.seq, message, frames: repeatCount + 1, multi };
    this.worker.postMessage(m);
  }

  /** Forgets the receivers and what they reported, and drops what senders queued (out of the room). */
  reset(): void {
    for (const id of this.queued.keys()) this.worker?.postMessage({ type: "forget", id } satisfies ToWorker);
    this.queued.clear();
    this.receivers.clear();
    this.seen.clear();
    this.black.clear();
  }

  /** Stops the worker (the engine is destroyed). */
  close(): void {
    this.worker?.terminate();
    this.worker = null;
    if (this.workerUrl) URL.revokeObjectURL(this.workerUrl);
    this.workerUrl = null;
    this.receivers.clear();
    this.seen.clear();
    this.queued.clear();
  }

  private attach(target: RTCRtpSender | RTCRtpReceiver, role: "send" | "receive"): number | null {
    const worker = this.start();
    if (!worker) return null;
    const id = this.nextId++;
    try {
      target.transform = new RTCRtpScriptTransform(worker, { role, id });
    } catch (e) {
      warn("an encoded transform could not be set:", (e as Error).message);
      return null;
    }
    this.ids.set(target, id);
    return id;
  }

  private start(): Worker | null {
    if (this.worker) return this.worker;
    // Bound by name, as the bundle refers to them: a minified class is an anonymous class
    // expression assigned to its name.
    const source = [seiNal, nalUnits, isAnnexB, withSei, readSei, SeiSchedule, seiWorker]
      .map((f) => `const ${f.name} = ${f.toString()};`)
      .concat(`(${seiWorker.name})(${JSON.stringify(CHORUS_SEI_TAG)}, ${JSON.stringify(CHORUS_BLACK_TAG)});`)
      .join("\n");
    try {
      // The URL lives as long as the worker: revoked at once, the worker may not load.
      this.workerUrl = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      this.worker = new Worker(this.workerUrl);
    } catch (e) {
      warn("the SEI worker could not start:", (e as Error).message);
      return null;
    }
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.found(e.data);
    return this.worker;
  }

  private found({ id, found, black }: FromWorker): void {
    const receiver = this.receivers.get(id);
    if (black !== undefined) {
      if (black) this.black.add(id);
      else this.black.delete(id);
    }
    const from = receiver && this.owner(receiver);
    if (!from) return;
    if (black !== undefined) this.blackChanged(from, black);
    const key = `${from.index}:${from.userId}`;
    const seen = this.seen.get(key) ?? [];
    this.seen.set(key, seen);
    for (const { seq, message } of found) {
      if (seen.includes(seq)) continue;
      seen.push(seq);
      if (seen.length > SEEN_PER_STREAM) seen.shift();
      this.received(from, message);
    }
  }
}
