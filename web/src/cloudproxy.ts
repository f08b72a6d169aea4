/**
 * The cloud proxy (`startCloudProxy`/`stopCloudProxy`) and the ICE servers media uses. Off, the
 * transports take the TURN servers the join answer hands out, next to direct candidates. On,
 * everything goes through the proxy's addresses only: signalling over WSS to the proxy's
 * signalling address, media only through a TURN relay reached over TCP or TLS
 * (`iceTransportPolicy: "relay"`), for networks that let nothing but TCP 443 out. It decides
 * addresses and configurations and probes the relay; it opens no signalling socket itself.
 *
 * How a `CloudProxyInfo` maps onto Chorus (docs/deploy.md says the same for operators):
 * - `accessProxy`: one address or a list. A `host[:port]` (port 443 when none), `wss://` or
 *   `https://` entry is where signalling goes, over WSS; the first such entry is used. A `turn:`
 *   or `turns:` entry names a relay, reached with the credentials of the join answer (every
 *   TURN server of a deployment shares Chorus's secret). With no relay entry, the join
 *   answer's TURN URLs that run over TCP (`?transport=tcp`) or TLS (`turns:`) are used.
 * - `configProxy`, `logProxy`: accepted and unused. A Chorus client fetches no configuration
 *   (it arrives with the join answer, over the access proxy) and uploads no logs.
 */
import { ErrorCode, type IceServer } from "./generated/protocol";
import { rtcError } from "./errors";

/**
 * The cloud proxy's addresses (the vendor's `CloudProxyInfo`); see the module doc for how Chorus
 * reads each field.
 */
export interface CloudProxyInfo {
  /** The vendor's log upload proxy. Chorus uploads no logs: accepted, unused. */
  logProxy: string;
  /** The proxy addresses: signalling (`host[:port]`, `wss://`, `https://`) and relays (`turn:`, `turns:`). */
  accessProxy: string | string[];
  /** The vendor's configuration proxy. Chorus's configuration comes with the join answer: accepted, unused. */
  configProxy: string;
}

/**
 * `onCloudProxyConnected`: the first join through the cloud proxy after `startCloudProxy`
 * succeeded, signalling and relay both.
 */
export interface CloudProxyConnectedEvent {
  /** How long that join took, from the `joinRoom` call to the relay allocated, in ms. */
  interval: number;
}

/** How long the relay probe waits for a relayed candidate. */
const PROBE_TIMEOUT_MS = 8000;

/** A proxy's addresses, read. */
interface ProxyRoute {
  /** The signalling base URL, `wss://host:port`. */
  signal: string;
  /** Relay URLs named by the proxy; empty: the join answer's TCP and TLS ones. */
  relays: string[];
}

/** Whether `url` reaches its TURN server over TCP or TLS. */
export function overTcp(url: string): boolean {
  return url.startsWith("turns:") || (url.startsWith("turn:") && /[?&]transport=tcp\b/i.test(url));
}

/** Reads `info` (INVALID_PARAMS when it names no signalling address or a malformed one). */
function route(info: CloudProxyInfo): ProxyRoute {
  const raw = info?.accessProxy;
  const entries = (Array.isArray(raw) ? raw : [raw]).filter((e) => typeof e === "string" && e.trim() !== "");
  const bad = (why: string) =>
    rtcError(ErrorCode.INVALID_PARAMS, `startCloudProxy: ${why}; pass {accessProxy: "host:443", ...}`);
  if (entries.length === 0) throw bad("accessProxy names no address");
  const relays: string[] = [];
  let signal: string | undefined;
  for (const entry of entries.map((e) => e.trim())) {
    if (/^turns?:/i.test(entry)) {
      relays.push(entry);
      continue;
    }
    if (signal) continue;
    const withScheme = /^[a-z]+:\/\//i.test(entry) ? entry : `wss://${entry}`;
    let url: URL;
    try {
      url = new URL(withScheme.replace(/^https:/i, "wss:"));
    } catch {
      throw bad(`accessProxy entry ${JSON.stringify(entry)} is not host:port or a wss:// URL`);
    }
    if (url.protocol !== "wss:") throw bad(`accessProxy entry ${JSON.stringify(entry)} must be reached over TLS`);
    signal = `wss://${url.host}`;
  }
  if (!signal) throw bad("accessProxy names relays but no signalling address (host:port)");
  return { signal, relays };
}

/** The engine's cloud proxy setting and the ICE servers of its current join. */
export class CloudProxy {
  private proxy: ProxyRoute | null = null;
  /** Whether `onCloudProxyConnected` was fired since the proxy was started. */
  private reported = false;
  /** The TURN servers of the latest join answer. */
  private servers: IceServer[] = [];

