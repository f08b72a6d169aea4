// Every enum the Web SDK exports against the vendor's (@volcengine/rtc 4.68.4, a devDependency),
// member by member: names and values. The vendor's runtime module is the truth where it
// exports the enum; the few it only declares in its typings are read from index.d.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import ts from "typescript";
import { load } from "./load.mjs";

const require = createRequire(import.meta.url);
const chorus = await load("index.ts");
const vendorRuntime = require("@volcengine/rtc");

/** Vendor enums Chorus does not export yet. This list may only shrink. */
const NOT_YET_EXPORTED = [];

/** Chorus's name for a vendor enum, where the two differ (the vendor exports its event names as `events`). */
const CHORUS_NAME = { EngineEventsTypes: "events" };

/** The vendor's enums as its typings declare them: name -> {member: value}. */
function declaredEnums() {
  const path = require.resolve("@volcengine/rtc/index.d.ts");
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const out = {};
  source.forEachChild((node) => {
    if (!ts.isEnumDeclaration(node)) return;
    const members = {};
    let next = 0;
    for (const m of node.members) {
      let value = next;
      const init = m.initializer;
      if (init && ts.isStringLiteral(init)) value = init.text;
      else if (init && ts.isNumericLiteral(init)) value = Number(init.text);
      else if (init && ts.isPrefixUnaryExpression(init) && init.operator === ts.SyntaxKind.MinusToken)
        value = -Number(init.operand.text);
      else if (init) throw new Error(`${node.name.text}.${m.name.getText()}: unexpected initializer`);
      if (typeof value === "number") next = value + 1;
      members[m.name.getText()] = value;
    }
    out[node.name.text] = members;
  });
  return out;
}

/** An enum object's members, without the reverse entries TypeScript adds to numeric enums. */
function members(object) {
  return Object.fromEntries(
    Object.entries(object)
      .filter(([key, value]) => !(typeof value === "string" && /^-?\d+$/.test(key) && object[value] === Number(key)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

const declared = declaredEnums();
const vendor = Object.fromEntries(
  Object.entries(declared).map(([name, fromTypings]) => {
    const runtime = vendorRuntime[name] ?? (name === "EngineEventsTypes" ? vendorRuntime.events : undefined);
    return [name, members(runtime ?? fromTypings)];
  }),
);

test("the vendor declares 61 enums (the figure the README quotes)", () => {
  assert.equal(Object.keys(vendor).length, 61);
});

test("every vendor enum Chorus exports has the vendor's members and values", () => {
  const differ = [];
  for (const [name, expected] of Object.entries(vendor)) {
    const ours = chorus[CHORUS_NAME[name] ?? name];
    if (ours === undefined) continue;
    try {
      assert.deepEqual(members(ours), expected);
    } catch (e) {
      differ.push(`${name}: ${e.message}`);
    }
  }
  assert.deepEqual(differ, []);
});

test("VERTC carries the same enum objects as the named exports", () => {
  for (const name of Object.keys(vendor)) {
    const key = CHORUS_NAME[name] ?? name;
    if (chorus[key] !== undefined) assert.equal(chorus.default[key], chorus[key], key);
  }
});

test("the enums Chorus does not export yet are exactly the listed ones", () => {
  const missing = Object.keys(vendor).filter((name) => chorus[CHORUS_NAME[name] ?? name] === undefined);
  assert.deepEqual(missing.sort(), [...NOT_YET_EXPORTED].sort());
});
