// An app written against the vendor's documented API runs unchanged on the UMD bundle: two
// copies see and hear each other, then one leaves.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { devToken } from "./lib/client.mjs";

const app = readFileSync(new URL("./fixtures/vendor_app.js", import.meta.url), "utf8");
let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the vendor-API app joins, publishes, subscribes, plays and leaves", async () => {
  const p = sdkPage(server, "vendor");
  const pages = {};
  for (const user of ["ann", "ben"]) {
    const page = await browser.page(p.url, p.html);
    await page.addScriptTag({ content: app });
    const token = await devToken(page, "vendor", user);
    await page.evaluate(
      async (args) => {
        window.app = await window.runVendorApp({
          ...args,
          localDom: "local",
          remoteDom: document.getElementById("remote"),
        });
      },
      { appId: server.appId, token, roomId: "vendor", userId: user },
    );
    pages[user] = page;
  }
  for (const [me, other] of [
    ["ann", "ben"],
    ["ben", "ann"],
  ]) {
    const page = pages[me];
    const frames = () =>
      page.evaluate(() => {
        const v = document.querySelector("#remote video");
        return v && v.videoWidth > 0 ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
      });
    const first = await waitFor(frames, 30_000, `${other}'s video in ${me}'s app`);
    await waitFor(async () => (await frames()) > first + 5, 10_000, "frames keep coming");
    const log = await page.evaluate(() => window.vendorLog);
    assert.ok(
      log.some(([what, who]) => what === "published" && who === other),
      JSON.stringify(log),
    );
    assert.ok(!log.some(([what]) => what === "error"), JSON.stringify(log));
  }
  await pages.ben.evaluate(() => window.app.leave());
  await waitFor(
    () => pages.ann.evaluate(() => window.vendorLog.some(([what, who]) => what === "left" && who === "ben")),
    10_000,
    "ann sees ben leave",
  );
});
