/**
 * Message payloads: the contract's size limit checked before sending, the protocol's base64 for
 * binary messages in both directions (apps send and receive `ArrayBuffer`s), and the request
 * options every message is sent with.
 */
import { ErrorCode, MAX_MESSAGE_BYTES } from "../generated/protocol";
import { rtcError } from "../errors";
import type { RequestOptions } from "../signal/client";

/** The limit in the words of an error message. */
const OVER_LIMIT = `the message is over ${MAX_MESSAGE_BYTES / 1024} KB; split it`;

/** Checks a text message; returns it. */
export function textMessage(message: unknown, method: string): string {
  if (typeof message !== "string") throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: the message must be a string`);
  if (new TextEncoder().encode(message).length > MAX_MESSAGE_BYTES)
    throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: ${OVER_LIMIT}`);
  return message;
}

/** Checks binary message bytes; returns them as base64. */
export function binaryMessage(message: unknown, method: string): string {
  let bytes: Uint8Array;
  if (message instanceof ArrayBuffer) bytes = new Uint8Array(message);
  else if (ArrayBuffer.isView(message)) bytes = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  else throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: the message must be an ArrayBuffer or a typed array`);
  if (bytes.length > MAX_MESSAGE_BYTES) throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: ${OVER_LIMIT}`);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Base64 from the server as an ArrayBuffer. */
export function fromBase64(b64: string): ArrayBuffer {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

/** How messages are sent: they fail with USER_MESSAGE_TIMEOUT after `timeoutMs`, USER_MESSAGE_BROKEN on a drop. */
export function messageOptions(timeoutMs: number): RequestOptions {
  return { timeoutMs, timeoutCode: ErrorCode.USER_MESSAGE_TIMEOUT, brokenCode: ErrorCode.USER_MESSAGE_BROKEN };
}
