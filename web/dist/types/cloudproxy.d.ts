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
import { type IceServer } from "./generated/protocol";
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
/** Whether `url` reaches its TURN server over TCP or TLS. */
export declare function overTcp(url: string): boolean;
/** The engine's cloud proxy setting and the ICE servers of its current join. */
export declare class CloudProxy {
    private readonly emit;
    private proxy;
    /** Whether `onCloudProxyConnected` was fired since the proxy was started. */
    private reported;
    /** The TURN servers of the latest join answer. */
    private servers;
    constructor(emit: (event: string, payload: CloudProxyConnectedEvent) => void);
    /** Whether the proxy is on. */
    get on(): boolean;
    /** `startCloudProxy`: START_CLOUD_PROXY_AFTER_JOIN when `inRoom` (joined or joining). */
    start(info: CloudProxyInfo, inRoom: boolean): void;
    /** `stopCloudProxy`: STOP_CLOUD_PROXY_BEFORE_LEAVE when `inRoom`. */
    stop(inRoom: boolean): void;
    /** Where signalling goes: `serverUrl`, or the proxy's signalling address when it is on. */
    serverUrl(serverUrl: string): string;
    /**
     * The join answer arrived (`startedAt`: when `joinRoom` was called, `performance.now()`).
     * Keeps its TURN servers; with the proxy on, allocates a relay once to check one can be had
     * (ICE_SERVER_WRONG when none can) and reports the first such join.
     */
    answered(iceServers: IceServer[] | undefined, startedAt: number): Promise<void>;
    /** The configuration of a new media transport. */
    rtcConfig(): RTCConfiguration;
}
