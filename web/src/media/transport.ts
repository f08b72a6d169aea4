/**
 * The media transports as the app may see them: the vendor's transport members
 * (`peerConnection`, `iceState`) and events (`onVendorConnectionStateChanged`,
 * `onIceConnectWithTcp`). It watches each RTCPeerConnection the media conductor makes and
 * never changes one: what it reports is what the browser says.
 */
import { ConnectionState } from "../generated/protocol";
import type { ConnectionStateChangeEvent } from "../payloads";

/** Which transport a connection is. */
export type TransportRole = "publisher" | "subscriber";

/**
 * `onVendorConnectionStateChanged`: a media transport's connection changed state (the vendor's
 * SDK reports its media server connections; Chorus its publisher and subscriber transports).
 * `userId` is the local user: Chorus's transports are the user's own, one for all it sends and
 * one for all it receives.
 */
export interface VendorConnectionStateChangeEvent extends ConnectionStateChangeEvent {
  /** The local user. */
  userId: string;
}

/** What the watcher needs from the engine. */
export interface TransportHooks {
  /** The local user, when in a room. */
  userId(): string | undefined;
  /** Emits an engine event. */
  emit(event: string, payload?: unknown): void;
}

/** A browser connection state as the vendor's `ConnectionState`. */
function stateOf(pc: RTCPeerConnection, wasConnected: boolean): ConnectionState | null {
  switch (pc.connectionState) {
    case "connecting":
      return wasConnected ? ConnectionState.CONNECTION_STATE_RECONNECTING : ConnectionState.CONNECTION_STATE_CONNECTING;
    case "connected":
      return wasConnected ? ConnectionState.CONNECTION_STATE_RECONNECTED : ConnectionState.CONNECTION_STATE_CONNECTED;
    case "disconnected":
      return ConnectionState.CONNECTION_STATE_RECONNECTING;
    case "failed":
      return ConnectionState.CONNECTION_STATE_LOST;
    case "closed":
      return ConnectionState.CONNECTION_STATE_DISCONNECTED;
    default:
      return null;
  }
}

/** Whether the selected candidate pair of `pc` runs over TCP (null: none selected yet). */
export async function selectedOverTcp(pc: RTCPeerConnection): Promise<boolean | null> {
  const report = await pc.getStats();
  let pairId: string | undefined;
  report.forEach((r) => {
    if (r.type === "transport" && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId;
  });
  const pair = pairId ? report.get(pairId) : undefined;
  const local = pair ? report.get(pair.localCandidateId) : undefined;
  if (!local) return null;
  // A relayed candidate reaches its TURN server over `relayProtocol`; a host one over `protocol`.
  return (local.relayProtocol ?? local.protocol) === "tcp";
}

/** Watches an engine's media transports. */
export class TransportWatch {
  private publisher: RTCPeerConnection | null = null;
  private subscriber: RTCPeerConnection | null = null;

  constructor(private readonly hooks: TransportHooks) {}

  /** The publisher transport, while it lives (the vendor's `peerConnection`). */
  get peerConnection(): RTCPeerConnection | undefined {
    return live(this.publisher) ?? undefined;
  }

  /** The ICE state of the publisher transport, else of the subscriber transport. */
  get iceState(): RTCIceConnectionState | undefined {
    return (live(this.publisher) ?? live(this.subscriber))?.iceConnectionState;
  }

  /** A new transport: reports its states, and once whether it connected over TCP. */
  watch(pc: RTCPeerConnection, role: TransportRole): void {
    if (role === "publisher") this.publisher = pc;
    else this.subscriber = pc;
    let connected = false;
    let checkedTcp = false;
    const onChange = (): void => {
      const state = stateOf(pc, connected);
      const userId = this.hooks.userId();
      if (state === null || userId === undefined) return;
      this.hooks.emit("onVendorConnectionStateChanged", { state, userId } satisfies VendorConnectionStateChangeEvent);
      if (pc.connectionState !== "connected") return;
      connected = true;
      if (checkedTcp) return;
      checkedTcp = true;
      void selectedOverTcp(pc)
        .catch(() => null)
        .then((tcp) => {
          if (tcp) this.hooks.emit("onIceConnectWithTcp");
        });
    };
    pc.addEventListener("connectionstatechange", onChange);
  }
}

/** `pc` unless it is closed. */
function live(pc: RTCPeerConnection | null): RTCPeerConnection | null {
  return pc && pc.connectionState !== "closed" ? pc : null;
}
