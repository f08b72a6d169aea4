/** The protocol's message limit, of text or of bytes. */
export declare const MAX_MESSAGE_BYTES: number;
/** Checks a text message; returns it. */
export declare function textMessage(message: unknown, method: string): string;
/** Checks binary message bytes; returns them as base64. */
export declare function binaryMessage(message: unknown, method: string): string;
/** Base64 from the server as an ArrayBuffer. */
export declare function fromBase64(b64: string): ArrayBuffer;
/** Server events whose `message` is base64 of bytes. */
export declare const BINARY_EVENTS: Set<string>;
