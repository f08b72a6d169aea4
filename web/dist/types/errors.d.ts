/**
 * The one error type the SDK throws and rejects with: `{code, message}` as the veRTC contract
 * says, and still an `Error` so stack traces and `instanceof Error` keep working.
 */
import { ErrorCode } from "./generated/protocol";
/** An SDK error: `code` is an {@link ErrorCode}, `message` says what to do about it. */
export declare class RtcError extends Error {
    /** The contract's code. */
    readonly code: ErrorCode;
    constructor(code: ErrorCode, message: string);
}
/** Makes an {@link RtcError}. */
export declare function rtcError(code: ErrorCode, message: string): RtcError;
/** Whether `e` already carries a contract code (ours, or a server error passed through). */
export declare function isRtcError(e: unknown): e is RtcError;
/** Keeps an error that has a code; wraps anything else under `code`. */
export declare function asRtcError(e: unknown, code: ErrorCode, context: string): RtcError;
