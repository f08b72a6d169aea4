/**
 * The engine's link to the server: opens a {@link SignalClient} on demand, reports
 * `onConnectionStateChanged` states, and when the socket drops while the engine needs it,
 * reconnects with backoff and lets the engine restore its room and login. The server keeps a
 * dropped user's place for a grace period (20 s by default), so the retries span about that.
 */
import { ConnectionState, ErrorCode, type Methods, type ReconnectReason } from "../generated/protocol";
import { rtcError } from "../errors";
import { SignalClient, type RequestOptions, type ServerEvent } from "./client";

/** Waits between reconnect attempts, in ms; about the server's default grace period in all. */
const RETRY_DELAYS_MS = [300, 700, 1500, 3000, 4000, 5000, 5000];

/** What the connection asks of its owner. */
export interface ConnectionHooks {
  /** A server event arrived. */
  event(event: ServerEvent): void;
  /**
   * The state changed: `reason` in Chorus's words, for the console; `vendorReason` the vendor's
   * reason for a reconnect, when one applies.
   */
  state(state: ConnectionState, reason?: string, vendorReason?: ReconnectReason): void;
  /**
   * A new socket is open after a drop: rejoin, log in again. Resolves with the vendor's reason
   * for the reconnect when one applies; a rejection retries.
   */
  restore(): Promise<ReconnectReason | undefined>;
  /** Reconnecting gave up. */
  lost(why: string): void;
  /** Whether the engine still needs the server (in a room or logged in). */
  needed(): boolean;
}

/** The engine's signalling connection. */
export class Connection {
  private client: SignalClient | null = null;
  private opening: Promise<void> | null = null;
  private generation = 0;
  /** The current state, as last reported. */
  state = ConnectionState.CONNECTION_STATE_DISCONNECTED;

  /** `url` is read for each new socket (the cloud proxy can move it between joins). */
  constructor(
    private readonly url: string | (() => string),
    private readonly timeoutMs: number,
    private readonly hooks: ConnectionHooks,
  ) {}

  /** Whether requests can be sent now. */
  get open(): boolean {
    return this.client?.open === true;
  }

  /** Opens the socket unless it is open; rejects with a plain `Error` when it cannot. */
  ensure(): Promise<void> {
    if (this.client?.open) return Promise.resolve();
    if (this.opening) return this.opening;
    this.setState(ConnectionState.CONNECTION_STATE_CONNECTING);
    this.opening = this.openClient().then(
      () => {
        this.opening = null;
        this.setState(ConnectionState.CONNECTION_STATE_CONNECTED);
      },
      (e) => {
        this.opening = null;
        this.setState(ConnectionState.CONNECTION_STATE_DISCONNECTED, String(e?.message ?? e));
        throw e;
      },
    );
    return this.opening;
  }

  /** Sends a request on the open socket (NOT_CONNECTED_YET, or the given broken code, if none). */
  request<M extends keyof Methods>(
    method: M,
    params: Methods[M]["params"],
    options?: RequestOptions,
  ): Promise<Methods[M]["result"]> {
    if (!this.client) {
      const code = options?.brokenCode ?? ErrorCode.NOT_CONNECTED_YET;
      const why =
        this.state === ConnectionState.CONNECTION_STATE_RECONNECTING
          ? "reconnecting to the server; retry shortly"
          : "not connected to the server; join a room (or log in) first";
      return Promise.reject(rtcError(code, `${method}: ${why}`));
    }
    return this.client.request(method, params, options);
  }

  /** Closes the socket for good (until the next {@link ensure}). */
  close(): void {
    this.generation++;
    const client = this.client;
    this.client = null;
    this.opening = null;
    client?.close();
    if (this.state !== ConnectionState.CONNECTION_STATE_DISCONNECTED)
      this.setState(ConnectionState.CONNECTION_STATE_DISCONNECTED);
  }

  private async openClient(): Promise<void> {
    const client = new SignalClient(typeof this.url === "function" ? this.url() : this.url, this.timeoutMs);
    const generation = this.generation;
    client.onEvent = (event) => this.hooks.event(event);
    client.onDrop = (why) => {
      if (this.client !== client) return;
      this.client = null;
      if (this.hooks.needed()) void this.reconnect(why);
      else this.setState(ConnectionState.CONNECTION_STATE_DISCONNECTED, why);
    };
    await client.connect();
    if (generation !== this.generation) {
      client.close();
      throw new Error("closed while connecting");
    }
    this.client = client;
  }

  private async reconnect(why: string): Promise<void> {
    const generation = ++this.generation;
    this.setState(ConnectionState.CONNECTION_STATE_RECONNECTING, why);
    let last = why;
    for (const delay of RETRY_DELAYS_MS) {
      await new Promise((r) => setTimeout(r, delay));
      if (generation !== this.generation) return;
      try {
        await this.openClient();
        const reason = await this.hooks.restore();
        if (generation !== this.generation) return;
        this.setState(ConnectionState.CONNECTION_STATE_RECONNECTED, undefined, reason);
        return;
      } catch (e) {
        last = String((e as Error)?.message ?? e);
        const client = this.client;
        this.client = null;
        client?.close();
        if (generation !== this.generation) return;
      }
    }
    this.setState(ConnectionState.CONNECTION_STATE_LOST, last);
    this.hooks.lost(last);
  }

  private setState(state: ConnectionState, reason?: string, vendorReason?: ReconnectReason): void {
    this.state = state;
    this.hooks.state(state, reason, vendorReason);
  }
}
