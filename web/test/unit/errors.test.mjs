import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { RtcError, rtcError, isRtcError, asRtcError } = await load("errors.ts");

test("an RtcError is an Error with the contract's code", () => {
  const e = rtcError("INVALID_PARAMS", "joinRoom: bad id");
  assert.ok(e instanceof RtcError);
  assert.ok(e instanceof Error);
  assert.equal(e.name, "RtcError");
  assert.equal(e.code, "INVALID_PARAMS");
  assert.equal(e.message, "joinRoom: bad id");
});

test("errors that carry a code pass through; others are wrapped with context", () => {
  const server = { code: "TOKEN_EXPIRED", message: "from the server" };
  assert.equal(isRtcError(server), true);
  assert.equal(asRtcError(server, "UNEXPECTED_ERROR", "publish"), server);
  const wrapped = asRtcError(new TypeError("boom"), "PUBLISH_FAILED", "publishStream");
  assert.equal(wrapped.code, "PUBLISH_FAILED");
  assert.equal(wrapped.message, "publishStream: boom");
  assert.equal(asRtcError("plain", "UNEXPECTED_ERROR", "x").message, "x: plain");
  for (const e of [null, undefined, 3, "s", { code: 5 }]) assert.equal(isRtcError(e), false);
});
