// Starts a real `chorus serve` on loopback (ports picked by the OS) and reads what it prints:
// the listening URL and the dev app's credentials.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** The chorus binary: $CHORUS_BIN, else the debug build, else the release build. */
export function chorusBinary() {
  if (process.env.CHORUS_BIN) return process.env.CHORUS_BIN;
  for (const profile of ["debug", "release"]) {
    const path = `${root}target/${profile}/chorus`;
    if (existsSync(path)) return path;
  }
  throw new Error("no chorus binary: run `cargo build -p chorus` first (or set CHORUS_BIN)");
}

/** Starts a server; resolves with {url, appId, appKey, pid, stop()}. `args` are extra flags. */
export function startServer(args = []) {
  const rtcPort = args.includes("--rtc-port") ? [] : ["--rtc-port", "0"];
  const child = spawn(chorusBinary(), ["serve", "--listen", "127.0.0.1:0", ...rtcPort, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const info = {};
    const timer = setTimeout(() => fail(new Error(`chorus serve printed no URL in 20 s\n${stderr}`)), 20_000);
    const fail = (e) => {
      clearTimeout(timer);
      child.kill();
      reject(e);
    };
    child.on("exit", (code) => fail(new Error(`chorus serve exited (${code})\n${stderr}`)));
    lines.on("line", (line) => {
      const url = line.match(/listening on (\S+)/);
      if (url) info.url = url[1];
      const dev = line.match(/app id: (\S+)\s+app key: (\S+)/);
      if (dev) [info.appId, info.appKey] = [dev[1], dev[2]];
      const api = line.match(/dev OpenAPI key: ([^:\s]+):(\S+)/);
      if (api) [info.ak, info.sk] = [api[1], api[2]];
      const ready = info.url && ((info.appId && info.ak) || args.includes("--app"));
      if (!ready) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({
        ...info,
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", done);
            child.kill("SIGKILL");
          }),
      });
    });
  });
}
