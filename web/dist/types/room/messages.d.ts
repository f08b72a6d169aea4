import type { RequestOptions } from "../signal/client";
/** Checks a text message; returns it. */
export declare function textMessage(message: unknown, method: string): string;
/** Checks binary message bytes; returns them as base64. */
export declare function binaryMessage(message: unknown, method: string): string;
/** Base64 from the server as an ArrayBuffer. */
export declare function fromBase64(b64: string): ArrayBuffer;
/** How messages are sent: they fail with USER_MESSAGE_TIMEOUT after `timeoutMs`, USER_MESSAGE_BROKEN on a drop. */
export declare function messageOptions(timeoutMs: number): RequestOptions;
