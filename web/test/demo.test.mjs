// The demo page that `chorus serve` shows in dev mode: two participants join through the
// form, see each other, read the stats panel, turn the microphone volume down, mirror, mute,
// share a screen and leave. Screenshots go to web/test-results/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { startServer } from "./lib/server.mjs";
import { launch, waitFor } from "./lib/browser.mjs";

const results = new URL("../test-results/", import.meta.url);
let server, browser;

before(async () => {
  mkdirSync(results, { recursive: true });
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function joinDemo(user) {
  const page = await browser.page(`${server.url}/`);
  await page.fill("#room", "demo-room");
  await page.fill("#user", user);
  await page.click("#join");
  await page.waitForSelector("#controls:not([hidden])", { timeout: 15_000 });
  return page;
}

/** User ids of tiles whose video shows frames. */
function playingTiles(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".tile")]
      .filter((t) => {
        const v = t.querySelector("video");
        return v && v.videoWidth > 0 && v.currentTime > 0;
      })
      .map((t) => t.id),
  );
}

test("two participants see each other in the demo, mute, share a screen and leave", async () => {
  const alice = await joinDemo("alice");
  const bob = await joinDemo("bob");
  for (const page of [alice, bob]) {
    await waitFor(async () => (await playingTiles(page)).length === 2, 30_000, "two playing tiles");
  }
  // The status line grades the network; a tile lights up while its user's microphone beeps.
  await waitFor(
    () => alice.evaluate(() => document.getElementById("status").textContent === "Connected · network excellent"),
    10_000,
    "network quality in the status",
  );
  // The fake microphone beeps briefly once a second, so the tile is lit only for moments: watch
  // the class as it changes rather than polling it, which a busy machine can miss.
  const lit = await alice.evaluate(
    () =>
      new Promise((resolve) => {
        const check = () => document.querySelector("#tile-0-bob.speaking") && resolve(true);
        new MutationObserver(check).observe(document.body, { subtree: true, attributes: true, childList: true });
        check();
        setTimeout(() => resolve(false), 20_000);
      }),
  );
  assert.ok(lit, "bob's tile shows him speaking");
  // The stats panel shows what arrives: bob's camera at the size alice's player decodes.
  await alice.click("#stats");
  const statsOfBob = () => alice.evaluate(() => document.querySelector("#tile-0-bob .stats")?.textContent ?? "");
  // The panel's first report may predate the first decoded frame (0x0): wait for a real size.
  await waitFor(
    async () => /^receiving [1-9]\d*x[1-9]\d* · \d+ fps/.test(await statsOfBob()),
    15_000,
    "bob's stats at alice",
  );
  const decoded = await alice.evaluate(() => {
    const v = document.querySelector("#tile-0-bob video");
    return `${v.videoWidth}x${v.videoHeight}`;
  });
  assert.ok((await statsOfBob()).startsWith(`receiving ${decoded} `), `${await statsOfBob()} vs ${decoded}`);
  // Bob's microphone volume at 0: what reaches alice is silent, so his tile stops lighting up.
  const micVolume = (page, value) =>
    page.evaluate((v) => {
      const range = document.getElementById("mic-volume");
      range.value = String(v);
      range.dispatchEvent(new Event("input"));
    }, value);
  await micVolume(bob, 0);
  await waitFor(
    () => alice.evaluate(() => document.querySelector("#tile-0-bob.speaking") === null),
    10_000,
    "bob silent at alice",
  );
  await micVolume(bob, 100);
  await waitFor(
    () => alice.evaluate(() => document.querySelector("#tile-0-bob.speaking") !== null),
    10_000,
    "bob heard again",
  );
  // People see themselves mirrored, the others as the camera sees them; the button turns it off.
  const mirrored = (page, tile) =>
    page.evaluate((id) => document.querySelector(`#${id} video`)?.style.transform === "scaleX(-1)", tile);
  assert.equal(await mirrored(bob, "tile-0-bob"), true, "bob sees himself mirrored");
  assert.equal(await mirrored(bob, "tile-0-alice"), false, "alice is not mirrored at bob's");
  await bob.click("#mirror");
  await waitFor(async () => !(await mirrored(bob, "tile-0-bob")), 5_000, "bob's mirror off");
  await alice.screenshot({ path: new URL("demo-alice.png", results).pathname });
  await bob.screenshot({ path: new URL("demo-bob.png", results).pathname });

  await alice.click("#mic");
  await waitFor(
    () => bob.evaluate(() => document.querySelector("#tile-0-alice .flags")?.textContent === "muted"),
    10_000,
    "bob sees alice muted",
  );
  await alice.click("#cam");
  await waitFor(
    () => bob.evaluate(() => document.querySelector("#tile-0-alice")?.classList.contains("camera-off")),
    10_000,
    "bob sees alice's camera off",
  );

  await bob.click("#screen");
  await waitFor(async () => (await playingTiles(alice)).includes("tile-1-bob"), 30_000, "alice plays bob's screen");
  await alice.screenshot({ path: new URL("demo-alice-screen.png", results).pathname });
  await bob.click("#screen");
  await waitFor(() => alice.evaluate(() => !document.getElementById("tile-1-bob")), 10_000, "bob's screen tile goes");

  await bob.click("#leave");
  await waitFor(
    () => alice.evaluate(() => !document.getElementById("tile-0-bob")),
    10_000,
    "bob's tile goes when he leaves",
  );
  assert.equal(await alice.isHidden("#error"), true, await alice.textContent("#error"));
});

test("the demo shows a readable error when there is no token to be had", async () => {
  const page = await browser.page(`${server.url}/`);
  await page.fill("#room", "ok-room");
  await page.fill("#user", "x");
  // The form's own check lets this id through; the dev endpoint refuses it.
  await page.evaluate(() => document.getElementById("user").removeAttribute("pattern"));
  await page.fill("#user", "not valid!");
  await page.click("#join");
  const text = await waitFor(
    () => page.evaluate(() => !document.getElementById("error").hidden && document.getElementById("error").textContent),
    10_000,
    "an error banner",
  );
  assert.match(text, /token/i);
});

test("with configured apps there is no demo token endpoint, but the bundles are served", async () => {
  const prod = await startServer(["--app", "0123456789abcdef01234567:secretsecretsecret"]);
  try {
    assert.equal((await fetch(`${prod.url}/dev/token?roomId=r&userId=u`)).status, 404);
    const umd = await fetch(`${prod.url}/sdk/vertc.umd.js`);
    assert.equal(umd.status, 200);
    assert.match(umd.headers.get("content-type"), /^application\/javascript/);
    const esm = await fetch(`${prod.url}/sdk/vertc.esm.js`);
    assert.match(await esm.text(), /export\s*\{/);
  } finally {
    await prod.stop();
  }
});
