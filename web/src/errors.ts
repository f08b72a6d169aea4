/**
 * The one error type the SDK throws and rejects with: `{code, message}` as the veRTC contract
 * says, and still an `Error` so stack traces and `instanceof Error` keep working.
 */
import { ErrorCode } from "./generated/protocol";

/** An SDK error: `code` is an {@link ErrorCode}, `message` says what to do about it. */
export class RtcError extends Error {
  /** The contract's code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "RtcError";
    this.code = code;
  }
}

/** Makes an {@link RtcError}. */
export function rtcError(code: ErrorCode, message: string): RtcError {
  return new RtcError(code, message);
}

/** Whether `e` already carries a contract code (ours, or a server error passed through). */
export function isRtcError(e: unknown): e is RtcError {
  return typeof e === "object" && e !== null && typeof (e as RtcError).code === "string";
}

/** Keeps an error that has a code; wraps anything else under `code`. */
export function asRtcError(e: unknown, code: ErrorCode, context: string): RtcError {
  if (isRtcError(e)) return e;
  const why = e instanceof Error ? e.message : String(e);
  return rtcError(code, `${context}: ${why}`);
}
