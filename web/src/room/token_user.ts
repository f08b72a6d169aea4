/**
 * The user id inside an "001" token (crates/token): the WTN manager plays and pushes with a
 * token and no user id of its own, so it joins as the user the token names. Only reads the
 * token; the server checks its signature, expiry and privileges. Depends on nothing.
 */

/** "001", then the 24-character app id, then base64 of the message and signature. */
const PREFIX_LEN = 3 + 24;

/** The user id `token` is for, or null when it is not a well-formed "001" token. */
export function tokenUser(token: string | null): string | null {
  if (typeof token !== "string" || !token.startsWith("001") || token.length <= PREFIX_LEN) return null;
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(token.slice(PREFIX_LEN)), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
  // The message: u16 LE length, then nonce, issued-at and expiry (u32 each), then the room
  // id and the user id, each a u16 LE length and UTF-8 bytes.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2 + 12;
  const field = (): string | null => {
    if (at + 2 > bytes.length) return null;
    const len = view.getUint16(at, true);
    at += 2;
    if (at + len > bytes.length) return null;
    const text = new TextDecoder().decode(bytes.subarray(at, at + len));
    at += len;
    return text;
  };
  if (field() === null) return null;
  return field();
}
