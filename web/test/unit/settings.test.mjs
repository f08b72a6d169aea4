import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const settings = await load("settings.ts");
const log = await load("log.ts");

test("setLogConfig keeps a vendor level and a file size; anything else is INVALID_PARAMS", () => {
  assert.deepEqual(settings.logConfig(), { logLevel: "warning", LogfileSize: 0 });
  settings.setLogConfig({ logLevel: "error", LogfileSize: 4 });
  assert.deepEqual(settings.logConfig(), { logLevel: "error", LogfileSize: 4 });
  for (const bad of [null, { logLevel: "loud" }, { LogfileSize: -1 }, { LogfileSize: "4" }])
    assert.throws(() => settings.setLogConfig(bad), { code: "INVALID_PARAMS" });
  assert.deepEqual(settings.logConfig(), { logLevel: "error", LogfileSize: 4 });
});

test("the log level decides what reaches the console", (t) => {
  const warned = t.mock.method(console, "warn", () => {});
  const errored = t.mock.method(console, "error", () => {});
  const both = () => {
    log.warn("w");
    log.error("e");
    return [warned.mock.callCount(), errored.mock.callCount()];
  };
  assert.deepEqual(both(), [1, 1]); // "warning" by default
  log.setLogLevel("error");
  assert.deepEqual(both(), [1, 2]);
  log.setLogLevel("none");
  assert.deepEqual(both(), [1, 2]);
  log.setLogLevel("trace");
  assert.deepEqual(both(), [2, 3]);
  assert.deepEqual(warned.mock.calls[1].arguments, ["[chorus]", "w"]);
});

test("getParameter returns what setParameter stored", () => {
  settings.setParameter("K", { v: 1 });
  assert.deepEqual(settings.getParameter("K"), { v: 1 });
  assert.equal(settings.getParameter("unset"), undefined);
});
