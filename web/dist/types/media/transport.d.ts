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
/** Whether the selected candidate pair of `pc` runs over TCP (null: none selected yet). */
export declare function selectedOverTcp(pc: RTCPeerConnection): Promise<boolean | null>;
/** Watches an engine's media transports. */
export declare class TransportWatch {
    private readonly hooks;
    private publisher;
    private subscriber;
    constructor(hooks: TransportHooks);
    /** The publisher transport, while it lives (the vendor's `peerConnection`). */
    get peerConnection(): RTCPeerConnection | undefined;
    /** The ICE state of the publisher transport, else of the subscriber transport. */
    get iceState(): RTCIceConnectionState | undefined;
    /** A new transport: reports its states, and once whether it connected over TCP. */
    watch(pc: RTCPeerConnection, role: TransportRole): void;
}
