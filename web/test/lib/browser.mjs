// Headless Debian Chromium through playwright-core (no downloaded browser), with fake
// camera and microphone, a fresh profile, and loopback ICE candidates allowed: without
// --allow-loopback-in-peer-connection Chromium gathers nothing in a loopback-only namespace.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--allow-loopback-in-peer-connection",
];

/**
 * A browser with one profile; `page(url, html)` opens a page at `url` whose content is `html`.
 * `args` are extra Chromium flags (e.g. files for the fake camera and microphone);
 * `executablePath` another way to start it (e.g. inside a network namespace).
 */
export async function launch({ args = [], executablePath = CHROMIUM } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "chorus-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...FLAGS, ...args],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    /**
     * Opens `url`; when `html` is given, the document is then replaced by it, keeping the
     * origin (a response made up by the test would count as a public page, which Chromium
     * forbids to talk to loopback).
     */
    async page(url, html) {
      const page = await context.newPage();
      page.on("pageerror", (e) => console.error(`[page ${url}]`, e));
      if (process.env.CHORUS_TEST_CONSOLE) page.on("console", (m) => console.log(`[page] ${m.text()}`));
      await page.goto(url);
      if (html !== undefined) await page.setContent(html, { waitUntil: "load" });
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page at the server's origin that loads the UMD bundle the server serves. */
export function sdkPage(server, name = "e2e") {
  return {
    url: `${server.url}/healthz`,
    html: `<!doctype html><meta charset="utf-8"><title>${name}</title>
<style>.box{width:320px;height:240px;display:inline-block;background:#222}</style>
<div id="local" class="box"></div><div id="remote" class="box"></div>
<script src="/sdk/vertc.umd.js"></script>`,
  };
}

/** Polls `fn` until it returns a truthy value; throws after `ms`. */
export async function waitFor(fn, ms = 20_000, what = "condition") {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
  );
}

/** Keeps every peer connection `page` makes from now on in `window.pcs`, for tests that read their stats. */
export function keepPeerConnections(page) {
  return page.evaluate(() => {
    window.pcs = [];
    const Base = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Base {
      constructor(...args) {
        super(...args);
        window.pcs.push(this);
      }
    };
  });
}
