// Clients behind a network that lets only TCP 443 out, to the cloud proxy's addresses alone
// (lib/strict_site.mjs builds it in namespaces: Chorus, its proxy address and coturn on one
// side, Chromium behind nftables on the other). The app's own server address is out of reach
// there: without the cloud proxy a join fails; with it, signalling goes to the proxy over WSS
// and media through coturn over TCP (or TLS) 443, and the pictures arrive.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { waitFor } from "./lib/browser.mjs";
import { canBuildNamespaces } from "./lib/netns.mjs";
import { PROXY, SITE, joinIn, publisherCandidate, sdkPageAt, startStrictSite } from "./lib/strict_site.mjs";

const skip = canBuildNamespaces() ? false : "builds network namespaces: needs root, iproute2 and nftables";
const SERVER_URL = `https://${SITE.serverHost}`;

let site, browser;

/** A unix time `secs` from now. */
const inSecs = (secs) => Math.floor(Date.now() / 1000) + secs;

/** A page from the proxy's address, the only web origin the client side reaches. */
const sdkPage = () => sdkPageAt(browser, SITE.proxyHost);

/** Joins `room` as `user` in `page`, the app talking to its own server address. */
function joinAs(page, room, user, { proxy, expireAt = inSecs(3600) } = {}) {
  return joinIn(page, { room, user, token: site.token(room, user, expireAt), proxy, serverUrl: SERVER_URL });
}

function remoteFrames(page) {
  return page.evaluate(() => document.querySelector("#remote video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0);
}

/** Whether a relay-only connection configured with `iceServers` gathers a relayed candidate in `page`. */
function allocates(page, iceServers) {
  return page.evaluate(async (iceServers) => {
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: "relay" });
    const found = new Promise((resolve) => {
      setTimeout(() => resolve(false), 8000);
      pc.onicecandidate = (e) => resolve(e.candidate ? e.candidate.type === "relay" : false);
    });
    pc.createDataChannel("probe");
    await pc.setLocalDescription(await pc.createOffer());
    const relayed = await found;
    pc.close();
    return relayed;
  }, iceServers);
}

before(async () => {
  if (skip) return;
  site = await startStrictSite();
  browser = await site.browser();
});

after(async () => {
  await site?.destroy();
});

test("behind the firewall, without the cloud proxy, joining fails with JOIN_ROOM_FAILED", { skip }, async () => {
  const page = await sdkPage();
  const refusedBefore = site.net.refused().tcp;
  const outcome = await joinAs(page, "strict", "carol");
  assert.equal(outcome.code, "JOIN_ROOM_FAILED", JSON.stringify(outcome));
  assert.match(outcome.message, /cannot reach the Chorus server/);
  assert.deepEqual(await page.evaluate(() => window.sockets), [
    `wss://${SITE.serverHost}/signal/v1?appId=${SITE.appId}`,
  ]);
  assert.ok(site.net.refused().tcp > refusedBefore, "the firewall refused the direct connection");
  await page.close();
});

