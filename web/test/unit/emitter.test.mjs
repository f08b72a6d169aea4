import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { load } from "./load.mjs";

const { Emitter } = await load("emitter.ts");

test("handlers get every argument, in the order they were added", () => {
  const emitter = new Emitter();
  const seen = [];
  emitter.on("e", (...args) => seen.push(["first", ...args]));
  emitter.on("e", (...args) => seen.push(["second", ...args]));
  emitter.emit("e", 1, "two");
  assert.deepEqual(seen, [
    ["first", 1, "two"],
    ["second", 1, "two"],
  ]);
});

test("off removes one handler, or all of an event", () => {
  const emitter = new Emitter();
  let a = 0;
  let b = 0;
  const ha = () => a++;
  emitter.on("e", ha);
  emitter.on("e", () => b++);
  emitter.off("e", ha);
  emitter.emit("e");
  assert.deepEqual([a, b], [0, 1]);
  emitter.off("e");
  emitter.emit("e");
  assert.deepEqual([a, b], [0, 1]);
});

test("a throwing handler is logged and the others still run", (t) => {
  const logged = t.mock.method(console, "error", () => {});
  const emitter = new Emitter();
  let ran = false;
  emitter.on("e", () => {
    throw new Error("app bug");
  });
  emitter.on("e", () => (ran = true));
  emitter.emit("e");
  assert.equal(ran, true);
  assert.equal(logged.mock.callCount(), 1);
});

test("a handler that removes itself does not skip the next", () => {
  const emitter = new Emitter();
  const seen = [];
  const once = () => {
    seen.push("once");
    emitter.off("e", once);
  };
  emitter.on("e", once);
  emitter.on("e", () => seen.push("always"));
  emitter.emit("e");
  emitter.emit("e");
  assert.deepEqual(seen, ["once", "always", "always"]);
});

test("clear forgets every event", () => {
  const emitter = new Emitter();
  let n = 0;
  emitter.on("a", () => n++);
  emitter.on("b", () => n++);
  emitter.clear();
  emitter.emit("a");
  emitter.emit("b");
  assert.equal(n, 0);
});

// The vendor's engine is an eventemitter3 4 EventEmitter; apps rely on its whole face. Each
// script below runs on both emitters and must leave the same trace.
const require = createRequire(import.meta.url);
const EventEmitter3 = require("eventemitter3");

/** Runs `script(emitter, log)` on a Chorus emitter and on eventemitter3; returns both traces. */
function both(script) {
  const traces = [];
  for (const emitter of [new Emitter(), new EventEmitter3()]) {
    const trace = [];
    script(emitter, (...entry) => trace.push(entry));
    traces.push(trace);
  }
  return traces;
}

test("on, once, emit and the listener queries behave as eventemitter3's", () => {
  const [ours, theirs] = both((e, log) => {
    const a = (...args) => log("a", ...args);
    const b = (x) => log("b", x);
    log("chain", e.on("x", a) === e, e.addListener("x", b) === e, e.once("x", a) === e);
    log("count", e.listenerCount("x"), e.listeners("x").length, e.listeners("x")[0] === a);
    log("names", e.eventNames());
    log("emit", e.emit("x", 1, 2, 3, 4, 5, 6));
    log("after once", e.listenerCount("x"));
    log("emit none", e.emit("nobody", 1));
    const sym = Symbol.for("s");
    e.on(sym, () => log("sym"));
    e.on("y", () => log("y"));
    log("names", e.eventNames().map(String));
    log("removeAll y", e.removeAllListeners("y") === e, e.eventNames().map(String));
    log("removeAll", e.removeAllListeners() === e, e.eventNames().length, e.emit("x"));
  });
  assert.deepEqual(ours, theirs);
});

test("off filters by handler, context and once as eventemitter3's does", () => {
  const [ours, theirs] = both((e, log) => {
    const ctxA = { name: "A" };
    const ctxB = { name: "B" };
    function h(tag) {
      log(tag, this === e ? "emitter" : this.name);
    }
    e.on("x", h, ctxA);
    e.on("x", h, ctxB);
    e.once("x", h, ctxA);
    e.on("x", h);
    e.emit("x", "first");
    e.off("x", h, undefined, true);
    e.emit("x", "second");
    e.off("x", h, ctxB);
    e.emit("x", "third");
    log("off chain", e.removeListener("x", h) === e, e.listenerCount("x"));
    e.on("z", h);
    e.on("z", () => log("other"));
    e.off("z");
    log("off all", e.listenerCount("z"), e.eventNames());
  });
  assert.deepEqual(ours, theirs);
});

test("handlers added or removed during an emit wait for the next one, as in eventemitter3", () => {
  const [ours, theirs] = both((e, log) => {
    const late = () => log("late");
    const second = () => log("second");
    e.on("x", () => {
      log("first");
      e.off("x", second);
      e.on("x", late);
    });
    e.on("x", second);
    e.emit("x");
    e.emit("x");
  });
  assert.deepEqual(ours, theirs);
});

test("a listener that is not a function is a TypeError, as in eventemitter3", () => {
  assert.throws(() => new Emitter().on("x", 5), TypeError);
  assert.throws(() => new EventEmitter3().on("x", 5), TypeError);
});

test("safeEmit and asyncEmit call every handler; asyncEmit waits for each", async () => {
  const emitter = new Emitter();
  const seen = [];
  emitter.on("x", async (v) => {
    await new Promise((r) => setTimeout(r, 5));
    seen.push(["slow", v]);
  });
  emitter.once("x", (v) => seen.push(["once", v]));
  assert.equal(emitter.safeEmit("nobody"), false);
  await emitter.asyncEmit("x", 1);
  assert.deepEqual(seen, [
    ["slow", 1],
    ["once", 1],
  ]);
  assert.equal(emitter.listenerCount("x"), 1);
});
