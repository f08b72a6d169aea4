/**
 * One WebSocket to the server speaking the signalling protocol (docs/protocol.md): requests
 * carry ids and are matched with their answers; events go to one listener. It knows nothing of
 * rooms; reconnecting is the job of {@link ./connection}.
 */
import { ErrorCode, type Events, type Methods, type RtcError as WireError } from "../generated/protocol";
import { RtcError, rtcError } from "../errors";
import { warn } from "../log";

/** How long a request may stay unanswered before it fails, as the protocol says. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/**
 * A server event with its payload, one member per entry of the generated `Events` map, so a
 * `switch` on `event` narrows `data` and a misspelt name or field fails to compile.
 */
export type ServerEvent = { [K in keyof Events]: { event: K; data: Events[K] } }[keyof Events];

/** Per-request choices. */
export interface RequestOptions {
  /** Fail after this many ms (default: the client's timeout). */
  timeoutMs?: number;
  /** The code of a timeout (default TIME_OUT; messages use USER_MESSAGE_TIMEOUT). */
  timeoutCode?: ErrorCode;
  /** The code when the connection drops first (default NOT_CONNECTED_YET). */
  brokenCode?: ErrorCode;
}

interface Pending {
  resolve: (result: any) => void;
  reject: (error: RtcError) => void;
  timer: ReturnType<typeof setTimeout>;
  brokenCode: ErrorCode;
  method: string;
}

/** A signalling WebSocket. */
export class SignalClient {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  /** Called for each server event. */
  onEvent: (event: ServerEvent) => void = () => {};
  /** Called once when an open socket closes without {@link close} having been called. */
  onDrop: (why: string) => void = () => {};

  constructor(
    private readonly url: string,
    private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {}

  /** Whether the socket is open. */
  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Opens the socket; rejects with a plain `Error` saying why when it cannot. */
  connect(openTimeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let ws: WebSocket;
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        reject(new Error(`bad server URL ${this.url}: ${(e as Error).message}`));
        return;
      }
      this.ws = ws;
      const timer = setTimeout(() => fail(`no answer from ${this.url} within ${openTimeoutMs} ms`), openTimeoutMs);
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
        ws.close();
        if (this.ws === ws) this.ws = null;
        reject(new Error(why));
      };
      ws.onerror = () => fail(`cannot connect to ${this.url}`);
      ws.onclose = () => fail(`cannot connect to ${this.url}`);
      ws.onopen = () => {
        settled = true;
        clearTimeout(timer);
        ws.onerror = null;
        ws.onmessage = (m) => this.receive(m.data);
        ws.onclose = (c) => {
          if (this.ws !== ws) return;
          this.ws = null;
          this.failAll(`the connection to the server closed (${c.code}${c.reason ? ` ${c.reason}` : ""})`);
          this.onDrop(c.reason || `closed with code ${c.code}`);
        };
        resolve();
      };
    });
  }

  /** Sends a request and resolves with its result, or rejects with its error. */
  request<M extends keyof Methods>(
    method: M,
    params: Methods[M]["params"],
    options: RequestOptions = {},
  ): Promise<Methods[M]["result"]> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(
        rtcError(
          options.brokenCode ?? ErrorCode.NOT_CONNECTED_YET,
          `${method}: not connected to the server; join a room (or log in) first`,
        ),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          rtcError(
            options.timeoutCode ?? ErrorCode.TIME_OUT,
            `${method}: no answer from the server within ${timeoutMs / 1000} s; check the connection and retry`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, {
        resolve,
        reject,
        timer,
        brokenCode: options.brokenCode ?? ErrorCode.NOT_CONNECTED_YET,
        method,
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Closes the socket; requests in flight fail with their broken code. */
  close(): void {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onerror = null;
      ws.close(1000, "closed by the client");
    }
    this.failAll("the connection was closed");
  }

  private failAll(why: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(rtcError(p.brokenCode, `${p.method}: ${why}`));
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== "string") return;
    let frame: any;
    try {
      frame = JSON.parse(data);
    } catch {
      warn("a signalling frame that is not JSON was ignored");
      return;
    }
    if (typeof frame.event === "string") {
      // The server speaks the contract, so its event frames are taken as typed.
      this.onEvent({ event: frame.event, data: frame.data ?? {} } as ServerEvent);
      return;
    }
    const p = typeof frame.id === "number" ? this.pending.get(frame.id) : undefined;
    if (!p) return;
    this.pending.delete(frame.id);
    clearTimeout(p.timer);
    if (frame.error) {
      const e = frame.error as WireError;
      p.reject(rtcError(e.code, e.message));
    } else {
      p.resolve(frame.result ?? {});
    }
  }
}
