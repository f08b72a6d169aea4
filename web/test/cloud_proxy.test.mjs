// Clients behind a network that lets only TCP 443 out, to the cloud proxy's addresses alone.
// The test builds its own namespaces (lib/netns.mjs): the server side holds Chorus (HTTPS and
// WSS on 443 and media on UDP/TCP 7881 of 10.77.0.2, with 10.77.0.4:443 forwarded to it as
// the proxy's signalling address) and coturn (TURN on 3478,
// TCP/TLS on 443 of 10.77.0.3, REST credentials from the secret it shares with Chorus); the
// client side holds Chromium, behind nftables that let out only TCP 443 to 10.77.0.3 (the
// relay) and 10.77.0.4 (the proxy's signalling address). The app's own server address,
// 10.77.0.2, is out of reach there: without the cloud proxy a join fails; with it, signalling
// goes to the proxy over WSS and media through coturn over TCP 443, and the pictures arrive.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate, createHash, createHmac } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chorusBinary } from "./lib/server.mjs";
import { launch, waitFor } from "./lib/browser.mjs";
import { buildNetwork, canBuildNamespaces } from "./lib/netns.mjs";

const APP_ID = "proxyapp0000000000000001";
const APP_KEY = "cloud-proxy-app-key-for-the-test";
const TURN_SECRET = "turn-secret-shared-with-coturn";
const SERVER_IP = "10.77.0.2";
const TURN_IP = "10.77.0.3";
const PROXY_IP = "10.77.0.4";
const CLIENT_IP = "10.77.0.10";
/** The app's own name for the server, and the proxy's. */
const SERVER_HOST = "chorus.test";
const PROXY_HOST = "proxy.test";
const PROXY = { accessProxy: `${PROXY_HOST}:443`, configProxy: "", logProxy: "" };

const skip = canBuildNamespaces() ? false : "builds network namespaces: needs root, iproute2 and nftables";

let net, browser, tokenExpiry;

