// The room, token and transport events through the Web SDK, checked with what arrives: auto
// publish and auto subscribe results with the media they announce, an app's subscription and a
// refused one, a token without the publish privilege, privileges that expire, the business
// server's parameters, a publish retried after the signalling socket broke, the media
// transport's states and members, stream bans through the OpenAPI, and ICE over TCP when UDP
// cannot get through.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createServer, connect } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { createSocket } from "node:dgram";
import { chorusBinary, startServer } from "./lib/server.mjs";
import { keepPeerConnections, launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";

const ROOM = "events";
let server, browser, alice, bob;

/** A token for `user` in `room` with only `privileges` (the CLI's NAME[=UNIX] forms). */
function token(room, user, privileges) {
  return execFileSync(
    chorusBinary(),
    [
      "token",
      "create",
      "--app-id",
      server.appId,
      "--room",
      room,
      "--user",
      user,
      ...privileges.flatMap((p) => ["--privilege", p]),
    ],
    { env: { ...process.env, CHORUS_APP_KEY: server.appKey }, encoding: "utf8" },
  ).trim();
}

/** An SDK page that keeps its peer connections in `window.pcs`. */
async function openPage(srv = server) {
  const p = sdkPage(srv, "events");
  const page = await browser.page(p.url, p.html);
  await keepPeerConnections(page);
  return page;
}

/** Creates an engine in `page` that records every event in `window.t.events`. */
function engineIn(page, serverUrl) {
  return page.evaluate(
    ({ appId, serverUrl }) => {
      const t = (window.t = { events: [] });
      t.engine = VERTC.createEngine(appId, serverUrl ? { serverUrl } : undefined);
      for (const name of Object.values(VERTC.events))
        t.engine.on(name, (...args) => t.events.push({ name, args: JSON.parse(JSON.stringify(args)) }));
    },
    { appId: server.appId, serverUrl },
  );
}

/** The first arguments of each `name` event `page` recorded. */
function payloads(page, name) {
  return page.evaluate(
    (name) => window.t.events.filter((e) => e.name === name).map((e) => (e.args ? e.args[0] : e.data)),
    name,
  );
}

/** Decoded frames of the remote video in `page` (0 when none). */
const frames = (page) =>
  page.evaluate(() => document.querySelector("#remote video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0);

/** Audio bytes `page` received over its live connections. */
function audioBytes(page) {
  return page.evaluate(async () => {
    let bytes = 0;
    for (const pc of window.pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") bytes += r.bytesReceived;
      });
    }
    return bytes;
  });
}

async function framesRise(page, what, ms = 25_000) {
  const start = await frames(page);
  await waitFor(async () => (await frames(page)) > start + 10, ms, what);
}

before(async () => {
  server = await startServer();
  browser = await launch();
  alice = await openPage();
  bob = await openPage();
  await joinWithMedia(alice, server.appId, ROOM, "alice");
  await joinWithMedia(bob, server.appId, ROOM, "bob", { audio: false, video: false });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("auto publish and auto subscribe report their results, and the media they announce arrives", async () => {
  await framesRise(bob, "alice's video at bob");
  assert.deepEqual(await payloads(alice, "onAutoPublishResult"), [{ isScreen: false, state: 0 }]);
  assert.deepEqual(await payloads(alice, "onPublishResult"), [{ isScreen: false, isAutoPublish: true }]);
  assert.deepEqual(await payloads(bob, "onAutoSubscribeResult"), [{ userId: "alice", isScreen: false, state: 0 }]);
  assert.deepEqual(await payloads(bob, "onSubscribeResult"), [
    { userId: "alice", isScreen: false, isAutoSubscribe: true },
  ]);
  // Bob publishes nothing: no publish result of his.
  assert.deepEqual(await payloads(bob, "onPublishResult"), []);
});

test("the media transport: its states as onVendorConnectionStateChanged, peerConnection and iceState", async () => {
  const CONNECTED = await alice.evaluate(() => VERTC.ConnectionState.CONNECTION_STATE_CONNECTED);
  const states = await payloads(alice, "onVendorConnectionStateChanged");
  assert.ok(
    states.some((s) => s.state === CONNECTED && s.userId === "alice"),
    `alice's transport states: ${JSON.stringify(states)}`,
  );
  const pc = await alice.evaluate(async () => {
    const pc = window.t.engine.peerConnection;
    let sent = 0;
    (await pc.getStats()).forEach((r) => {
      if (r.type === "outbound-rtp" && r.kind === "video") sent += r.bytesSent;
    });
    return {
      isPc: pc instanceof RTCPeerConnection,
      isPublisher: window.pcs.includes(pc) && pc.getTransceivers().every((t) => t.direction === "sendonly"),
      connection: pc.connectionState,
      ice: window.t.engine.iceState,
      iceOfPc: pc.iceConnectionState,
      sent,
    };
  });
  assert.ok(pc.isPc && pc.isPublisher, JSON.stringify(pc));
  assert.equal(pc.connection, "connected");
  assert.ok(["connected", "completed"].includes(pc.ice), pc.ice);
  assert.equal(pc.ice, pc.iceOfPc);
  assert.ok(pc.sent > 10_000, `alice sent ${pc.sent} bytes of video over it`);
  // Over UDP on loopback: no ICE-TCP.
  assert.deepEqual(await payloads(alice, "onIceConnectWithTcp"), []);
  // Bob only receives: iceState is his subscriber transport's, and he has no publisher.
  const b = await bob.evaluate(() => ({ pc: window.t.engine.peerConnection ?? null, ice: window.t.engine.iceState }));
  assert.equal(b.pc, null);
  assert.ok(["connected", "completed"].includes(b.ice), b.ice);
});

test("an app's subscription reports isAutoSubscribe false and its audio arrives; a refused one carries the code", async () => {
  const carol = await openPage();
  try {
    await engineIn(carol);
    await carol.evaluate(
      async ({ room, tok }) => {
        await window.t.engine.joinRoom(
          tok,
          room,
          { userId: "carol" },
          { isAutoPublish: false, isAutoSubscribeAudio: false, isAutoSubscribeVideo: false },
        );
      },
      { room: ROOM, tok: token(ROOM, "carol", []) },
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await audioBytes(carol), 0, "nothing arrives before carol subscribes");
    await carol.evaluate(() => window.t.engine.subscribeStream("alice", VERTC.MediaType.AUDIO));
    await waitFor(async () => (await audioBytes(carol)) > 5000, 15_000, "alice's audio at carol");
    assert.deepEqual(await payloads(carol, "onSubscribeResult"), [
      { userId: "alice", isScreen: false, isAutoSubscribe: false },
    ]);
    assert.deepEqual(await payloads(carol, "onAutoSubscribeResult"), []);
    const code = await carol.evaluate(() =>
      window.t.engine.subscribeScreen("alice", VERTC.MediaType.VIDEO).then(
        () => "subscribed",
        (e) => e.code,
      ),
    );
    assert.notEqual(code, "subscribed", "alice shares no screen");
    const results = await payloads(carol, "onSubscribeResult");
    assert.deepEqual(results.at(-1), { userId: "alice", isScreen: true, isAutoSubscribe: false, errorCode: code });
  } finally {
    await carol.close();
  }
});

test("a token without the publish privilege: auto publish fails with the server's code and nothing is published", async () => {
  const dan = await openPage();
  try {
    await engineIn(dan);
    await dan.evaluate(
      async ({ room, tok }) => {
        await window.t.engine.startAudioCapture();
        await window.t.engine.joinRoom(tok, room, { userId: "dan" }, { isAutoPublish: true });
      },
      { room: ROOM, tok: token(ROOM, "dan", ["subscribe"]) },
    );
    const [auto] = await waitFor(() => payloads(dan, "onAutoPublishResult").then((p) => p.length && p), 10_000);
    assert.deepEqual(auto, { isScreen: false, state: 1 });
    const [result] = await payloads(dan, "onPublishResult");
    assert.equal(result.isAutoPublish, true);
    // The server refuses a publish the token does not allow with PUBLISH_FAILED.
    assert.equal(result.errorCode, "PUBLISH_FAILED");
    // The same code the app gets when it publishes itself.
    const direct = await dan.evaluate(() => window.t.engine.publishStream(VERTC.MediaType.AUDIO).catch((e) => e.code));
    assert.equal(direct, result.errorCode);
    const published = await alice.evaluate(() =>
      window.t.events.filter((e) => e.name === "onUserPublishStream" && e.data.userId === "dan"),
    );
    assert.deepEqual(published, []);
  } finally {
    await dan.close();
  }
});

test("joining invisible with auto publish: onAutoPublishResult fails with NO_PUBLISH_PERMISSION", async () => {
  const nan = await openPage();
  try {
    await engineIn(nan);
    await nan.evaluate(
      async ({ room, tok }) => {
        await window.t.engine.startAudioCapture();
        await window.t.engine.setUserVisibility(false);
        await window.t.engine.joinRoom(tok, room, { userId: "nan" }, { isAutoPublish: true });
      },
      { room: ROOM, tok: token(ROOM, "nan", []) },
    );
    assert.deepEqual(await payloads(nan, "onAutoPublishResult"), [{ isScreen: false, state: 1 }]);
    assert.deepEqual(await payloads(nan, "onPublishResult"), [
      { isScreen: false, isAutoPublish: true, errorCode: "NO_PUBLISH_PERMISSION" },
    ]);
    assert.equal(await nan.evaluate(() => window.t.engine.peerConnection ?? null), null, "no publisher transport");
  } finally {
    await nan.close();
  }
});

test("privileges that expire: the vendor's {errorCode, message} with expireAt, and the stream goes", async () => {
  const erin = await openPage();
  try {
    await engineIn(erin);
    const soon = Math.floor(Date.now() / 1000) + 4;
    await erin.evaluate(
      async ({ room, tok }) => {
        await window.t.engine.startAudioCapture();
        await window.t.engine.joinRoom(tok, room, { userId: "erin" }, { isAutoPublish: true });
      },
      { room: ROOM, tok: token(ROOM, "erin", [`publish=${soon}`, `subscribe=${soon}`]) },
    );
    await waitFor(
      () =>
        alice.evaluate(() => window.t.events.some((e) => e.name === "onUserPublishStream" && e.data.userId === "erin")),
      10_000,
      "erin's stream at alice",
    );
    const [pub] = await waitFor(
      () => payloads(erin, "onTokenPublishPrivilegeDidExpired").then((p) => p.length && p),
      15_000,
      "the publish privilege's end",
    );
    assert.equal(pub.errorCode, "TOKEN_NO_PUBLISH_PERMISSION");
    assert.match(pub.message, /updateToken/);
    assert.equal(pub.expireAt, soon);
    const [sub] = await waitFor(
      () => payloads(erin, "onTokenSubscribePrivilegeDidExpired").then((p) => p.length && p),
      10_000,
      "the subscribe privilege's end",
    );
    assert.equal(sub.errorCode, "TOKEN_NO_SUBSCRIBE_PERMISSION");
    assert.match(sub.message, /updateToken/);
    assert.equal(sub.expireAt, soon);
    await waitFor(
      () =>
        alice.evaluate(() =>
          window.t.events.some((e) => e.name === "onUserUnpublishStream" && e.data.userId === "erin"),
        ),
      10_000,
      "erin's stream gone at alice",
    );
  } finally {
    await erin.close();
  }
});

test("setServerParams fires onServerParamsSetResult: nothing on success (messages then reach the server), the code on failure", async () => {
  const posts = [];
  const business = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      posts.push(JSON.parse(body).Message);
      res.writeHead(200).end(`ack ${JSON.parse(body).Message}`);
    });
  });
  await new Promise((resolve) => business.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${business.address().port}/rtc`;
  const fay = await openPage();
  try {
    await engineIn(fay);
    const early = await fay.evaluate((url) => window.t.engine.setServerParams("sig", url).catch((e) => e.code), url);
    assert.equal(early, "NOT_LOGIN");
    assert.deepEqual(
      await fay.evaluate(() => window.t.events.filter((e) => e.name === "onServerParamsSetResult").map((e) => e.args)),
      [["NOT_LOGIN"]],
    );
    await fay.evaluate((tok) => window.t.engine.login(tok, "fay"), token("", "fay", []));
    await fay.evaluate((url) => window.t.engine.setServerParams("sig", url), url);
    const results = await fay.evaluate(() =>
      window.t.events.filter((e) => e.name === "onServerParamsSetResult").map((e) => e.args),
    );
    assert.deepEqual(results, [["NOT_LOGIN"], []]);
    assert.equal(await fay.evaluate(() => window.t.engine.sendServerMessage("hello")), "ack hello");
    assert.deepEqual(posts, ["hello"]);
  } finally {
    await fay.close();
    await new Promise((resolve) => business.close(resolve));
  }
});

/** A TCP proxy to `port` on 127.0.0.1 listening on `host` (0: any port); `drop()` breaks its connections. */
function startProxy(port, host = "127.0.0.1", listenPort = 0) {
  const sockets = new Set();
  const proxy = createServer((down) => {
    const up = connect(port, "127.0.0.1");
    for (const s of [down, up]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    down.pipe(up).pipe(down);
  });
  return new Promise((resolve) =>
    proxy.listen(listenPort, host, () =>
      resolve({
        url: `http://${host}:${proxy.address().port}`,
        connections: () => sockets.size / 2,
        drop: () => sockets.forEach((s) => s.destroy()),
        close: () => {
          proxy.close();
          sockets.forEach((s) => s.destroy());
        },
      }),
    ),
  );
}

