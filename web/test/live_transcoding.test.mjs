// Live transcoding from the Web SDK against a real RTMP server: Debian's nginx with its RTMP
// module, recording what it receives. Alice's page (the quadrant camera, a 440 Hz microphone)
// calls startLiveTranscoding; ffmpeg plays the stream back from nginx until it shows her four
// quadrants, and ffprobe reads nginx's recording: H.264 at the layout's 320x240, AAC-LC at
// 48 kHz stereo, the 440 Hz tone. Nothing listening at the URL arrives as onStreamMixingEvent
// START_FAILED with ERR_PUSH_CDN.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./lib/server.mjs";
import { launch, sdkPage, waitFor } from "./lib/browser.mjs";
import { joinWithMedia } from "./lib/client.mjs";
import { QUADRANTS, near, powerAt, wavSine, y4mQuadrants } from "./lib/media_files.mjs";

const [W, H] = [320, 240];
let server, browser, dir, alice, nginx, rtmpPort;

/** A TCP port free on 127.0.0.1 now. */
function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/** Alice's engine's `method(...args)`, answering `{ok}` or `{code, message}`. */
function call(method, ...args) {
  return alice.evaluate(
    async ({ method, args }) => {
      try {
        await window.t.engine[method](...args);
        return { ok: true };
      } catch (e) {
        return { code: e.code, message: e.message };
      }
    },
    { method, args },
  );
}

/** The onStreamMixingEvent payloads Alice received. */
function mixingEvents() {
  return alice.evaluate(() => window.t.events.filter((e) => e.name === "onStreamMixingEvent").map((e) => e.data));
}

function transcode(url) {
  return {
    url,
    video: { width: W, height: H, fps: 15, kBitRate: 500 },
    layout: {
      backgroundColor: "#000000",
      regions: [{ userId: "alice", isScreenStream: false, x: 0, y: 0, w: 1, h: 1, renderMode: 3 }],
    },
  };
}

/** The colours at the centres of the quadrants of an RGB picture. */
function quadrants(rgb) {
  return [
    [W / 4, H / 4],
    [(3 * W) / 4, H / 4],
    [W / 4, (3 * H) / 4],
    [(3 * W) / 4, (3 * H) / 4],
  ].map(([x, y]) => {
    const i = (y * W + x) * 3;
    return [rgb[i], rgb[i + 1], rgb[i + 2]];
  });
}

/** Plays `url` with ffmpeg until a picture shows the four quadrants; resolves with it. */
function watchUntilQuadrants(url, ms = 60_000) {
  const player = spawn(
    "ffmpeg",
    ["-v", "error", "-i", url, "-an", "-vf", "fps=5", "-f", "rawvideo"].concat(["-pix_fmt", "rgb24", "pipe:1"]),
  );
  const size = W * H * 3;
  let pending = Buffer.alloc(0);
  let last = null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      player.kill("SIGKILL");
      reject(new Error(`the live stream never showed the quadrants; last ${JSON.stringify(last)}`));
    }, ms);
    player.stdout.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= size) {
        last = quadrants(pending.subarray(0, size));
        pending = pending.subarray(size);
        if (last.every((c, i) => near(c, QUADRANTS[i]))) {
          clearTimeout(timer);
          player.kill("SIGKILL");
          resolve(last);
          return;
        }
      }
    });
  });
}