/** Makes the test CA and a certificate for every name and address the test serves. */
function certificates(dir) {
  const run = (args) => execFileSync("openssl", args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const [caCrt, caKey] = [join(dir, "ca.crt"), join(dir, "ca.key")];
  run(["req", "-x509", ...ec, "-keyout", caKey, "-out", caCrt, "-days", "2", "-subj", "/CN=Chorus proxy test CA"]);
  const ext = join(dir, "ext.cnf");
  writeFileSync(
    ext,
    `subjectAltName=DNS:${SERVER_HOST},DNS:${PROXY_HOST},IP:${SERVER_IP},IP:${TURN_IP},IP:${PROXY_IP}\n` +
      "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  const [csr, leaf, key] = [join(dir, "server.csr"), join(dir, "leaf.crt"), join(dir, "server.key")];
  run(["req", ...ec, "-keyout", key, "-out", csr, "-subj", `/CN=${SERVER_HOST}`]);
  run([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    caCrt,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-out",
    leaf,
    "-days",
    "2",
    "-extfile",
    ext,
  ]);
  const caPem = readFileSync(caCrt, "utf8");
  const crt = join(dir, "server.crt");
  writeFileSync(crt, readFileSync(leaf, "utf8") + caPem);
  const spki = new X509Certificate(caPem).publicKey.export({ type: "spki", format: "der" });
  return { crt, key, spki: createHash("sha256").update(spki).digest("base64") };
}

function token(room, user) {
  return execFileSync(chorusBinary(), [
    "token",
    "create",
    ...["--app-id", APP_ID, "--app-key", APP_KEY, "--room", room, "--user", user],
    ...["--expire-at", String(tokenExpiry)],
  ])
    .toString()
    .trim();
}

/** A page from the proxy's address (the only web origin the client side reaches), with the SDK. */
async function sdkPage() {
  return browser.page(
    `https://${PROXY_HOST}/healthz`,
    `<!doctype html><meta charset="utf-8"><title>cloud proxy</title>
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
}

/**
 * In `page`: an engine for the app's own server address, the cloud proxy started with `proxy`
 * (none: not started), camera and microphone on, then a join. Resolves with the join's
 * outcome, `{ok}` or `{code, message}`.
 */
function joinAs(page, room, user, proxy) {
  return page.evaluate(
    async ({ appId, server, room, user, token, proxy }) => {
      const t = (window.t = { proxyEvents: [] });
      const engine = (t.engine = VERTC.createEngine(appId, { serverUrl: server }));
      engine.on(VERTC.events.onCloudProxyConnected, (e) => t.proxyEvents.push(e));
      engine.on(VERTC.events.onUserPublishStream, (e) => {
        if (e.mediaType & VERTC.MediaType.VIDEO)
          engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_MAIN, { renderDom: "remote", userId: e.userId });
      });
      if (proxy) engine.startCloudProxy(proxy);
      await engine.startVideoCapture();
      await engine.startAudioCapture();
      try {
        await engine.joinRoom(token, room, { userId: user }, { isAutoPublish: true });
        return { ok: true };
      } catch (e) {
        return { code: e.code, message: e.message };
      }
    },
    { appId: APP_ID, server: `https://${SERVER_HOST}`, room, user, token: token(room, user), proxy },
  );
}

function remoteFrames(page) {
  return page.evaluate(() => document.querySelector("#remote video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0);
}

/** The local candidate of the publisher transport's selected pair. */
function publisherCandidate(page) {
  return page.evaluate(async () => {
    const pc = window.t.engine.peerConnection;
    if (!pc) return null;
    const report = await pc.getStats();
    let pairId;
    report.forEach((r) => {
      if (r.type === "transport" && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId;
    });
    const pair = pairId && report.get(pairId);
    const local = pair && report.get(pair.localCandidateId);
    return local ? { type: local.candidateType, relayProtocol: local.relayProtocol, address: local.address } : null;
  });
}

before(async () => {
  if (skip) return;
  net = buildNetwork({ serverIps: [SERVER_IP, TURN_IP, PROXY_IP], clientIp: CLIENT_IP });
  const cert = certificates(net.dir);
  tokenExpiry = Math.floor(Date.now() / 1000) + 3600;
  await net.start(
    net.server,
    "turnserver",
    [
      ...["-n", "--no-cli", "--log-file", "stdout", "--simple-log", "--pidfile", join(net.dir, "turnserver.pid")],
      ...["--listening-ip", TURN_IP, "--relay-ip", TURN_IP, "--listening-port", "3478"],
      // Plain TCP is taken on the TLS port as well.
      ...["--tls-listening-port", "443", "--cert", cert.crt, "--pkey", cert.key],
      ...["--use-auth-secret", "--static-auth-secret", TURN_SECRET, "--realm", "chorus.test", "--fingerprint"],
    ],
    { ready: /Total General servers/ },
  );
  await net.start(
    net.server,
    chorusBinary(),
    [
      ...["serve", "--listen", `${SERVER_IP}:443`, "--rtc-port", "7881", "--public-ip", SERVER_IP],
      ...["--app", `${APP_ID}:${APP_KEY}`, "--tls-cert", cert.crt, "--tls-key", cert.key],
      ...["--turn", `turn:${TURN_IP}:3478?transport=udp`, "--turn", `turn:${TURN_IP}:443?transport=tcp`],
      ...["--turn-secret", TURN_SECRET],
    ],
    { ready: /listening on (\S+)/, env: { RUST_LOG: "warn" } },
  );
  // The proxy's signalling address forwards to Chorus, as a cloud proxy's front does.
  net.forward({ from: PROXY_IP, to: SERVER_IP });
  net.firewall({ allowed: [TURN_IP, PROXY_IP] });
  browser = await launch({
    executablePath: net.chromiumIn(net.client),
    args: [
      `--host-resolver-rules=MAP ${SERVER_HOST} ${SERVER_IP}, MAP ${PROXY_HOST} ${PROXY_IP}`,
      `--ignore-certificate-errors-spki-list=${cert.spki}`,
    ],
  });
});

after(async () => {
  await browser?.close();
  net?.destroy();
});

test("behind the firewall, without the cloud proxy, joining fails with JOIN_ROOM_FAILED", { skip }, async () => {
  const page = await sdkPage();
  const refusedBefore = net.refused().tcp;
  const outcome = await joinAs(page, "strict", "carol");
  assert.equal(outcome.code, "JOIN_ROOM_FAILED", JSON.stringify(outcome));
  assert.match(outcome.message, /cannot reach the Chorus server/);
  assert.deepEqual(await page.evaluate(() => window.sockets), [`wss://${SERVER_HOST}/signal/v1?appId=${APP_ID}`]);
  assert.ok(net.refused().tcp > refusedBefore, "the firewall refused the direct connection");
  await page.close();
});

test("with the cloud proxy, browsers join, publish and receive media through the relay only", { skip }, async () => {
  const [alice, bob] = [await sdkPage(), await sdkPage()];
  assert.deepEqual(await joinAs(alice, "strict", "alice", PROXY), { ok: true });
  assert.deepEqual(await joinAs(bob, "strict", "bob", PROXY), { ok: true });

  // Each saw the join through the proxy once, and signalled to the proxy's address alone.
  for (const page of [alice, bob]) {
    const { sockets, proxyEvents } = await page.evaluate(() => ({
      sockets: window.sockets,
      proxyEvents: window.t.proxyEvents,
    }));
    assert.deepEqual(sockets, [`wss://${PROXY_HOST}/signal/v1?appId=${APP_ID}`]);
    assert.equal(proxyEvents.length, 1, JSON.stringify(proxyEvents));
    assert.ok(proxyEvents[0].interval > 0 && proxyEvents[0].interval < 30_000, JSON.stringify(proxyEvents));
  }

  // The transport is relay-only, with the REST credentials the server made for alice, which
  // expire with her token.
  const config = await waitFor(
    () => alice.evaluate(() => window.t.engine.peerConnection?.getConfiguration()),
    20_000,
    "alice's publisher transport",
  );
  assert.equal(config.iceTransportPolicy, "relay");
  assert.deepEqual(
    config.iceServers.map((s) => s.urls),
    [[`turn:${TURN_IP}:443?transport=tcp`]],
  );
  const { username, credential } = config.iceServers[0];
  assert.equal(username, `${tokenExpiry + 1}:alice`);
  assert.equal(credential, createHmac("sha1", TURN_SECRET).update(username).digest("base64"));

  // bob decodes alice's camera and alice bob's: the fake camera's pattern, not a flat colour.
  for (const [viewer, sender] of [
    [bob, "alice"],
    [alice, "bob"],
  ]) {
    const first = await waitFor(
      async () => (await remoteFrames(viewer)) > 0 && remoteFrames(viewer),
      40_000,
      `${sender}'s video`,
    );
    await waitFor(async () => (await remoteFrames(viewer)) > first + 10, 15_000, `more of ${sender}'s frames`);
    const picture = await viewer.evaluate(async (user) => {
      const img = await window.t.engine.takeRemoteSnapshot(user, 0);
      let min = 255,
        max = 0;
      for (let i = 0; i < img.data.length; i += 4 * 97) {
        min = Math.min(min, img.data[i + 1]);
        max = Math.max(max, img.data[i + 1]);
      }
      return { width: img.width, height: img.height, spread: max - min };
    }, sender);
    assert.ok(picture.width > 0 && picture.spread > 50, `${sender}'s test pattern: ${JSON.stringify(picture)}`);
  }
  for (const page of [alice, bob]) {
    const local = await publisherCandidate(page);
    assert.deepEqual(
      { type: local?.type, relayProtocol: local?.relayProtocol },
      { type: "relay", relayProtocol: "tcp" },
    );
  }

  // In the room the proxy can be neither started nor stopped; after leaving it can.
  const calls = await alice.evaluate(async (proxy) => {
    const engine = window.t.engine;
    const codeOf = (f) => {
      try {
        f();
        return "ok";
      } catch (e) {
        return e.code;
      }
    };
    const inRoom = [codeOf(() => engine.startCloudProxy(proxy)), codeOf(() => engine.stopCloudProxy())];
    await engine.leaveRoom();
    return { inRoom, afterLeave: codeOf(() => engine.stopCloudProxy()) };
  }, PROXY);
  assert.deepEqual(calls, {
    inRoom: ["START_CLOUD_PROXY_AFTER_JOIN", "STOP_CLOUD_PROXY_BEFORE_LEAVE"],
    afterLeave: "ok",
  });
  await alice.close();
  await bob.close();
});

test("a cloud proxy whose relay cannot be allocated fails the join with ICE_SERVER_WRONG", { skip }, async () => {
  const page = await sdkPage();
  // Nothing listens on that port, and the firewall lets nothing out to it either.
  const proxy = { ...PROXY, accessProxy: [`${PROXY_HOST}:443`, `turn:${TURN_IP}:4443?transport=tcp`] };
  const outcome = await joinAs(page, "strict", "dave", proxy);
  assert.equal(outcome.code, "ICE_SERVER_WRONG", JSON.stringify(outcome));
  assert.match(outcome.message, /no relay could be allocated/);
  // The join was undone: the engine is in no room, and may join again once the proxy is fixed.
  const again = await page.evaluate(async () => {
    const engine = window.t.engine;
    return { callId: engine.getCallId() ?? null, proxyEvents: window.t.proxyEvents.length };
  });
  assert.deepEqual(again, { callId: null, proxyEvents: 0 });
  await page.close();
});
