// A browser on a non-loopback origin (https://chorus.test, mapped to 127.0.0.1) loads the SDK
// over HTTPS, signals over WSS and exchanges camera video with another page; the server's
// certificate comes from a CA made for the test (openssl), which Chromium is told to trust by
// its key's hash. A browser that does not trust it is refused; a certificate reloaded on
// SIGHUP serves new connections while the pages' open connections carry on.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { launch, waitFor } from "./lib/browser.mjs";

const APP_ID = "tlsapp000000000000000001";
const APP_KEY = "tls-app-key-for-the-test";
const HOST = "chorus.test";

let dir, server, browser, alice, bob, origin, firstCa;

/** Makes a CA in `dir` named `name` (ca-NAME.crt/.key); returns its certificate, PEM. */
function makeCa(name) {
  const [crt, key] = [join(dir, `ca-${name}.crt`), join(dir, `ca-${name}.key`)];
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      key,
      "-out",
      crt,
      "-days",
      "2",
      "-subj",
      `/CN=Chorus test CA ${name}`,
    ],
    { stdio: "pipe" },
  );
  return { name, crt, key, pem: readFileSync(crt, "utf8") };
}

/** Issues a certificate for chorus.test and 127.0.0.1 from `ca` into server.crt (the chain) and server.key. */
function issue(ca) {
  const ext = join(dir, "ext.cnf");
  writeFileSync(
    ext,
    `subjectAltName=DNS:${HOST},IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  const [csr, leaf] = [join(dir, "server.csr"), join(dir, "leaf.crt")];
  execFileSync(
    "openssl",
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      join(dir, "server.key"),
      "-out",
      csr,
      "-subj",
      `/CN=${HOST}`,
    ],
    { stdio: "pipe" },
  );
  execFileSync(
    "openssl",
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca.crt,
      "-CAkey",
      ca.key,
      "-CAcreateserial",
      "-out",
      leaf,
      "-days",
      "2",
      "-extfile",
      ext,
    ],
    { stdio: "pipe" },
  );
  const leafPem = readFileSync(leaf, "utf8");
  // The chain holds the CA too, so the key Chromium is told to trust is in what it is sent.
  writeFileSync(join(dir, "server.crt"), leafPem + ca.pem);
  return new X509Certificate(leafPem).fingerprint256;
}

/** The base64 SHA-256 of a certificate's SubjectPublicKeyInfo, as Chromium's SPKI list wants it. */
function spkiHash(pem) {
  const spki = new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

function token(room, user) {
  return execFileSync(chorusBinary(), [
    "token",
    "create",
    "--app-id",
    APP_ID,
    "--app-key",
    APP_KEY,
    "--room",
    room,
    "--user",
    user,
  ])
    .toString()
    .trim();
}

/** Opens the SDK in a page at the https origin, recording WebSocket URLs and events. */
async function sdkPageAt(b) {
  const page = await b.page(
    `${origin}/healthz`,
    `<!doctype html><meta charset="utf-8"><title>tls</title>
<div id="local" style="width:320px;height:240px"></div><div id="remote" style="width:320px;height:240px"></div>
<script>
  window.sockets = [];
  const Base = window.WebSocket;
  window.WebSocket = class extends Base {
    constructor(url, ...rest) { super(url, ...rest); window.sockets.push(String(url)); }
  };
</script>
<script src="/sdk/vertc.umd.js"></script>`,
  );
  return page;
}

/** Joins `room` as `user` in `page` with camera and microphone, showing others' video in #remote. */
function joinRoom(page, room, user) {
  return page.evaluate(
    async ({ appId, room, user, token }) => {
      const t = (window.t = { events: [], messages: [] });
      const engine = (t.engine = VERTC.createEngine(appId));
      for (const name of Object.values(VERTC.events)) engine.on(name, () => t.events.push(name));
      engine.on(VERTC.events.onRoomMessageReceived, (e) => t.messages.push(e));
      engine.on(VERTC.events.onUserPublishStream, (e) => {
        if (e.mediaType & VERTC.MediaType.VIDEO)
          engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_MAIN, { renderDom: "remote", userId: e.userId });
      });
      await engine.startVideoCapture();
      await engine.startAudioCapture();
      await engine.joinRoom(token, room, { userId: user }, { isAutoPublish: true });
    },
    { appId: APP_ID, room, user, token: token(room, user) },
  );
}

function remoteFrames(page) {
  return page.evaluate(() => {
    const v = document.querySelector("#remote video");
    return v ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-tls-"));
  firstCa = makeCa("first");
  issue(firstCa);
  server = await startServer([
    "--app",
    `${APP_ID}:${APP_KEY}`,
    "--tls-cert",
    join(dir, "server.crt"),
    "--tls-key",
    join(dir, "server.key"),
  ]);
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  origin = `https://${HOST}:${new URL(server.url).port}`;
  browser = await launch({
    args: [
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      `--ignore-certificate-errors-spki-list=${spkiHash(firstCa.pem)}`,
    ],
  });
  alice = await sdkPageAt(browser);
  bob = await sdkPageAt(browser);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a page on https://chorus.test is a secure context, captures, and publishes over WSS", async () => {
  for (const page of [alice, bob]) {
    const where = await page.evaluate(() => ({ secure: window.isSecureContext, origin: location.origin }));
    assert.deepEqual(where, { secure: true, origin });
  }
  await joinRoom(alice, "tls", "alice");
  await joinRoom(bob, "tls", "bob");
  for (const page of [alice, bob]) {
    const sockets = await page.evaluate(() => window.sockets);
    assert.ok(sockets.length >= 1, "the SDK opened its signalling socket");
    for (const url of sockets) assert.ok(url.startsWith(`wss://${HOST}:`), url);
  }
  // bob decodes alice's camera: frames keep coming, and they are the fake camera's pattern.
  const first = await waitFor(
    async () => (await remoteFrames(bob)) > 0 && remoteFrames(bob),
    30_000,
    "alice's video in bob's page",
  );
  await waitFor(async () => (await remoteFrames(bob)) > first + 10, 10_000, "more frames");
  const picture = await bob.evaluate(async () => {
    const img = await window.t.engine.takeRemoteSnapshot("alice", 0);
    let min = 255,
      max = 0;
    for (let i = 0; i < img.data.length; i += 4 * 97) {
      min = Math.min(min, img.data[i + 1]);
      max = Math.max(max, img.data[i + 1]);
    }
    return { width: img.width, height: img.height, spread: max - min };
  });
  assert.ok(picture.width > 0 && picture.height > 0, JSON.stringify(picture));
  assert.ok(picture.spread > 50, `a test pattern, not a flat colour: ${JSON.stringify(picture)}`);
});

