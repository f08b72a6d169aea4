/**
 * SEI in H.264 (ITU-T H.264 7.3.2.3, D.1.6): builds the `user_data_unregistered` NAL unit
 * (payload type 5) that carries an app's `sendSEIMessage` bytes, puts it into an Annex-B frame
 * before the picture's first slice (where an SEI belongs), and finds such units in a received
 * frame. The 16-byte UUID is Chorus's 12-byte tag followed by the message's sequence number
 * (u32, big-endian), which lets receivers drop the repeats `repeatCount` asks for.
 *
 * The native SDK writes and reads the same units (chorus-media's `video/sei.rs`).
 *
 * Every function here is self-contained (no reference outside its own body but to the others
 * here), because the encoded-transform worker is built from their source text (see sei.ts).
 */
/** The first 12 bytes of the UUID of Chorus's SEI messages: "chorus-sei" and format 0x0001. */
export declare const CHORUS_SEI_TAG: number[];
/**
 * The UUID start of the marker unit (with sequence number 0 and no message) in every frame of
 * a black-frame SEI carrier (seicarrier.ts): "chorus-blk" and format 0x0001.
 */
export declare const CHORUS_BLACK_TAG: number[];
/**
 * The Annex-B SEI NAL unit (4-byte start code first) that carries `message` with sequence
 * number `seq`, emulation prevention applied.
 */
export declare function seiNal(tag: number[], seq: number, message: Uint8Array): Uint8Array;
/** Where each NAL unit of an Annex-B buffer starts (its header byte) and ends. */
export declare function nalUnits(data: Uint8Array): {
    start: number;
    end: number;
}[];
/** Whether `data` looks like Annex-B H.264 (starts with a start code). */
export declare function isAnnexB(data: Uint8Array): boolean;
/** `frame` with the `sei` units put before its first slice (at the end when it has none). */
export declare function withSei(frame: Uint8Array, sei: Uint8Array[]): Uint8Array;
/** Chorus's SEI messages (`tag` as the UUID's start) in an Annex-B frame, in order. */
export declare function readSei(frame: Uint8Array, tag: number[]): {
    seq: number;
    message: Uint8Array;
}[];
/**
 * Which SEI units each sent frame carries: a queued message goes into `frames` consecutive
 * pictures of each layer, one message per picture unless queued as `multi`, and waits at most
 * `maxAgeMs`. Simulcast layers count apart: their frames interleave, and each layer has RTP
 * timestamps of its own, so a receiver of any one layer sees every message in `frames` frames.
 */
export declare class SeiSchedule {
    private readonly maxAgeMs;
    private queue;
    constructor(maxAgeMs: number);
    /** Queues a unit for the next `frames` pictures, at time `at` (ms). */
    add(nal: Uint8Array, frames: number, at: number, multi: boolean): void;
    /** The units for a frame of `layer` sent at time `now` (ms). */
    forFrame(layer: string, now: number): Uint8Array[];
}
