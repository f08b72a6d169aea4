/**
 * The subscriber transport: the SFU offers (`onSubscriberOffer`), we answer
 * (`subscriberAnswer`). Each offer comes with the list of what each live m-line carries; the
 * SFU reuses m-lines, so a receiver's track is looked up by mid after every offer and never
 * remembered as belonging to one user.
 */
import { StreamIndex, type SubscriberOfferEvent } from "../generated/protocol";
import type { Kind } from "./capture";
import type { Call } from "./publisher";
/** A received track and whose it is. */
export interface RemoteTrack {
    /** The publisher. */
    userId: string;
    /** Main or screen. */
    index: StreamIndex;
    /** Audio or video. */
    kind: Kind;
    /** The browser's track. */
    track: MediaStreamTrack;
    /** Its receiver (for stats). */
    receiver: RTCRtpReceiver;
}
/** The key of a remote track: `index:kind:userId`. */
export declare function remoteKey(userId: string, index: StreamIndex, kind: Kind): string;
/** One subscriber transport. */
export declare class Subscriber {
    private readonly call;
    /** The connection (for stats). */
    readonly pc: RTCPeerConnection;
    /** What is received now, by {@link remoteKey}. */
    tracks: Map<string, RemoteTrack>;
    /** Called after each offer is answered with the tracks now received. */
    onTracks: (tracks: Map<string, RemoteTrack>) => void;
    /** Called with each video receiver as soon as an offer makes it, before media reaches it. */
    onVideoReceiver: (receiver: RTCRtpReceiver) => void;
    /** Called when answering an offer failed. */
    onError: (error: Error) => void;
    /** Rewrites an offer before it is applied (the stream ids of render sync). */
    rewrite: (sdp: string, tracks: SubscriberOfferEvent["tracks"]) => string;
    private queue;
    private closed;
    /** The ICE username fragment of the SFU's first offer: one per transport. */
    private ufrag;
    /** `config` is the connection's (ICE servers, relay only behind the cloud proxy). */
    constructor(call: Call, config?: RTCConfiguration);
    /** Whether `sdp` renegotiates this transport rather than offering a new one. */
    continues(sdp: string): boolean;
    /** Answers `offer`, after any offer still being answered. */
    handleOffer(offer: SubscriberOfferEvent): Promise<void>;
    /** Closes the transport. */
    close(): void;
    private answer;
}