test("a broken signalling socket: the publish is retried (onPublishRetry, then onPublishResult) and the media flows again", async () => {
  const proxy = await startProxy(new URL(server.url).port);
  const gus = await openPage();
  try {
    await engineIn(gus, proxy.url);
    await gus.evaluate(
      async ({ room, tok }) => {
        await window.t.engine.startVideoCapture();
        await window.t.engine.joinRoom(tok, room, { userId: "gus" }, { isAutoPublish: true });
      },
      { room: ROOM, tok: token(ROOM, "gus", []) },
    );
    await waitFor(() => payloads(gus, "onPublishResult").then((p) => p.length), 10_000, "gus's first publish");
    await bob.evaluate(() => {
      const box = document.createElement("div");
      box.id = "gus";
      box.className = "box";
      document.body.append(box);
      window.t.engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_MAIN, {
        renderDom: "gus",
        userId: "gus",
        playerId: "retry",
      });
    });
    const gusFrames = () =>
      bob.evaluate(() => document.querySelector("#gus video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0);
    await waitFor(async () => (await gusFrames()) > 10, 20_000, "gus's video at bob");
    proxy.drop();
    const [retry] = await waitFor(
      () => payloads(gus, "onPublishRetry").then((p) => p.length && p),
      15_000,
      "onPublishRetry",
    );
    assert.deepEqual(retry, { screen: false });
    await waitFor(() => payloads(gus, "onPublishResult").then((p) => p.length === 2), 15_000, "the retry's result");
    assert.deepEqual((await payloads(gus, "onPublishResult"))[1], { isScreen: false, isAutoPublish: false });
    // The retried publish carries video again.
    const start = await gusFrames();
    await waitFor(async () => (await gusFrames()) > start + 10, 25_000, "gus's video at bob after the retry");
    assert.deepEqual(await payloads(gus, "onSubscribeRetry"), []);
  } finally {
    await gus.close();
    proxy.close();
  }
});

test("connect opens the signalling connection before a join; setJoinRoomParams is kept", async () => {
  const hal = await openPage();
  try {
    await engineIn(hal);
    const r = await hal.evaluate(async () => {
      const engine = window.t.engine;
      engine.setJoinRoomParams({ serviceType: "rtc", tenantId: "t1" });
      await engine.connect();
      return {
        states: window.t.events.filter((e) => e.name === "onConnectionStateChanged").map((e) => e.args[0].state),
        kept: engine.extraJoinRoomParams,
        pc: engine.peerConnection ?? null,
        ice: engine.iceState ?? null,
      };
    });
    const S = await hal.evaluate(() => VERTC.ConnectionState);
    assert.deepEqual(r.states, [S.CONNECTION_STATE_CONNECTING, S.CONNECTION_STATE_CONNECTED]);
    assert.deepEqual(r.kept, { serviceType: "rtc", tenantId: "t1" });
    // No room, no transport.
    assert.equal(r.pc, null);
    assert.equal(r.ice, null);
  } finally {
    await hal.close();
  }
});

/** Calls the server's OpenAPI `action` with `body` (signed by `chorus api`). */
function api(action, body) {
  const out = spawnSync(
    chorusBinary(),
    ["api", action, JSON.stringify(body), "--server", server.url, "--ak", server.ak, "--sk", server.sk],
    { encoding: "utf8" },
  );
  assert.equal(out.status, 0, out.stdout + out.stderr);
}

/** The recorded events `name` of `page` about `uid`. */
function about(page, name, uid) {
  return payloads(page, name).then((p) => p.filter((e) => e.uid === uid || e.userId === uid));
}

test("BanUserStream / UnbanUserStream: everyone hears onVideoStreamBanned, the video stops and comes back", async () => {
  // Alice's video in a player of its own, apart from the default one the other tests share.
  await bob.evaluate(() => {
    const box = document.createElement("div");
    box.id = "alice";
    box.className = "box";
    document.body.append(box);
    window.t.engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_MAIN, {
      renderDom: "alice",
      userId: "alice",
      playerId: "ban",
    });
  });
  const frames = () =>
    bob.evaluate(() => document.querySelector("#alice video")?.getVideoPlaybackQuality().totalVideoFrames ?? 0);
  const rise = async (what) => {
    const start = await frames();
    await waitFor(async () => (await frames()) > start + 10, 25_000, what);
  };
  await rise("alice's video at bob before the ban");
  api("BanUserStream", { AppId: server.appId, RoomId: ROOM, UserId: "alice", Video: true });
  for (const page of [alice, bob])
    await waitFor(
      () => about(page, "onVideoStreamBanned", "alice").then((b) => b.length),
      10_000,
      "onVideoStreamBanned",
    );
  assert.deepEqual(await about(alice, "onVideoStreamBanned", "alice"), [{ uid: "alice", banned: true }]);
  assert.deepEqual(await about(bob, "onVideoStreamBanned", "alice"), [{ uid: "alice", banned: true }]);
  const unpublished = await about(bob, "onUserUnpublishStream", "alice");
  assert.equal(unpublished.at(-1)?.mediaType, 2, JSON.stringify(unpublished));
  // Nothing of alice's video gets through, and she cannot publish it again.
  await new Promise((r) => setTimeout(r, 1000));
  const stalled = await frames();
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok((await frames()) <= stalled + 2, "no video during the ban");
  // She stops sending it too.
  const sentVideo = () =>
    alice.evaluate(async () => {
      let bytes = 0;
      (await window.t.engine.peerConnection.getStats()).forEach((r) => {
        if (r.type === "outbound-rtp" && r.kind === "video") bytes += r.bytesSent;
      });
      return bytes;
    });
  const sentBefore = await sentVideo();
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok((await sentVideo()) - sentBefore < 5000, "alice stopped sending video");
  const refused = await alice.evaluate(() => window.t.engine.publishStream(VERTC.MediaType.VIDEO).catch((e) => e.code));
  assert.equal(refused, "PUBLISH_FAILED");
  // Her audio is not banned.
  assert.deepEqual(await about(bob, "onAudioStreamBanned", "alice"), []);
  // Who joins during the ban hears of it.
  const kim = await openPage();
  try {
    await engineIn(kim);
    await kim.evaluate(
      ({ room, tok }) => window.t.engine.joinRoom(tok, room, { userId: "kim" }, { isAutoPublish: false }),
      { room: ROOM, tok: token(ROOM, "kim", []) },
    );
    await waitFor(() => about(kim, "onVideoStreamBanned", "alice").then((b) => b.length), 10_000, "kim hears");
    assert.deepEqual(await about(kim, "onVideoStreamBanned", "alice"), [{ uid: "alice", banned: true }]);
  } finally {
    await kim.close();
  }
  api("UnbanUserStream", { AppId: server.appId, RoomId: ROOM, UserId: "alice", Video: true });
  await waitFor(
    () => about(bob, "onVideoStreamBanned", "alice").then((b) => b.length === 2),
    10_000,
    "the ban lifted at bob",
  );
  assert.deepEqual((await about(alice, "onVideoStreamBanned", "alice")).at(-1), { uid: "alice", banned: false });
  assert.deepEqual((await about(bob, "onVideoStreamBanned", "alice")).at(-1), { uid: "alice", banned: false });
  await alice.evaluate(() => window.t.engine.publishStream(VERTC.MediaType.VIDEO));
  await rise("alice's video at bob after the ban");
});

