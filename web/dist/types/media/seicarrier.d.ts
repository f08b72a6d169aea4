/** Frames per second: enough for the vendor's repeat counts (up to 2 × frame rate). */
export declare const CARRIER_FPS = 15;
/** How long the carrier stays without a message (the vendor's one minute). */
export declare const CARRIER_IDLE_MS = 60000;
/** What the carrier needs from the conductor. */
export interface CarrierHooks {
    /** What is published on the main stream now (a MediaType mask), or null outside a room. */
    published(): number | null;
    /** The main video's sender, while a publisher transport is up. */
    sender(): RTCRtpSender | undefined;
    /** Sends what is captured (or the carrier) again. */
    resync(): Promise<void>;
    /** Publishes (or unpublishes) the main video. */
    publish(on: boolean): Promise<void>;
    /** Marks (or stops marking) `sender`'s frames as black. */
    mark(sender: RTCRtpSender, on: boolean): void;
    /** Queues an SEI message for `sender`'s next frames. */
    send(sender: RTCRtpSender, message: Uint8Array, repeatCount: number, multi: boolean): void;
}
/** One engine's black-frame carrier. */
export declare class SeiCarrier {
    private readonly hooks;
    private canvas;
    private current;
    private painter;
    private idle;
    /** Whether the carrier published the main video itself (and so unpublishes it when done). */
    private publishedVideo;
    private ready;
    constructor(hooks: CarrierHooks);
    /**
     * Sends `message` on the carrier, which is published first when it is not out yet (the
     * message waits for it). Throws NOT_SUPPORTED without encoded transforms.
     */
    sendMessage(message: Uint8Array, repeatCount: number, multi: boolean): void;
    /**
     * Stops the carrier: after a minute without messages (`unpublish`: the video it published
     * goes too), or when the camera takes its place.
     */
    end(unpublish: boolean): void;
    /** Forgets everything (out of the room: nothing is published any more). */
    reset(): void;
    /** Puts the carrier on the main video sender (publishing the video if needed); its sender. */
    private goLive;
    /** Whether the carrier is running. */
    get active(): boolean;
    /** The black track while the carrier runs. */
    track(): MediaStreamTrack | null;
    /** Starts the black picture (if not running) and the idle clock again. */
    private start;
    /** A message went out: the carrier stays another minute. */
    touch(): void;
    /** Stops the picture. */
    private stop;
}
