/**
 * The black-frame video that carries SEI in a voice call: when an app calls `sendSEIMessage`
 * on the main stream while it sends no camera video, the SDK publishes a 16x16 black video
 * implicitly, as the vendor's does, and its frames carry the messages. Every frame of it also
 * carries a marker SEI unit (seinal.ts's `CHORUS_BLACK_TAG`), from which receivers tell it is
 * black (`onSEIStreamUpdate`). It stops when the camera takes over, and a minute after the last
 * message. It publishes the main video through its hooks when the app has not, and
 * unpublishes it when done; the conductor sends its track whenever the main video is
 * published without a camera.
 */
import { ErrorCode, MediaType } from "../generated/protocol";
import { rtcError } from "../errors";
import { warn } from "../log";
import { describe } from "./capture";
import { seiSupported } from "./sei";

/** The picture's side, px (the vendor's 16x16). */
const SIDE = 16;
/** Frames per second: enough for the vendor's repeat counts (up to 2 × frame rate). */
export const CARRIER_FPS = 15;
/** How long the carrier stays without a message (the vendor's one minute). */
export const CARRIER_IDLE_MS = 60_000;

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
export class SeiCarrier {
  private canvas: HTMLCanvasElement | null = null;
  private current: MediaStreamTrack | null = null;
  private painter: ReturnType<typeof setInterval> | null = null;
  private idle: ReturnType<typeof setTimeout> | null = null;
  /** Whether the carrier published the main video itself (and so unpublishes it when done). */
  private publishedVideo = false;
  private ready: Promise<RTCRtpSender | null> | null = null;

  constructor(private readonly hooks: CarrierHooks) {}

  /**
   * Sends `message` on the carrier, which is published first when it is not out yet (the
   * message waits for it). Throws NOT_SUPPORTED without encoded transforms.
   */
  sendMessage(message: Uint8Array, repeatCount: number, multi: boolean): void {
    if (!seiSupported())
      throw rtcError(
        ErrorCode.NOT_SUPPORTED,
        "sendSEIMessage: this browser has no encoded transforms (RTCRtpScriptTransform)",
      );
    const track = this.start();
    const sender = this.hooks.sender();
    // Live: sent now, so the app gets the channel's errors (too many waiting) as the call's.
    if (sender && track && sender.track === track && !this.ready)
      return this.hooks.send(sender, message, repeatCount, multi);
    // Not out yet: the message waits for it.
    this.ready ??= this.goLive();
    void this.ready
      .then((s) => s && this.hooks.send(s, message, repeatCount, multi))
      .catch((e) => warn("sendSEIMessage on the black-frame video:", describe(e)));
  }

  /**
   * Stops the carrier: after a minute without messages (`unpublish`: the video it published
   * goes too), or when the camera takes its place.
   */
  end(unpublish: boolean): void {
    if (!this.active) return;
    const sender = this.hooks.sender();
    if (sender) this.hooks.mark(sender, false);
    this.stop();
    const published = this.publishedVideo;
    this.publishedVideo = false;
    if (unpublish && published && this.hooks.published() !== null)
      this.hooks.publish(false).catch((e) => warn("unpublishing the black-frame video:", describe(e)));
    else void this.hooks.resync();
  }

  /** Forgets everything (out of the room: nothing is published any more). */
  reset(): void {
    this.stop();
    this.publishedVideo = false;
  }

  /** Puts the carrier on the main video sender (publishing the video if needed); its sender. */
  private async goLive(): Promise<RTCRtpSender | null> {
    try {
      const published = this.hooks.published();
      if (published === null) return null;
      if (published & MediaType.VIDEO) await this.hooks.resync();
      else {
        await this.hooks.publish(true);
        this.publishedVideo = true;
      }
      const sender = this.hooks.sender() ?? null;
      if (!sender?.track || sender.track !== this.track()) return null;
      this.hooks.mark(sender, true);
      return sender;
    } finally {
      this.ready = null;
    }
  }

  /** Whether the carrier is running. */
  get active(): boolean {
    return this.current !== null;
  }

  /** The black track while the carrier runs. */
  track(): MediaStreamTrack | null {
    return this.current?.readyState === "live" ? this.current : null;
  }

  /** Starts the black picture (if not running) and the idle clock again. */
  private start(): MediaStreamTrack | null {
    this.touch();
    if (this.track()) return this.current;
    const canvas = (this.canvas ??= document.createElement("canvas"));
    canvas.width = canvas.height = SIDE;
    const paint = () => {
      const ctx = canvas.getContext("2d");
      if (!ctx) return;
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, SIDE, SIDE);
    };
    paint();
    this.current = canvas.captureStream(CARRIER_FPS).getVideoTracks()[0] ?? null;
    // A canvas makes a frame only when painted: paint at the frame rate.
    this.painter = setInterval(paint, 1000 / CARRIER_FPS);
    return this.current;
  }

  /** A message went out: the carrier stays another minute. */
  touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.end(true), CARRIER_IDLE_MS);
  }

  /** Stops the picture. */
  private stop(): void {
    if (this.painter) clearInterval(this.painter);
    if (this.idle) clearTimeout(this.idle);
    this.painter = this.idle = null;
    this.current?.stop();
    this.current = null;
  }
}