/** A free UDP port on 127.0.0.1 (the SFU also listens for ICE-TCP on the same number). */
function freePort() {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test("UDP blocked: the transports connect over ICE-TCP, onIceConnectWithTcp fires and the video arrives", async () => {
  // The server advertises 127.0.0.2, where only a TCP relay to its ICE-TCP port listens.
  const port = await freePort();
  const tcpOnly = await startServer(["--rtc-port", String(port), "--public-ip", "127.0.0.2"]);
  const relay = await startProxy(port, "127.0.0.2", port);
  const pages = [];
  try {
    const [ivy, jon] = [await openPage(tcpOnly), await openPage(tcpOnly)];
    pages.push(ivy, jon);
    await joinWithMedia(ivy, tcpOnly.appId, "tcp", "ivy", { audio: false });
    await joinWithMedia(jon, tcpOnly.appId, "tcp", "jon", { audio: false, video: false });
    await framesRise(jon, "ivy's video at jon over TCP", 40_000);
    assert.ok(relay.connections() >= 2, `${relay.connections()} TCP connections through the relay`);
    for (const page of [ivy, jon]) {
      await waitFor(() => payloads(page, "onIceConnectWithTcp").then((p) => p.length), 5000, "onIceConnectWithTcp");
      const protocols = await page.evaluate(async () => {
        const out = [];
        for (const pc of window.pcs.filter((pc) => pc.connectionState === "connected")) {
          const report = await pc.getStats();
          report.forEach((r) => {
            if (r.type === "transport" && r.selectedCandidatePairId)
              out.push(report.get(report.get(r.selectedCandidatePairId).localCandidateId).protocol);
          });
        }
        return out;
      });
      assert.ok(protocols.length > 0 && protocols.every((p) => p === "tcp"), `selected pairs: ${protocols}`);
    }
  } finally {
    for (const p of pages) await p.close();
    relay.close();
    await tcpOnly.stop();
  }
});
