import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { textMessage, binaryMessage, fromBase64, messageOptions } = await load("room/messages.ts");
const { MAX_MESSAGE_BYTES } = await load("generated/protocol.ts");

test("text up to the contract's limit passes; over it fails and says to split", () => {
  assert.equal(textMessage("hi", "sendRoomMessage"), "hi");
  assert.equal(textMessage("x".repeat(MAX_MESSAGE_BYTES), "sendRoomMessage").length, MAX_MESSAGE_BYTES);
  assert.throws(() => textMessage("x".repeat(MAX_MESSAGE_BYTES + 1), "sendRoomMessage"), {
    code: "INVALID_PARAMS",
    message: "sendRoomMessage: the message is over 64 KB; split it",
  });
  // The limit is of UTF-8 bytes, not characters.
  assert.throws(() => textMessage("é".repeat(MAX_MESSAGE_BYTES / 2 + 1), "sendRoomMessage"), {
    code: "INVALID_PARAMS",
  });
  assert.throws(() => textMessage(42, "sendRoomMessage"), { code: "INVALID_PARAMS" });
});

test("bytes travel as base64 and come back as the same bytes", () => {
  // Larger than one 32 KiB chunk of the encoder, up to the limit.
  const bytes = new Uint8Array(MAX_MESSAGE_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
  for (const message of [bytes.buffer, bytes, new DataView(bytes.buffer, 1, 3)]) {
    const b64 = binaryMessage(message, "sendRoomBinaryMessage");
    const view = ArrayBuffer.isView(message) ? message : new Uint8Array(message);
    assert.deepEqual(
      new Uint8Array(fromBase64(b64)),
      new Uint8Array(view.buffer ?? view, view.byteOffset ?? 0, view.byteLength),
    );
  }
  assert.throws(() => binaryMessage(new Uint8Array(MAX_MESSAGE_BYTES + 1), "sendRoomBinaryMessage"), {
    code: "INVALID_PARAMS",
  });
  assert.throws(() => binaryMessage("text", "sendRoomBinaryMessage"), { code: "INVALID_PARAMS" });
});

test("messages time out and break with the message codes", () => {
  assert.deepEqual(messageOptions(5000), {
    timeoutMs: 5000,
    timeoutCode: "USER_MESSAGE_TIMEOUT",
    brokenCode: "USER_MESSAGE_BROKEN",
  });
});