  constructor(private readonly emit: (event: string, payload: CloudProxyConnectedEvent) => void) {}

  /** Whether the proxy is on. */
  get on(): boolean {
    return this.proxy !== null;
  }

  /** `startCloudProxy`: START_CLOUD_PROXY_AFTER_JOIN when `inRoom` (joined or joining). */
  start(info: CloudProxyInfo, inRoom: boolean): void {
    if (inRoom)
      throw rtcError(
        ErrorCode.START_CLOUD_PROXY_AFTER_JOIN,
        "startCloudProxy: already in a room; call it before joinRoom (leave the room first)",
      );
    this.proxy = route(info);
    this.reported = false;
  }

  /** `stopCloudProxy`: STOP_CLOUD_PROXY_BEFORE_LEAVE when `inRoom`. */
  stop(inRoom: boolean): void {
    if (inRoom)
      throw rtcError(ErrorCode.STOP_CLOUD_PROXY_BEFORE_LEAVE, "stopCloudProxy: still in a room; call leaveRoom first");
    this.proxy = null;
  }

  /** Where signalling goes: `serverUrl`, or the proxy's signalling address when it is on. */
  serverUrl(serverUrl: string): string {
    return this.proxy?.signal ?? serverUrl;
  }

  /**
   * The join answer arrived (`startedAt`: when `joinRoom` was called, `performance.now()`).
   * Keeps its TURN servers; with the proxy on, allocates a relay once to check one can be had
   * (ICE_SERVER_WRONG when none can) and reports the first such join.
   */
  async answered(iceServers: IceServer[] | undefined, startedAt: number): Promise<void> {
    this.servers = Array.isArray(iceServers) ? iceServers : [];
    if (!this.proxy) return;
    const config = this.rtcConfig();
    if (config.iceServers?.length === 0)
      throw rtcError(
        ErrorCode.ICE_SERVER_WRONG,
        this.proxy.relays.length
          ? "joinRoom: accessProxy names relays, but the server hands out no TURN credentials for them " +
              "(chorus serve --turn URL --turn-secret SECRET, the secret the relays share)"
          : "joinRoom: the cloud proxy needs a TURN server reached over TCP or TLS; the server hands out none " +
              "(chorus serve --turn turn:HOST:443?transport=tcp) and accessProxy names none",
      );
    if (!(await relayAllocated(config)))
      throw rtcError(
        ErrorCode.ICE_SERVER_WRONG,
        `joinRoom: no relay could be allocated through ${relayUrls(config).join(", ")}; ` +
          "check that the TURN server runs, is reachable on that port and shares the server's --turn-secret",
      );
    if (this.reported) return;
    this.reported = true;
    this.emit("onCloudProxyConnected", { interval: Math.round(performance.now() - startedAt) });
  }

  /** The configuration of a new media transport. */
  rtcConfig(): RTCConfiguration {
    const base: RTCConfiguration = { bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" };
    const servers: RTCIceServer[] = this.servers.map((s) => ({
      urls: s.urls,
      username: s.username,
      credential: s.credential,
    }));
    if (!this.proxy) return { ...base, iceServers: servers };
    const credentials = this.servers[0];
    const relays = this.proxy.relays.length
      ? credentials
        ? [{ urls: this.proxy.relays, username: credentials.username, credential: credentials.credential }]
        : []
      : servers.map((s) => ({ ...s, urls: [s.urls].flat().filter(overTcp) })).filter((s) => s.urls.length > 0);
    return { ...base, iceServers: relays, iceTransportPolicy: "relay" };
  }
}

/** The relay URLs of `config`. */
function relayUrls(config: RTCConfiguration): string[] {
  return (config.iceServers ?? []).flatMap((s) => [s.urls].flat());
}

/** Whether a connection configured with `config` gathers a relayed candidate. */
async function relayAllocated(config: RTCConfiguration): Promise<boolean> {
  const pc = new RTCPeerConnection(config);
  try {
    const found = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
      pc.onicecandidate = (e) => {
        if (e.candidate?.type === "relay" || / typ relay /.test(e.candidate?.candidate ?? "")) {
          clearTimeout(timer);
          resolve(true);
        } else if (!e.candidate) {
          clearTimeout(timer);
          resolve(false);
        }
      };
    });
    pc.createDataChannel("probe");
    await pc.setLocalDescription(await pc.createOffer());
    return await found;
  } finally {
    pc.close();
  }
}
