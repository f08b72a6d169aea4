import { MediaType, StreamIndex, type SubscriberOfferEvent } from "../generated/protocol";
import type { RoomState } from "../room/state";
import { LocalMedia, type Kind } from "./capture";
import { Players } from "./players";
import { type Call } from "./publisher";
import { VideoParts } from "./videoparts";
/** What the conductor needs from the engine. */
export interface HubHooks {
    /** Sends a signalling request. */
    call: Call;
    /** Emits an engine event. */
    emit(event: string, ...args: unknown[]): void;
    /** The room, when joined. */
    room(): RoomState | null;
}
/** The media type bit of a kind. */
export declare function maskOf(kind: Kind): MediaType;
/** An engine's media. */
export declare class MediaConductor {
    private readonly hooks;
    /** Local sources. */
    readonly capture: LocalMedia;
    /** Video and audio players. */
    readonly players: Players;
    private publisher;
    private subscriber;
    private remote;
    private watchers;
    private statsTimer;
    private rates;
    /** Whether a publisher transport set up from now on sends the camera as simulcast layers. */
    simulcast: boolean;
    private uplink;
    private downlink;
    private audioReportMs;
    private audioTimer;
    private activeSpeaker;
    /** Encoding, mirroring, visibility, placeholders and the events of players and local tracks. */
    readonly video: VideoParts;
    constructor(hooks: HubHooks);
    /** A local track changed: players and the publisher follow. */
    trackChanged(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void;
    /** Sends what is captured again, e.g. after a placeholder picture was set. */
    resync(): Promise<void>;
    /** The publisher's sender of `index`/`kind`, while a publisher transport is up. */
    sender(index: StreamIndex, kind: Kind): RTCRtpSender | undefined;
    /** A room session started (a join or a rejoin). */
    joined(): void;
    /**
     * Reports audio levels every `intervalMs` in a room (`onAudioVolumeIndication`, and
     * `onActiveSpeaker` when the loudest remote speaker changes); 0 or less turns it off.
     */
    setAudioReport(intervalMs: number): void;
    /** The room session ended: transports go, remote players empty. */
    left(): void;
    /**
     * What is published changed: sets up the publisher transport when something is published
     * and none is up, then sends what is captured. Resolves once media can flow.
     */
    publishChanged(): Promise<void>;
    /** A connected publisher transport failed: a new one takes over what is published. */
    private publisherFailed;
    /** Sets up a publisher transport again, retrying while signalling cannot reach the server. */
    private republish;
    /** Whether the publisher transport is set up (or being set up). */
    get publishing(): boolean;
    /**
     * The SFU offers the subscriber transport. An offer for a new transport (the SFU remakes one
     * that failed: new ICE credentials and DTLS session) gets a new connection; a browser cannot
     * move an established DTLS session over.
     */
    subscriberOffer(offer: SubscriberOfferEvent): void;
    /** The receiver of `userId`'s `kind` on `index`, if received. */
    remoteReceiver(userId: string, index: StreamIndex, kind: Kind): RTCRtpReceiver | undefined;
    /** The received track of `userId`'s `kind` on `index`. */
    remoteTrack(userId: string, index: StreamIndex, kind: Kind): MediaStreamTrack | null;
    /** The current picture of `userId`'s video on `index` (the local one for null). */
    snapshot(userId: string | null, index: StreamIndex): Promise<ImageData>;
    /** Stops everything. */
    destroy(): void;
    private syncTracks;
    private setRemote;
    private route;
    private startAudioReport;
    private reportAudio;
    private reportStats;
    /** A sending track's stats report, counted into the uplink's quality (null: not sending). */
    private senderStats;
    /** A received track's figures, its report counted into the downlink's quality. */
    private receiverStats;
}
