// Measures, on this machine, the time from joinRoom to the first decoded remote video frame
// (onRemoteVideoFirstFrame) for the second of two pages to join, and the bundle sizes.
// Usage (from web/, after `cargo build --release -p chorus`):
//   CHORUS_BIN=../target/release/chorus node bench/join_to_first_frame.mjs [runs]
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { startServer } from "../test/lib/server.mjs";
import { launch, sdkPage, waitFor } from "../test/lib/browser.mjs";
import { joinWithMedia } from "../test/lib/client.mjs";

const runs = Number(process.argv[2] ?? 5);
for (const name of ["vertc.umd.js", "vertc.esm.js"]) {
  const bytes = readFileSync(new URL(`../dist/${name}`, import.meta.url));
  console.log(
    `${name}: ${(bytes.length / 1024).toFixed(1)} KiB minified, ${(gzipSync(bytes).length / 1024).toFixed(1)} KiB gzipped`,
  );
}
const server = await startServer();
const browser = await launch();
const times = [];
try {
  for (let i = 0; i < runs; i++) {
    const p = sdkPage(server, "bench");
    const a = await browser.page(p.url, p.html);
    const b = await browser.page(p.url, p.html);
    await joinWithMedia(a, server.appId, `bench${i}`, "a");
    await joinWithMedia(b, server.appId, `bench${i}`, "b");
    const ms = await waitFor(
      () => b.evaluate(() => window.t.firstFrame.a && window.t.firstFrame.a - window.t.joinAt),
      30_000,
      "first frame",
    );
    const codec = await waitFor(
      () => b.evaluate(() => window.t.remoteStats.a?.at(-1)?.videoStats?.codec),
      10_000,
      "codec",
    );
    times.push(ms);
    console.log(`run ${i + 1}: joinRoom -> first remote video frame ${ms.toFixed(0)} ms (${codec})`);
    await a.close();
    await b.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
times.sort((x, y) => x - y);
console.log(
  `median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times.at(-1).toFixed(0)} ms over ${times.length} runs`,
);
