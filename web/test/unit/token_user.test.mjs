import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { tokenUser } = await load("room/token_user.ts");

/** An "001" token laid out as crates/token writes one (the signature is not checked here). */
function token(room, user) {
  const str = (s) => {
    const bytes = Buffer.from(s, "utf8");
    const len = Buffer.alloc(2);
    len.writeUInt16LE(bytes.length);
    return Buffer.concat([len, bytes]);
  };
  const times = Buffer.alloc(12);
  times.writeUInt32LE(7, 0);
  times.writeUInt32LE(1_700_000_000, 4);
  const msg = Buffer.concat([times, str(room), str(user), Buffer.from([0, 0])]);
  const field = (b) => Buffer.concat([Buffer.from([b.length & 0xff, b.length >> 8]), b]);
  const content = Buffer.concat([field(msg), field(Buffer.alloc(32, 9))]);
  return `001${"a".repeat(24)}${content.toString("base64")}`;
}

test("the user id comes out of a well-formed token", () => {
  assert.equal(tokenUser(token("room-1", "alice")), "alice");
  assert.equal(tokenUser(token("", "ü-user")), "ü-user");
});

test("anything else is null, never a throw", () => {
  const good = token("room-1", "alice");
  for (const bad of [null, "", "garbage", "002" + good.slice(3), good.slice(0, 27), good.slice(0, 40), good + "!!"])
    assert.equal(tokenUser(bad), null, String(bad));
  // A user id field longer than the bytes left.
  const cut = Buffer.from(good.slice(27), "base64").subarray(0, 2 + 12 + 2 + 6 + 1);
  assert.equal(tokenUser(`001${"a".repeat(24)}${cut.toString("base64")}`), null);
});
