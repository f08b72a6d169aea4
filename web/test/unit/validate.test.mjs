import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { checkId, checkExtraInfo, checkMediaType, checkIndex, signalUrl } = await load("validate.ts");
const { MAX_ID_LEN, MAX_EXTRA_INFO_BYTES, SIGNAL_PATH } = await load("generated/protocol.ts");

/** The contract code `fn` throws with, or null when it does not throw. */
function codeOf(fn) {
  try {
    fn();
    return null;
  } catch (e) {
    return e.code;
  }
}

test("ids of the contract's characters and length pass", () => {
  for (const id of ["a", "room-1_a@b.c", "A".repeat(MAX_ID_LEN)]) {
    assert.equal(
      codeOf(() => checkId(id, "roomId", "joinRoom")),
      null,
      id,
    );
  }
});

test("other ids fail with INVALID_PARAMS and say what an id looks like", () => {
  for (const id of ["", "has space", "ünï", "a/b", "A".repeat(MAX_ID_LEN + 1), 7, null, undefined]) {
    assert.equal(
      codeOf(() => checkId(id, "roomId", "joinRoom")),
      "INVALID_PARAMS",
      String(id),
    );
  }
  assert.throws(() => checkId("a b", "roomId", "joinRoom"), {
    message: 'joinRoom: roomId must be 1 to 128 of a-z A-Z 0-9 _ @ - . (got "a b")',
  });
});

test("extraInfo is measured in UTF-8 bytes", () => {
  assert.equal(
    codeOf(() => checkExtraInfo(undefined, "joinRoom")),
    null,
  );
  assert.equal(
    codeOf(() => checkExtraInfo("x".repeat(MAX_EXTRA_INFO_BYTES), "joinRoom")),
    null,
  );
  assert.equal(
    codeOf(() => checkExtraInfo("x".repeat(MAX_EXTRA_INFO_BYTES + 1), "joinRoom")),
    "INVALID_PARAMS",
  );
  // 100 two-byte characters are 200 bytes; one more is over.
  assert.equal(
    codeOf(() => checkExtraInfo("é".repeat(100), "joinRoom")),
    null,
  );
  assert.equal(
    codeOf(() => checkExtraInfo("é".repeat(101), "joinRoom")),
    "INVALID_PARAMS",
  );
});

test("media types and stream indexes are the contract's numbers", () => {
  for (const t of [1, 2, 3]) assert.equal(checkMediaType(t, "publishStream"), t);
  for (const t of [0, 4, "1", null])
    assert.equal(
      codeOf(() => checkMediaType(t, "publishStream")),
      "INVALID_PARAMS",
    );
  for (const i of [0, 1]) assert.equal(checkIndex(i, "setLocalVideoPlayer"), i);
  for (const i of [2, -1, "0"])
    assert.equal(
      codeOf(() => checkIndex(i, "setLocalVideoPlayer")),
      "INVALID_PARAMS",
    );
});

test("the signalling URL swaps the scheme and carries the app id", () => {
  assert.equal(signalUrl("https://rtc.example.com/", "app 1"), `wss://rtc.example.com${SIGNAL_PATH}?appId=app%201`);
  assert.equal(signalUrl("http://127.0.0.1:8080", "a"), `ws://127.0.0.1:8080${SIGNAL_PATH}?appId=a`);
});
