/**
 * Message payloads: the 64 KB limit checked before sending, and the protocol's base64 for
 * binary messages in both directions (apps send and receive `ArrayBuffer`s).
 */
import { ErrorCode } from "../generated/protocol";
import { rtcError } from "../errors";

/** The protocol's message limit, of text or of bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Checks a text message; returns it. */
export function textMessage(message: unknown, method: string): string {
  if (typeof message !== "string") throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: the message must be a string`);
  if (new TextEncoder().encode(message).length > MAX_MESSAGE_BYTES) throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: the message is over 64 KB; split it`);
  return message;
}

/** Checks binary message bytes; returns them as base64. */
export function binaryMessage(message: unknown, method: string): string {
  let bytes: Uint8Array;
  if (message instanceof ArrayBuffer) bytes = new Uint8Array(message);
  else if (ArrayBuffer.isView(message)) bytes = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  else throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: the message must be an ArrayBuffer or a typed array`);
  if (bytes.length > MAX_MESSAGE_BYTES) throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: the message is over 64 KB; split it`);
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

/** Server events whose `message` is base64 of bytes. */
export const BINARY_EVENTS = new Set(["onUserBinaryMessageReceived", "onRoomBinaryMessageReceived", "onUserBinaryMessageReceivedOutsideRoom"]);
