// Network namespaces a test builds for itself (root only): a server side and a client side
// joined by one veth pair, with addresses of the test's own (10.77.0.0/24 by default), an
// nftables firewall on the client side, and processes started inside either. Nothing in them
// links to any other network, so no packet can leave; `destroy()` kills what was started and
// deletes both namespaces, and runs by itself when the process exits.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/**
 * Whether this process may build namespaces: root (a mapped root of a user namespace may not),
 * with `ip` and `nft`. It tries, with a namespace of its own.
 */
export function canBuildNamespaces() {
  if (process.getuid?.() !== 0) return false;
  const probe = `chorus-probe-${process.pid}`;
  try {
    execFileSync("nft", ["--version"], { stdio: "ignore" });
    execFileSync("ip", ["netns", "add", probe], { stdio: "ignore" });
    execFileSync("ip", ["netns", "delete", probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function ip(...args) {
  execFileSync("ip", args, { stdio: "pipe" });
}

/**
 * Builds the two namespaces. `serverIps`: the server side's addresses (the first is the
 * veth's own); `clientIp`: the client side's; `prefix`: the subnet's length.
 */
export function buildNetwork({ serverIps, clientIp, prefix = 24 }) {
  const tag = `${process.pid}`;
  const server = `chorus-srv-${tag}`;
  const client = `chorus-cli-${tag}`;
  const dir = mkdtempSync(join(tmpdir(), "chorus-netns-"));
  const children = new Set();
  let destroyed = false;

  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    for (const ns of [client, server]) {
      try {
        // Processes still inside would keep the namespace alive: kill them by their namespace.
        const pids = execFileSync("ip", ["netns", "pids", ns], { stdio: "pipe" }).toString().trim();
        for (const pid of pids.split(/\s+/).filter(Boolean)) {
          try {
            process.kill(Number(pid), "SIGKILL");
          } catch {}
        }
        ip("netns", "delete", ns);
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", destroy);

  try {
    ip("netns", "add", server);
    ip("netns", "add", client);
    for (const ns of [server, client]) ip("-n", ns, "link", "set", "lo", "up");
    // The veth pair is made inside the server namespace, then one end moves: neither end
    // ever exists in the namespace this test runs in.
    ip("-n", server, "link", "add", "vs", "type", "veth", "peer", "name", "vc");
    ip("-n", server, "link", "set", "vc", "netns", client);
    for (const addr of serverIps) ip("-n", server, "addr", "add", `${addr}/${prefix}`, "dev", "vs");
    ip("-n", client, "addr", "add", `${clientIp}/${prefix}`, "dev", "vc");
    ip("-n", server, "link", "set", "vs", "up");
    ip("-n", client, "link", "set", "vc", "up");
  } catch (e) {
    destroy();
    throw e;
  }

  return {
    server,
    client,
    dir,
    destroy,

    /**
     * Lets the client side send only TCP to `tcpPort` of `allowed` addresses (and answers on
     * connections it opened); everything else it sends is refused at once (TCP reset, ICMP
     * unreachable), and counted.
     */
    firewall({ allowed, tcpPort = 443 }) {
      const rules = `table inet chorus_fw {
  chain output {
    type filter hook output priority 0; policy accept;
    oif "lo" accept
    ct state established,related accept
    ip daddr { ${allowed.join(", ")} } tcp dport ${tcpPort} accept
    meta l4proto tcp counter reject with tcp reset
    counter reject
  }
}
`;
      const file = join(dir, "fw.nft");
      writeFileSync(file, rules);
      execFileSync("ip", ["netns", "exec", client, "nft", "-f", file], { stdio: "pipe" });
    },

    /**
     * Makes `from` (a server-side address) forward TCP `port` to `to` on the server side, as a
     * load balancer's address in front of a server does.
     */
    forward({ from, to, port = 443 }) {
      const rules = `table ip chorus_fwd {
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    ip daddr ${from} tcp dport ${port} dnat to ${to}:${port}
  }
}
`;
      const file = join(dir, "fwd.nft");
      writeFileSync(file, rules);
      execFileSync("ip", ["netns", "exec", server, "nft", "-f", file], { stdio: "pipe" });
    },

    /** Packets the client's firewall refused so far: {tcp, other}. */
    refused() {
      const out = execFileSync("ip", ["netns", "exec", client, "nft", "list", "chain", "inet", "chorus_fw", "output"], {
        stdio: "pipe",
      }).toString();
      const counts = [...out.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
      return { tcp: counts[0] ?? 0, other: counts[1] ?? 0 };
    },

    /**
     * Starts `command` in namespace `ns`; resolves with the child once a line of its output
     * matches `ready` (the match is `child.ready`). It is killed by `destroy()`.
     */
    start(ns, command, args, { ready, env = {}, timeoutMs = 20_000 }) {
      const child = spawn("ip", ["netns", "exec", ns, command, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...env },
      });
      children.add(child);
      let output = "";
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => fail(`printed nothing matching ${ready} in ${timeoutMs} ms`), timeoutMs);
        const fail = (why) => {
          clearTimeout(timer);
          child.kill("SIGKILL");
          reject(new Error(`${command} ${why}\n${output}`));
        };
        child.on("exit", (code) => fail(`exited (${code})`));
        for (const stream of [child.stdout, child.stderr]) {
          createInterface({ input: stream }).on("line", (line) => {
            output = (output + line + "\n").slice(-6000);
            const match = line.match(ready);
            if (!match || child.ready) return;
            child.ready = match;
            clearTimeout(timer);
            child.removeAllListeners("exit");
            resolve(child);
          });
        }
      });
    },

    /**
     * A script that runs Chromium inside namespace `ns` (for playwright's executablePath). It
     * drops --allow-loopback-in-peer-connection: the namespace has a network of its own, and
     * TURN allocations tried from loopback never answer, which holds ICE gathering open.
     */
    chromiumIn(ns, chromium = "/usr/bin/chromium") {
      const path = join(dir, `chromium-${ns}`);
      writeFileSync(
        path,
        [
          "#!/bin/sh",
          "for arg do",
          "  shift",
          '  [ "$arg" = --allow-loopback-in-peer-connection ] || set -- "$@" "$arg"',
          "done",
          `exec ip netns exec ${ns} ${chromium} "$@"`,
          "",
        ].join("\n"),
      );
      chmodSync(path, 0o755);
      return path;
    },
  };
}