test("with the cloud proxy, browsers join, publish and receive media through the relay only", { skip }, async () => {
  const [alice, bob] = [await sdkPage(), await sdkPage()];
  const expireAt = inSecs(3600);
  assert.deepEqual(await joinAs(alice, "strict", "alice", { proxy: PROXY, expireAt }), { ok: true });
  assert.deepEqual(await joinAs(bob, "strict", "bob", { proxy: PROXY }), { ok: true });

  // Each saw the join through the proxy once, and signalled to the proxy's address alone.
  for (const page of [alice, bob]) {
    const { sockets, proxyEvents } = await page.evaluate(() => ({
      sockets: window.sockets,
      proxyEvents: window.t.proxyEvents,
    }));
    assert.deepEqual(sockets, [`wss://${SITE.proxyHost}/signal/v1?appId=${SITE.appId}`]);
    assert.equal(proxyEvents.length, 1, JSON.stringify(proxyEvents));
    assert.ok(proxyEvents[0].interval > 0 && proxyEvents[0].interval < 30_000, JSON.stringify(proxyEvents));
  }

  // The transport is relay-only, through the server's TCP relay, with the REST credentials the
  // server made for alice, which expire with her token.
  const config = await waitFor(
    () => alice.evaluate(() => window.t.engine.peerConnection?.getConfiguration()),
    20_000,
    "alice's publisher transport",
  );
  assert.equal(config.iceTransportPolicy, "relay");
  assert.deepEqual(
    config.iceServers.map((s) => s.urls),
    [[`turn:${SITE.turnIp}:443?transport=tcp`]],
  );
  const { username, credential } = config.iceServers[0];
  assert.equal(username, `${expireAt + 1}:alice`);
  assert.equal(credential, createHmac("sha1", SITE.turnSecret).update(username).digest("base64"));

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
    assert.deepEqual(await publisherCandidate(page), { type: "relay", protocol: "tcp" });
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

test("a relay named in accessProxy carries media over TLS on 443", { skip }, async () => {
  const proxy = { ...PROXY, accessProxy: [`${SITE.proxyHost}:443`, `turns:${SITE.turnIp}:443?transport=tcp`] };
  const [alice, bob] = [await sdkPage(), await sdkPage()];
  assert.deepEqual(await joinAs(alice, "tls", "alice", { proxy }), { ok: true });
  assert.deepEqual(await joinAs(bob, "tls", "bob", { proxy }), { ok: true });
  const first = await waitFor(async () => (await remoteFrames(bob)) > 0 && remoteFrames(bob), 40_000, "alice's video");
  await waitFor(async () => (await remoteFrames(bob)) > first + 10, 15_000, "more of alice's frames");
  for (const page of [alice, bob]) {
    const config = await page.evaluate(() => window.t.engine.peerConnection.getConfiguration());
    assert.deepEqual(
      config.iceServers.map((s) => s.urls),
      [[`turns:${SITE.turnIp}:443?transport=tcp`]],
    );
    assert.deepEqual(await publisherCandidate(page), { type: "relay", protocol: "tls" });
  }
  await alice.close();
  await bob.close();
});

test("a cloud proxy whose relay cannot be allocated fails the join with ICE_SERVER_WRONG", { skip }, async () => {
  const page = await sdkPage();
  // Nothing listens on that port, and the firewall lets nothing out to it either.
  const proxy = { ...PROXY, accessProxy: [`${SITE.proxyHost}:443`, `turn:${SITE.turnIp}:4443?transport=tcp`] };
  const outcome = await joinAs(page, "strict", "dave", { proxy });
  assert.equal(outcome.code, "ICE_SERVER_WRONG", JSON.stringify(outcome));
  assert.match(outcome.message, /no relay could be allocated/);
  // The join was undone: the engine is in no room, and reported no proxy connection.
  const after = await page.evaluate(() => ({
    callId: window.t.engine.getCallId() ?? null,
    proxyEvents: window.t.proxyEvents.length,
  }));
  assert.deepEqual(after, { callId: null, proxyEvents: 0 });
  await page.close();
});

test("the relay credentials of a join stop working when its token expires", { skip }, async () => {
  const page = await sdkPage();
  const expireAt = inSecs(3);
  assert.deepEqual(await joinAs(page, "expiry", "erin", { proxy: PROXY, expireAt }), { ok: true });
  const config = await waitFor(
    () => page.evaluate(() => window.t.engine.peerConnection?.getConfiguration()),
    20_000,
    "erin's publisher transport",
  );
  assert.equal(config.iceServers[0].username, `${expireAt + 1}:erin`);
  assert.equal(await allocates(page, config.iceServers), true, "coturn allocates with a live credential");
  // Past the token's expiry (and its last second), coturn refuses the same credential.
  await new Promise((r) => setTimeout(r, Math.max(0, (expireAt + 2) * 1000 - Date.now())));
  assert.equal(await allocates(page, config.iceServers), false, "coturn refuses an expired credential");
  await page.close();
});
