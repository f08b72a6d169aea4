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
import { StreamIndex } from "../generated/protocol";
/** The largest message, bytes. */
export declare const MAX_SEI_BYTES = 4096;
/** The most repeats, whatever the frame rate. */
export declare const MAX_SEI_REPEAT = 30;
/**
 * The most messages a stream may have waiting: a message waits at most 2 s for a frame, so
 * more than 2 s of frames' worth (at 60 fps) can never all be sent.
 */
export declare const MAX_SEI_PENDING = 120;
/** How a frame carries queued messages (the native SDKs' `SEICountPerFrame`). */
export declare enum SEICountPerFrame {
    /** One message per frame: queued messages take turns, each for its repeats. */
    SINGLE_SEI_PER_FRAME = 0,
    /** Every queued message in each frame. */
    MULTI_SEI_PER_FRAME = 1
}
/**
 * The bytes of a `sendSEIMessage` message after the vendor's checks: 1 to {@link MAX_SEI_BYTES}
 * bytes, `repeatCount` an integer from 0 to min(30, 2 × `frameRate`) (30 when the rate is not
 * known). Throws INVALID_PARAMS.
 */
export declare function seiMessage(message: unknown, repeatCount: unknown, frameRate: number): Uint8Array;
/** Whether this browser has encoded transforms. */
export declare function seiSupported(): boolean;
/** Who sent what a receiver receives now. */
export interface ReceiverOwner {
    /** The publisher. */
    userId: string;
    /** Main or screen. */
    index: StreamIndex;
}
/** One engine's SEI: the worker, the senders and receivers it transforms, and de-duplication. */
export declare class SeiChannel {
    private readonly owner;
    private readonly received;
    private readonly blackChanged;
    private worker;
    private workerUrl;
    private ids;
    private receivers;
    private nextId;
    private seq;
    private seen;
    /** When each sender's recent messages were queued, to bound what waits. */
    private queued;
    /** Receivers whose frames are marked black now. */
    private black;
    /**
     * `owner` says whose stream a receiver carries now (null: none); `received` gets each
     * message once; `blackChanged` hears when a receiver's frames start or stop being marked
     * black (a black-frame carrier).
     */
    constructor(owner: (receiver: RTCRtpReceiver) => ReceiverOwner | null, received: (from: ReceiverOwner, message: Uint8Array) => void, blackChanged?: (from: ReceiverOwner, black: boolean) => void);
    /** Marks (or stops marking) every frame `sender` sends as a black-frame carrier's. */
    markBlack(sender: RTCRtpSender, on: boolean): void;
    /** Whether `receiver`'s frames are marked black now. */
    isBlack(receiver: RTCRtpReceiver): boolean;
    /** `receiver` no longer carries the stream it did: its black state starts over. */
    unwatch(receiver: RTCRtpReceiver): void;
    /**
     * Puts queued messages into what `sender` sends (a video sender). Chromium routes frames
     * through a transform only when it is set before the sender starts, so this comes when the
     * transport is set up, not with the first message.
     */
    prepare(sender: RTCRtpSender): void;
    /**
     * Reads SEI out of what `receiver` receives (a video receiver), set before its first frame
     * for the reason {@link prepare} gives.
     */
    watch(receiver: RTCRtpReceiver): void;
    /**
     * Queues `message` for the next `repeatCount + 1` frames `sender` sends; `multi` lets a frame
     * carry several messages.
     */
    send(sender: RTCRtpSender, message: Uint8Array, repeatCount: number, multi: boolean): void;
    /** Forgets the receivers and what they reported, and drops what senders queued (out of the room). */
    reset(): void;
    /** Stops the worker (the engine is destroyed). */
    close(): void;
    private attach;
    private start;
    private found;
}