/** Runs `program` and returns its stdout, failing on an error or anything on stderr. */
function runClean(program, args) {
  const out = spawnSync(program, args, { maxBuffer: 64 << 20, timeout: 60_000 });
  const stderr = out.stderr?.toString() ?? "";
  assert.equal(out.status, 0, `${program} ${args.join(" ")}: ${stderr}`);
  assert.equal(stderr.trim(), "", `${program} complained: ${stderr}`);
  return out.stdout;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-live-"));
  writeFileSync(join(dir, "camera.y4m"), y4mQuadrants(W, H, 30));
  writeFileSync(join(dir, "mic.wav"), wavSine(440));
  mkdirSync(join(dir, "rec"));
  rtmpPort = await freeTcpPort();
  writeFileSync(
    join(dir, "nginx.conf"),
    `load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; master_process off; worker_processes 1;
pid ${dir}/nginx.pid; error_log ${dir}/error.log info;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:${rtmpPort}; chunk_size 4096;
  application live { live on; record all; record_path ${dir}/rec; record_unique off; } } }
`,
  );
  nginx = spawn("nginx", ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf")], {
    stdio: "ignore",
  });
  server = await startServer();
  browser = await launch({
    args: [
      `--use-file-for-fake-video-capture=${join(dir, "camera.y4m")}`,
      `--use-file-for-fake-audio-capture=${join(dir, "mic.wav")}`,
    ],
  });
  const p = sdkPage(server, "alice");
  alice = await browser.page(p.url, p.html);
  await joinWithMedia(alice, server.appId, "cdn", "alice");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  nginx?.kill("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("startLiveTranscoding pushes the page's camera and microphone to nginx over RTMP", async () => {
  // Nothing listens there: the call is taken, the push fails, as the vendor tells it.
  const nowhere = await freeTcpPort();
  assert.deepEqual(await call("startLiveTranscoding", transcode(`rtmp://127.0.0.1:${nowhere}/live/x`)), { ok: true });
  await waitFor(async () => (await mixingEvents()).some((e) => e.event === 3), 30_000, "START_FAILED");
  const failed = (await mixingEvents()).find((e) => e.event === 3);
  assert.equal(failed.error, 4, JSON.stringify(failed)); // ERR_PUSH_CDN
  assert.match(failed.message, /cannot push/);

  const url = `rtmp://127.0.0.1:${rtmpPort}/live/web`;
  assert.deepEqual(await call("startLiveTranscoding", transcode(url)), { ok: true });
  await waitFor(async () => (await mixingEvents()).some((e) => e.event === 2), 30_000, "START_SUCCESS");
  assert.equal((await call("startLiveTranscoding", transcode(url))).code, "REPEAT_PUSH");
  await watchUntilQuadrants(url);
  // A few seconds more of the stream for the recording's audio.
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(await call("stopLiveTranscoding"), { ok: true });
  await waitFor(async () => (await mixingEvents()).some((e) => e.event === 8), 20_000, "STOP_SUCCESS");

  // nginx finishes its recording once the stream ends: wait until it stops growing.
  const file = join(dir, "rec", "web.flv");
  let size = -1;
  await waitFor(
    async () => {
      await new Promise((r) => setTimeout(r, 300));
      const now = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
      const settled = now > 0 && now === size;
      size = now;
      return settled;
    },
    20_000,
    "the recording to settle",
  );
  const info = JSON.parse(runClean("ffprobe", ["-v", "error", "-show_streams", "-of", "json", file]).toString());
  const video = info.streams.find((s) => s.codec_type === "video");
  const audio = info.streams.find((s) => s.codec_type === "audio");
  assert.equal(video?.codec_name, "h264", JSON.stringify(info));
  assert.deepEqual([video.width, video.height], [W, H]);
  assert.equal(audio?.codec_name, "aac", JSON.stringify(info));
  assert.equal(audio.profile, "LC");
  assert.equal(Number(audio.sample_rate), 48_000);
  assert.equal(audio.channels, 2);

  const pcm = runClean("ffmpeg", ["-v", "error", "-sseof", "-2", "-i", file, "-vn", "-f", "s16le", "-ac", "1", "-"]);
  const samples = new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.length / 2));
  assert.ok(samples.length >= 48_000, `${samples.length} samples`);
  const [tone, off] = [powerAt(samples, 48_000, 440), powerAt(samples, 48_000, 1000)];
  assert.ok(tone > 100 * off && tone > 1000, `440 Hz ${tone}, 1000 Hz ${off}`);
});
