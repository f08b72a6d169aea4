// Measures, in one run, joinRoom -> first decoded remote video frame (onRemoteVideoFirstFrame)
// for the second of two pages to join, through the cloud proxy (signalling over WSS to the
// proxy's address, media relayed by coturn over TCP 443) against direct (signalling to the
// server, media over UDP to the SFU), on a site built in network namespaces
// (test/lib/strict_site.mjs, without its firewall so the direct path exists). Runs alternate
// between the two paths; the figure is the ratio of their medians. It drives browsers, as only
// the Web SDK relays through TURN. Needs root, coturn and nftables. Usage (from web/, after
// `cargo build -p chorus`; CHORUS_BIN picks another binary):
//   node bench/relay_first_frame.mjs [runs per path]
import { waitFor } from "../test/lib/browser.mjs";
import { PROXY, SITE, joinIn, publisherCandidate, sdkPageAt, startStrictSite } from "../test/lib/strict_site.mjs";

const runs = Number(process.argv[2] ?? 5);
const site = await startStrictSite({ firewall: false });
const paths = {
  direct: { host: SITE.serverHost, proxy: undefined, times: [], via: new Set() },
  relay: { host: SITE.proxyHost, proxy: PROXY, times: [], via: new Set() },
};
const expireAt = Math.floor(Date.now() / 1000) + 3600;

/** One measurement on `path`: a joins and publishes, then b joins; b's join to a's first frame. */
async function measure(browser, name, i) {
  const path = paths[name];
  const room = `${name}${i}`;
  const [a, b] = [await sdkPageAt(browser, path.host), await sdkPageAt(browser, path.host)];
  try {
    for (const [page, user] of [
      [a, "a"],
      [b, "b"],
    ]) {
      const outcome = await joinIn(page, { room, user, token: site.token(room, user, expireAt), proxy: path.proxy });
      if (!outcome.ok) throw new Error(`${name}: ${user} could not join: ${JSON.stringify(outcome)}`);
    }
    const ms = await waitFor(
      () => b.evaluate(() => window.t.firstFrame.a && window.t.firstFrame.a - window.t.joinAt),
      60_000,
      `${name}: the first frame`,
    );
    const via = await publisherCandidate(b);
    path.times.push(ms);
    path.via.add(`${via?.type}/${via?.protocol}`);
    console.log(
      `${name} run ${i + 1}: joinRoom -> first remote video frame ${ms.toFixed(0)} ms (${via?.type}/${via?.protocol})`,
    );
  } finally {
    await a.close();
    await b.close();
  }
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
try {
  const browser = await site.browser();
  for (let i = 0; i < runs; i++) {
    for (const name of i % 2 ? ["relay", "direct"] : ["direct", "relay"]) await measure(browser, name, i);
  }
  for (const [name, path] of Object.entries(paths)) {
    const t = [...path.times].sort((x, y) => x - y);
    console.log(
      `${name} (${[...path.via].join(", ")}): median ${median(t).toFixed(0)} ms, min ${t[0].toFixed(0)} ms, max ${t.at(-1).toFixed(0)} ms over ${t.length} runs`,
    );
  }
  const ratio = median(paths.relay.times) / median(paths.direct.times);
  console.log(`relay over TCP 443 / direct UDP: ${ratio.toFixed(2)}x the join -> first frame time`);
  console.log(
    JSON.stringify({
      runs,
      directMedianMs: Math.round(median(paths.direct.times)),
      relayMedianMs: Math.round(median(paths.relay.times)),
      ratio: Number(ratio.toFixed(2)),
    }),
  );
} finally {
  await site.destroy();
}
