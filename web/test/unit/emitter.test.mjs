import { test } from "node:test";
import assert from "node:assert/strict";
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
