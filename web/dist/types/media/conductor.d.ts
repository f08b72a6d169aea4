import { MediaType, StreamIndex, type SubscriberOfferEvent } from "../generated/protocol";
import type { RoomState } from "../room/state";
import { LocalMedia, type Kind } from "./capture";
import { Players } from "./players";
import { type Call } from "./publisher";
import { StatsBook } from "./statsgetters";
import { AudioHub } from "./audiohub";
import { Volumes } from "./volume";
import { AudioFrames } from "./audioframes";
import { AudioReports } from "./audioreport";
import { AudioProfile } from "./audioprofile";
import { VideoParts } from "./videoparts";
import type { StreamResults } from "../room/results";
import type { TransportRole } from "./transport";
/** What the conductor needs from the engine. */
export interface HubHooks {
    /** Sends a signalling request. */
    call: Call;
    /** Emits an engine event. */
    emit(event: string, ...args: unknown[]): void;
    /** The room, when joined. */
    room(): RoomState | null;
    /** Publish and subscribe results, for the app's events. */
    results: StreamResults;
    /** A media transport was made (for the transport's events and the engine's `peerConnection`). */
    transport(pc: RTCPeerConnection, role: TransportRole): void;
    /** The track to send for a captured one (an extension's output; null while it is made). */
    outgoing(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): MediaStreamTrack | null;
    /** Publishes (or unpublishes) `mediaType` of `index` as the app's publishStream would. */
    publish(index: StreamIndex, mediaType: MediaType, on: boolean): Promise<void>;
    /** The configuration of a new media transport: its ICE servers and policy. */
    ice(): RTCConfiguration;
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
    /** The latest figures, sampled every second, for the stats getters. */
    readonly stats: StatsBook;
    private getterDeltas;
    private eventDeltas;
    private exceptions;
    private statsTick;
    /** Whether a publisher transport set up from now on sends the camera as simulcast layers. */
    simulcast: boolean;
    private uplink;
    private downlink;
    /** The engine's Web Audio context. */
    readonly audioHub: AudioHub;
    /** Capture, playback and in-ear monitoring volumes, and levels. */
    readonly volumes: Volumes;
    /** Audio frame callbacks. */
    readonly audioFrames: AudioFrames;
    /** Audio level reports. */
    readonly audioReports: AudioReports;
    /** Audio capture and encoding settings. */
    readonly audioProfile: AudioProfile;
    /** Audio mixing, once the app asked for it: it may send a mix in place of the microphone. */
    mixing: {
        sendTrack(mic: MediaStreamTrack | null): MediaStreamTrack | null;
        destroy(): void;
    } | null;
    /** SEI messages in the sent and received video. */
    private readonly sei;
    /** The black-frame video that carries SEI while no camera video is sent. */
    private readonly carrier;
    /** Received streams that are black-frame carriers now (`index:userId`). */
    private blackStreams;
    /** Encoding, mirroring, visibility, placeholders and the events of players and local tracks. */
    readonly video: VideoParts;
    constructor(hooks: HubHooks);
    /** The audio tracks received now. */
    private remoteAudio;
    /** Local or received audio tracks changed, or an audio setting: the Web Audio graph follows. */
    audioChanged(): void;
    /** A local track changed: players and the publisher follow. */
    trackChanged(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void;
    /** Sends what is captured again, e.g. after a placeholder picture was set. */
    resync(): Promise<void>;
    /** The publisher's sender of `index`/`kind`, while a publisher transport is up. */
    sender(index: StreamIndex, kind: Kind): RTCRtpSender | undefined;
    /** A room session started (a join or a rejoin). */
    joined(): void;
    /** The room session ended: transports go, remote players empty. */
    left(): void;
    /**
     * What is published changed: sets up the publisher transport when something is published
     * and none is up, then sends what is captured. Resolves once media can flow.
     */
    publishChanged(): Promise<void>;
    /** A connected publisher transport failed: a new one takes over what is published. */
    private publisherFailed;
    /**
     * Sets up a publisher transport again, retrying while signalling cannot reach the server;
     * whether one is up in the end.
     */
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
    /** Applies the audio encoder's cap to the audio senders. */
    applyAudioProfile(): Promise<void>;
    private route;
    /**
     * Queues `message` for the next `repeatCount + 1` frames of the video sent on `index`
     * (checked by the caller); `multi` lets a frame carry several messages.
     */
    sendSei(index: StreamIndex, message: Uint8Array, repeatCount: number, multi: boolean): void;
    /** The frame rate of the video sent on `index` (0 when unknown). */
    sentFrameRate(index: StreamIndex): number;
    /** A received stream became, or stopped being, a black-frame carrier. */
    private blackChanged;
    private ownerOf;
    private seiReceived;
    /**
     * Samples the senders' and receivers' reports: the getters' figures each time, the stats
     * events and the network quality every other time (each over its own interval).
     */
    private sampleStats;
    /** A sending track's stats report, counted into the uplink's quality (null: not sending). */
    private senderStats;
    /** A received track's report, counted into the downlink's quality when `link`. */
    private receiverStats;
}