test("a browser that does not trust the CA is refused the page", async () => {
  const stranger = await launch({ args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
  try {
    const page = await stranger.context.newPage();
    await assert.rejects(page.goto(`${origin}/healthz`), /ERR_CERT_AUTHORITY_INVALID/);
  } finally {
    await stranger.close();
  }
});

/** The SHA-256 fingerprint of the certificate the server shows a new connection trusting `ca`. */
function servedFingerprint(ca) {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: "127.0.0.1", port: Number(new URL(server.url).port), servername: HOST, ca: ca.pem },
      () => {
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        socket.end();
        resolve(fingerprint);
      },
    );
    socket.on("error", reject);
  });
}

test("after SIGHUP new connections get the new certificate; open pages carry on", async () => {
  await servedFingerprint(firstCa);
  const socketsBefore = await bob.evaluate(() => window.sockets.length);
  const secondCa = makeCa("second");
  const fingerprint = issue(secondCa);
  process.kill(server.pid, "SIGHUP");
  const served = await waitFor(() => servedFingerprint(secondCa).catch(() => false), 10_000, "the new certificate");
  assert.equal(served, fingerprint);
  await assert.rejects(servedFingerprint(firstCa), /certificate/);
  // The pages' WebSockets, opened under the first certificate, still carry messages...
  await alice.evaluate(() => window.t.engine.sendRoomMessage("after the reload"));
  const got = await waitFor(() => bob.evaluate(() => window.t.messages.at(-1)), 10_000, "the room message");
  assert.deepEqual({ userId: got.userId, message: got.message }, { userId: "alice", message: "after the reload" });
  // ...and bob's video still plays.
  const before = await remoteFrames(bob);
  await waitFor(async () => (await remoteFrames(bob)) > before + 10, 10_000, "frames after the reload");
  // On the same connection: bob's SDK opened no new socket.
  assert.equal(await bob.evaluate(() => window.sockets.length), socketsBefore);
});
