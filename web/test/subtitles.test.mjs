// Subtitles in a browser and in `chorus join --subtitles`: a native client (`chorus join
// --publish-audio`) speaks three sentences that espeak-ng made; the browser's Web SDK and a
// second native client both receive subtitles close to the text (word error rate at most
// 25 %), partials before finals, sequences increasing, under the speaker's user id. The
// server runs the bundled recognizer (target/subtitles-venv, made by scripts/test).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

const ROOM = "subs";
const SAID = [
  "The meeting room is on the second floor.",
  "Please call Stella and ask her to bring these things with her from the store.",
  "It is sunny today with a light breeze from the west.",
];
const root = fileURLToPath(new URL("../../", import.meta.url));
let server, browser, page, dir, speaker, listener;

/** Runs `chorus join` for `seconds` as `user`; its JSON lines as they come, and its end. */
function nativeJoin(user, args, seconds) {
  const child = spawn(
    chorusBinary(),
    [
      "join",
      "--server",
      server.url,
      "--app-id",
      server.appId,
      "--app-key",
      server.appKey,
      "--room",
      ROOM,
      "--user",
      user,
      "--duration",
      String(seconds),
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const lines = [];
  createInterface({ input: child.stdout }).on("line", (l) => lines.push(JSON.parse(l)));
  const done = new Promise((resolve) => child.on("close", (code) => resolve({ code, lines, stderr })));
  return { child, lines, done };
}

/**
 * `wav` (PCM) with `seconds` of silence in front: a new publisher's transport takes a moment to
 * connect and what is captured before it does is not sent; espeak-ng ignores a leading break.
 */
function withLeadingSilence(wav, seconds) {
  let at = 12;
  let fmt, data;
  while (at + 8 <= wav.length) {
    const len = wav.readUInt32LE(at + 4);
    const id = wav.toString("ascii", at, at + 4);
    if (id === "fmt ") fmt = wav.subarray(at + 8, at + 24);
    if (id === "data") data = wav.subarray(at + 8, at + 8 + len);
    at += 8 + len + (len & 1);
  }
  const silence = Buffer.alloc(Math.round(seconds * fmt.readUInt32LE(4)) * fmt.readUInt16LE(12));
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + silence.length + data.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  fmt.copy(header, 20);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(silence.length + data.length, 40);
  return Buffer.concat([header, silence, data]);
}

/** Word error rate of `heard` against `said`: word edits over the words said. */
function wordErrorRate(said, heard) {
  const words = (t) =>
    t
      .toLowerCase()
      .split(/\s+/)
      .map((w) => w.replace(/[^a-z0-9']/g, ""))
      .filter(Boolean);
  const [s, h] = [words(said), words(heard)];
  let row = [...Array(h.length + 1).keys()];
  for (let i = 0; i < s.length; i++) {
    const next = [i + 1];
    for (let j = 0; j < h.length; j++)
      next.push(Math.min(row[j] + (s[i] === h[j] ? 0 : 1), row[j + 1] + 1, next[j] + 1));
    row = next;
  }
  return row[h.length] / s.length;
}

/** Checks one receiver's subtitles of alice: user, order, partials before finals, text. */
function check(messages, who) {
  assert.ok(messages.length > 0, `${who}: no subtitles`);
  assert.ok(
    messages.every((m) => m.userId === "alice"),
    `${who}: ${JSON.stringify(messages)}`,
  );
  for (let i = 1; i < messages.length; i++)
    assert.ok(messages[i].sequence > messages[i - 1].sequence, `${who}: sequences increase`);
  let partials = 0;
  for (const m of messages) {
    if (m.definite) {
      assert.ok(partials > 0, `${who}: a final with no partial before it: ${m.text}`);
      partials = 0;
    } else partials++;
  }
  const heard = messages
    .filter((m) => m.definite)
    .map((m) => m.text)
    .join(" ");
  const wer = wordErrorRate(SAID.join(" "), heard);
  assert.ok(wer <= 0.25, `${who}: word error rate ${wer.toFixed(2)}: ${heard}`);
  return wer;
}

before(async () => {
  const python = process.env.CHORUS_SUBTITLE_PYTHON ?? `${root}target/subtitles-venv/bin/python`;
  assert.ok(existsSync(python), `no ${python}: scripts/test makes it (pip install moonshine-voice==0.1.0)`);
  dir = mkdtempSync(join(tmpdir(), "chorus-subtitles-"));
  const pause = '<break time="1500ms"/>';
  execFileSync("espeak-ng", [
    "-m",
    "-v",
    "en-us",
    "-s",
    "140",
    "-w",
    join(dir, "speech.wav"),
    `<speak>${SAID.join(pause)}<break time="4000ms"/></speak>`,
  ]);
  writeFileSync(join(dir, "speech.wav"), withLeadingSilence(readFileSync(join(dir, "speech.wav")), 5));
  const worker = JSON.stringify([python, `${root}crates/subtitles/worker/recognizer.py`]);
  writeFileSync(join(dir, "chorus.toml"), `[subtitles]\nworker-command = ${worker}\n`);
  server = await startServer(["--config", join(dir, "chorus.toml")]);
  browser = await launch();
  const p = sdkPage(server);
  page = await browser.page(p.url, p.html);
  await joinWithMedia(page, server.appId, ROOM, "carol", { audio: false, video: false });
});

after(async () => {
  speaker?.child.kill();
  listener?.child.kill();
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("startSubtitle twice is SUBTITLE_ALREADY_ON; a mode that is not the vendor's is INVALID_PARAMS", async () => {
  const codes = await page.evaluate(async () => {
    const code = (p) =>
      p.then(
        () => "ok",
        (e) => e.code,
      );
    return [
      await code(t.engine.startSubtitle({ mode: 7 })),
      await code(t.engine.startSubtitle({ mode: VERTC.SUBTITLE_MODE.ASR_ONLY })),
      await code(t.engine.startSubtitle({ mode: VERTC.SUBTITLE_MODE.ASR_ONLY })),
    ];
  });
  assert.deepEqual(codes, ["INVALID_PARAMS", "ok", "SUBTITLE_ALREADY_ON"]);
  const started = await waitFor(
    () => page.evaluate(() => t.events.find((e) => e.name === "onSubtitleStateChanged" && e.data.event === 0)),
    60_000,
    "onSubtitleStateChanged STARTED (the recognizer loads)",
  );
  assert.equal(started.data.errorCode, undefined);
});

test("speech from a native client arrives as subtitles in the browser and in chorus join --subtitles", async () => {
  listener = nativeJoin("dave", ["--subtitles"], 60);
  await waitFor(() => listener.lines.some((l) => l.event === "startSubtitle"), 20_000, "dave's startSubtitle");
  speaker = nativeJoin("alice", ["--publish-audio", join(dir, "speech.wav")], 60);
  const finals = (messages) => messages.filter((m) => m.definite).length;
  const inPage = () =>
    page.evaluate(() => t.events.filter((e) => e.name === "onSubtitleMessageReceived").flatMap((e) => e.data));
  const inCli = () => listener.lines.filter((l) => l.event === "onSubtitleMessageReceived").flatMap((l) => l.data);
  await waitFor(async () => finals(await inPage()) >= SAID.length, 45_000, "three final subtitles in the page");
  await waitFor(() => finals(inCli()) >= SAID.length, 10_000, "three final subtitles from chorus join");
  const webWer = check(await inPage(), "browser");
  const cliWer = check(inCli(), "chorus join");
  console.log(`word error rate: browser ${(webWer * 100).toFixed(1)} %, chorus join ${(cliWer * 100).toFixed(1)} %`);
});

test("the demo page shows captions under the speaker's tile", async () => {
  const demo = await browser.page(`${server.url}/`);
  await demo.fill("#room", ROOM);
  await demo.fill("#user", "erin");
  await demo.click("#join");
  await demo.waitForSelector("#controls:not([hidden])", { timeout: 15_000 });
  await demo.click("#captions");
  // alice's recording loops: her next sentences arrive as captions, final ones upright.
  const caption = await waitFor(
    () =>
      demo.evaluate(() => {
        const el = document.querySelector("#tile-0-alice .caption");
        return el && el.textContent && !el.classList.contains("partial") && el.textContent;
      }),
    45_000,
    "a final caption under alice's tile",
  );
  const best = Math.min(...SAID.map((s) => wordErrorRate(s, caption)));
  assert.ok(best <= 0.35, `caption ${JSON.stringify(caption)} is none of the sentences said`);
  assert.equal(await demo.getAttribute("#captions", "aria-pressed"), "true");
});
