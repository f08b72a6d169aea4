// The cloud proxy's pure parts: how a CloudProxyInfo is read, when it may be started and
// stopped, and the ICE configuration transports get with and without it. The relay check
// needs a browser: web/test/cloud_proxy.test.mjs drives it through a real coturn.
import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load.mjs";

const { CloudProxy, overTcp } = await load("cloudproxy.ts");

const SERVERS = [
  {
    urls: ["turn:10.0.0.3:3478?transport=udp", "turn:10.0.0.3:443?transport=tcp", "turns:turn.example.com:443"],
    username: "1700000000:alice",
    credential: "c3VwZXJzZWNyZXQ=",
  },
];

function codeOf(f) {
  try {
    f();
    return "ok";
  } catch (e) {
    return e.code;
  }
}

test("without the proxy, transports take the join answer's TURN servers as they are", async () => {
  const proxy = new CloudProxy(() => {});
  assert.equal(proxy.serverUrl("https://rtc.example.com"), "https://rtc.example.com");
  assert.deepEqual(proxy.rtcConfig().iceServers, []);
  await proxy.answered(SERVERS, 0);
  const config = proxy.rtcConfig();
  assert.equal(config.iceTransportPolicy, undefined);
  assert.deepEqual(config.iceServers, SERVERS);
});

test("accessProxy entries: the first signalling address, relays, and what is refused", () => {
  const proxy = new CloudProxy(() => {});
  const signal = (accessProxy) => {
    proxy.start({ accessProxy, configProxy: "", logProxy: "" }, false);
    return proxy.serverUrl("https://rtc.example.com");
  };
  assert.equal(signal("proxy.example.com"), "wss://proxy.example.com");
  assert.equal(signal("proxy.example.com:8443"), "wss://proxy.example.com:8443");
  assert.equal(signal(["https://a.example.com", "wss://b.example.com:443"]), "wss://a.example.com");
  assert.equal(signal(["turns:relay.example.com:443", "10.1.2.3:443"]), "wss://10.1.2.3");
  for (const bad of ["", [], ["turn:relay.example.com:443"], "http://proxy.example.com", "ws://p.example.com", null]) {
    assert.equal(
      codeOf(() => proxy.start({ accessProxy: bad, configProxy: "", logProxy: "" }, false)),
      "INVALID_PARAMS",
      JSON.stringify(bad),
    );
  }
  assert.equal(
    codeOf(() => proxy.start(undefined, false)),
    "INVALID_PARAMS",
  );
});

test("in a room the proxy is neither started nor stopped", () => {
  const proxy = new CloudProxy(() => {});
  const info = { accessProxy: "proxy.example.com:443", configProxy: "", logProxy: "" };
  assert.equal(
    codeOf(() => proxy.start(info, true)),
    "START_CLOUD_PROXY_AFTER_JOIN",
  );
  assert.equal(proxy.on, false);
  proxy.start(info, false);
  assert.equal(
    codeOf(() => proxy.stop(true)),
    "STOP_CLOUD_PROXY_BEFORE_LEAVE",
  );
  assert.equal(proxy.on, true);
  proxy.stop(false);
  assert.equal(proxy.on, false);
});

test("with the proxy, media is relay-only over TCP or TLS, through named relays when there are", async () => {
  const proxy = new CloudProxy(() => {});
  proxy.start({ accessProxy: "proxy.example.com", configProxy: "", logProxy: "" }, false);
  // The relay check cannot run here: no answer is awaited, only the configuration read.
  void proxy.answered(SERVERS, 0).catch(() => {});
  let config = proxy.rtcConfig();
  assert.equal(config.iceTransportPolicy, "relay");
  assert.deepEqual(config.iceServers, [
    { ...SERVERS[0], urls: ["turn:10.0.0.3:443?transport=tcp", "turns:turn.example.com:443"] },
  ]);
  proxy.start(
    { accessProxy: ["proxy.example.com", "turns:relay.example.com:443"], configProxy: "", logProxy: "" },
    false,
  );
  void proxy.answered(SERVERS, 0).catch(() => {});
  config = proxy.rtcConfig();
  assert.deepEqual(config.iceServers, [
    { urls: ["turns:relay.example.com:443"], username: SERVERS[0].username, credential: SERVERS[0].credential },
  ]);
});

test("with the proxy and no TCP or TLS relay anywhere, the join fails with ICE_SERVER_WRONG", async () => {
  const events = [];
  const proxy = new CloudProxy((name, payload) => events.push([name, payload]));
  proxy.start({ accessProxy: "proxy.example.com", configProxy: "", logProxy: "" }, false);
  const udpOnly = [{ ...SERVERS[0], urls: ["turn:10.0.0.3:3478?transport=udp"] }];
  await assert.rejects(proxy.answered(udpOnly, 0), (e) => e.code === "ICE_SERVER_WRONG");
  await assert.rejects(proxy.answered([], 0), (e) => e.code === "ICE_SERVER_WRONG");
  // Relays named, but no credentials from the server to reach them with.
  proxy.start(
    { accessProxy: ["proxy.example.com", "turn:r.example.com:443?transport=tcp"], configProxy: "", logProxy: "" },
    false,
  );
  await assert.rejects(
    proxy.answered([], 0),
    (e) => e.code === "ICE_SERVER_WRONG" && /no TURN credentials/.test(e.message),
  );
  assert.deepEqual(events, []);
});

test("overTcp: TURN over TCP or TLS", () => {
  assert.equal(overTcp("turn:h:443?transport=tcp"), true);
  assert.equal(overTcp("turns:h:443"), true);
  assert.equal(overTcp("turn:h:3478?transport=udp"), false);
  assert.equal(overTcp("turn:h:3478"), false);
  assert.equal(overTcp("stun:h:3478"), false);
});
