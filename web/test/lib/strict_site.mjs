// A Chorus deployment with TURN and a cloud proxy address, in network namespaces of its own
// (lib/netns.mjs), for tests and benchmarks of clients behind strict networks. The server side
// holds Chorus (HTTPS and WSS on 10.77.0.2:443, media on UDP/TCP 7881 there), the proxy's
// signalling address 10.77.0.4:443 forwarding to it, and coturn on 10.77.0.3 (TURN on 3478,
// TCP and TLS on 443) from a generated configuration with the secret Chorus hands credentials
// for. The client side holds the browsers; with `firewall`, nftables let it send only TCP 443
// to the relay and the proxy's address, so the app's own server address is out of reach.
import { execFileSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chorusBinary } from "./server.mjs";
import { launch } from "./browser.mjs";
import { buildNetwork } from "./netns.mjs";

/** The site's names and addresses. */
export const SITE = {
  appId: "proxyapp0000000000000001",
  appKey: "cloud-proxy-app-key-for-the-test",
  turnSecret: "turn-secret-shared-with-coturn",
  serverIp: "10.77.0.2",
  turnIp: "10.77.0.3",
  proxyIp: "10.77.0.4",
  clientIp: "10.77.0.10",
  /** The app's own name for the server. */
  serverHost: "chorus.test",
  /** The cloud proxy's name. */
  proxyHost: "proxy.test",
};

/** The `CloudProxyInfo` of the site: signalling through the proxy's address, relays from the join answer. */
export const PROXY = { accessProxy: `${SITE.proxyHost}:443`, configProxy: "", logProxy: "" };

/** Makes a CA and a certificate for every name and address the site serves; `{crt, key, spki}`. */
function certificates(dir) {
  const run = (args) => execFileSync("openssl", args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const [caCrt, caKey] = [join(dir, "ca.crt"), join(dir, "ca.key")];
  run(["req", "-x509", ...ec, "-keyout", caKey, "-out", caCrt, "-days", "2", "-subj", "/CN=Chorus proxy test CA"]);
  const ext = join(dir, "ext.cnf");
  const { serverHost, proxyHost, serverIp, turnIp, proxyIp } = SITE;
  writeFileSync(
    ext,
    `subjectAltName=DNS:${serverHost},DNS:${proxyHost},IP:${serverIp},IP:${turnIp},IP:${proxyIp}\n` +
      "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  const [csr, leaf, key] = [join(dir, "server.csr"), join(dir, "leaf.crt"), join(dir, "server.key")];
  run(["req", ...ec, "-keyout", key, "-out", csr, "-subj", `/CN=${serverHost}`]);
  run(
    ["x509", "-req", "-in", csr, "-CA", caCrt, "-CAkey", caKey, "-CAcreateserial"].concat([
      "-out",
      leaf,
      "-days",
      "2",
      "-extfile",
      ext,
    ]),
  );
  const caPem = readFileSync(caCrt, "utf8");
  const crt = join(dir, "server.crt");
  writeFileSync(crt, readFileSync(leaf, "utf8") + caPem);
  const spki = new X509Certificate(caPem).publicKey.export({ type: "spki", format: "der" });
  return { crt, key, spki: createHash("sha256").update(spki).digest("base64") };
}

/** coturn's configuration: REST credentials from the shared secret, TCP and TLS on 443. */
function turnConfig(dir, cert) {
  const { turnIp, turnSecret } = SITE;
  const path = join(dir, "turnserver.conf");
  writeFileSync(
    path,
    [
      `listening-ip=${turnIp}`,
      `relay-ip=${turnIp}`,
      "listening-port=3478",
      // Plain TCP is taken on the TLS port as well.
      "tls-listening-port=443",
      `cert=${cert.crt}`,
      `pkey=${cert.key}`,
      "use-auth-secret",
      `static-auth-secret=${turnSecret}`,
      "realm=chorus.test",
      "fingerprint",
      "no-cli",
      "log-file=stdout",
      "simple-log",
      `pidfile=${join(dir, "turnserver.pid")}`,
      "",
    ].join("\n"),
  );
  return path;
}

/**
 * Builds the site and starts coturn and Chorus in it; `firewall` closes the client side but
 * for TCP 443 to the relay and the proxy's address. Resolves with the network, a browser
 * launcher for the client side, and a token maker; `destroy()` ends it all.
 */
export async function startStrictSite({ firewall = true } = {}) {
  const { serverIp, turnIp, proxyIp, clientIp, appId, appKey, turnSecret } = SITE;
  const net = buildNetwork({ serverIps: [serverIp, turnIp, proxyIp], clientIp });
  const browsers = [];
  try {
    const cert = certificates(net.dir);
    await net.start(net.server, "turnserver", ["-c", turnConfig(net.dir, cert)], {
      ready: /Total General servers/,
    });
    await net.start(
      net.server,
      chorusBinary(),
      [
        ...["serve", "--listen", `${serverIp}:443`, "--rtc-port", "7881", "--public-ip", serverIp],
        ...["--app", `${appId}:${appKey}`, "--tls-cert", cert.crt, "--tls-key", cert.key],
        ...["--turn", `turn:${turnIp}:3478?transport=udp`, "--turn", `turn:${turnIp}:443?transport=tcp`],
        ...["--turn-secret", turnSecret],
      ],
      { ready: /listening on (\S+)/, env: { RUST_LOG: "warn" } },
    );
    // The proxy's signalling address forwards to Chorus, as a cloud proxy's front does.
    net.forward({ from: proxyIp, to: serverIp });
    if (firewall) net.firewall({ allowed: [turnIp, proxyIp] });
    return {
      net,
      /** A browser on the client side that trusts the site's CA and resolves its names. */
      async browser() {
        const b = await launch({
          executablePath: net.chromiumIn(net.client),
          args: [
            `--host-resolver-rules=MAP ${SITE.serverHost} ${serverIp}, MAP ${SITE.proxyHost} ${proxyIp}`,
            `--ignore-certificate-errors-spki-list=${cert.spki}`,
          ],
        });
        browsers.push(b);
        return b;
      },
      /** A token for `room` and `user` expiring at `expireAt` (unix seconds). */
      token(room, user, expireAt) {
        const args = ["token", "create", "--app-id", appId, "--app-key", appKey, "--room", room, "--user", user];
        return execFileSync(chorusBinary(), [...args, "--expire-at", String(expireAt)])
          .toString()
          .trim();
      },
      async destroy() {
        for (const b of browsers) await b.close();
        net.destroy();
      },
    };
  } catch (e) {
    for (const b of browsers) await b.close();
    net.destroy();
    throw e;
  }
}

/** A page of `browser` at `https://host/healthz` that loads the SDK and records its WebSocket URLs. */
export function sdkPageAt(browser, host) {
  return browser.page(
    `https://${host}/healthz`,
    `<!doctype html><meta charset="utf-8"><title>strict network</title>
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
 * In `page`: an engine (for `serverUrl` when given, else the page's origin), the cloud proxy
 * started with `proxy` when given, camera and microphone on, then a join of `room` as `user`
 * with `token`. Resolves with `{ok}` or the join's `{code, message}`; `window.t` keeps the
 * engine, `joinAt`, `firstFrame[userId]` (onRemoteVideoFirstFrame) and the proxy events.
 */
export function joinIn(page, { room, user, token, proxy, serverUrl }) {
  return page.evaluate(
    async ({ appId, room, user, token, proxy, serverUrl }) => {
      const t = (window.t = { proxyEvents: [], firstFrame: {} });
      const engine = (t.engine = VERTC.createEngine(appId, serverUrl ? { serverUrl } : {}));
      engine.on(VERTC.events.onCloudProxyConnected, (e) => t.proxyEvents.push(e));
      engine.on(VERTC.events.onRemoteVideoFirstFrame, (e) => (t.firstFrame[e.userId] = performance.now()));
      engine.on(VERTC.events.onUserPublishStream, (e) => {
        if (e.mediaType & VERTC.MediaType.VIDEO)
          engine.setRemoteVideoPlayer(VERTC.StreamIndex.STREAM_INDEX_MAIN, { renderDom: "remote", userId: e.userId });
      });
      if (proxy) engine.startCloudProxy(proxy);
      await engine.startVideoCapture();
      await engine.startAudioCapture();
      t.joinAt = performance.now();
      try {
        await engine.joinRoom(token, room, { userId: user }, { isAutoPublish: true });
        return { ok: true };
      } catch (e) {
        return { code: e.code, message: e.message };
      }
    },
    { appId: SITE.appId, room, user, token, proxy, serverUrl },
  );
}

/** The local candidate of the selected pair of `page`'s publisher transport: `{type, protocol}`. */
export function publisherCandidate(page) {
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
    return local ? { type: local.candidateType, protocol: local.relayProtocol ?? local.protocol } : null;
  });
}
