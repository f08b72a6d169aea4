/**
 * The publisher transport: one RTCPeerConnection the client offers with four `sendonly`
 * m-lines (main audio, main video, screen video, screen audio) sent with `publisherOffer`. All are
 * negotiated at once, whatever is published first, so publishing more later is a
 * `replaceTrack` and never a renegotiation: a sender carries a track exactly when that stream
 * is both captured and published. With simulcast, the main video m-line sends three rids
 * (`q`, `h`, `f`: quarter, half and full resolution), the names the SFU orders layers by.
 */
import { ErrorCode, StreamIndex, TrackKind, type Methods, type PublishedTrack } from "../generated/protocol";
import { asRtcError, rtcError } from "../errors";
import type { Kind } from "./capture";
import { preferCodecs } from "./peer";
import { withStereo } from "./opus";
import { leadCodec } from "./codecorder";

/** Sends a signalling request. */
export type Call = <M extends keyof Methods>(method: M, params: Methods[M]["params"]) => Promise<Methods[M]["result"]>;

/** The m-lines, in offer order. */
const LINES: { index: StreamIndex; kind: Kind }[] = [
  { index: StreamIndex.STREAM_INDEX_MAIN, kind: "audio" },
  { index: StreamIndex.STREAM_INDEX_MAIN, kind: "video" },
  { index: StreamIndex.STREAM_INDEX_SCREEN, kind: "video" },
  // Last, so the first three keep their mids.
  { index: StreamIndex.STREAM_INDEX_SCREEN, kind: "audio" },
];

/**
 * The simulcast layers of the main video, highest first: Chromium sends fewer layers for small
 * pictures (two for 640x480, three from 960x540) and drops the last ones listed, so the full
 * resolution is always among those sent.
 */
const SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: "f", scaleResolutionDownBy: 1 },
  { rid: "h", scaleResolutionDownBy: 2 },
  { rid: "q", scaleResolutionDownBy: 4 },
];

/**
 * How long the transport may stay disconnected before it counts as failed. The browser fails it
 * only when ICE consent expires (30 s), and by then the SFU has long forgotten it (it drops a
 * transport after about 15 s without checks), so waiting longer only loses media.
 */
const DISCONNECTED_LIMIT_MS = 10_000;

/** One publisher transport. */
export class Publisher {
  /** The connection (for stats). */
  readonly pc: RTCPeerConnection;
  private transceivers: RTCRtpTransceiver[];
  /** Resolves once the SFU's answer is applied. */
  readonly ready: Promise<void>;
  private closed = false;
  /** The video bitrate cap from `setVideoEncoderConfig`, in kbit/s. */
  maxKbps?: number;
  /** Called once when the connected transport fails (media stopped flowing for good). */
  onFailed: (why: string) => void = () => {};
  private disconnected: ReturnType<typeof setTimeout> | null = null;

  /** Called after a track is set on a sender: the encoding settings follow. */
  onTrackSet: (index: StreamIndex, kind: Kind, sender: RTCRtpSender) => Promise<void> = async () => {};

  /**
   * `simulcast`: send the main video as the {@link SIMULCAST} layers, or as the layers given;
   * `stereo`: let the browser send stereo Opus (a stereo audio profile); `videoSender` is shown
   * each video sender before anything is negotiated (for encoded transforms); `cameraCodec`:
   * the codec the main video prefers (the vendor's `preferCodecName`); `config` is the
   * connection's (ICE servers, relay only behind the cloud proxy).
   */
  constructor(
    call: Call,
    simulcast: boolean | RTCRtpEncodingParameters[] = false,
    private readonly stereo = false,
    videoSender: (sender: RTCRtpSender) => void = () => {},
    private readonly cameraCodec = "auto",
    config: RTCConfiguration = { bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" },
  ) {
    this.pc = new RTCPeerConnection(config);
    this.transceivers = LINES.map(({ index, kind }) => {
      const layered = simulcast !== false && index === StreamIndex.STREAM_INDEX_MAIN && kind === "video";
      const layers = Array.isArray(simulcast) ? simulcast : SIMULCAST;
      const t = this.pc.addTransceiver(
        kind,
        layered ? { direction: "sendonly", sendEncodings: layers.map((e) => ({ ...e })) } : { direction: "sendonly" },
      );
      if (kind === "video") {
        preferCodecs(t, index === StreamIndex.STREAM_INDEX_MAIN ? cameraCodec : "auto");
        videoSender(t.sender);
      }
      return t;
    });
    this.ready = this.negotiate(call);
    this.pc.onconnectionstatechange = () => this.watch();
  }

  /** Sends `track` (or nothing) on the m-line of `index`/`kind`. */
  async setTrack(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): Promise<void> {
    const i = LINES.findIndex((l) => l.index === index && l.kind === kind);
    if (i < 0 || this.closed) return;
    const sender = this.transceivers[i].sender;
    if (sender.track === track) return;
    await sender.replaceTrack(track);
    if (kind === "video" && track && this.maxKbps) await this.applyBitrate(sender);
    if (track) await this.onTrackSet(index, kind, sender);
  }

  /** The sender of `index`/`kind`. */
  sender(index: StreamIndex, kind: Kind): RTCRtpSender | undefined {
    return this.transceivers[LINES.findIndex((l) => l.index === index && l.kind === kind)]?.sender;
  }

  /** Closes the transport. */
  close(): void {
    this.closed = true;
    if (this.disconnected) clearTimeout(this.disconnected);
    this.pc.close();
  }

  private watch(): void {
    const state = this.pc.connectionState;
    if (this.disconnected && state !== "disconnected") {
      clearTimeout(this.disconnected);
      this.disconnected = null;
    }
    if (state === "failed") this.fail("failed");
    else if (state === "disconnected")
      this.disconnected ??= setTimeout(
        () => this.fail(`disconnected for ${DISCONNECTED_LIMIT_MS / 1000} s`),
        DISCONNECTED_LIMIT_MS,
      );
  }

  private fail(why: string): void {
    if (this.closed) return;
    this.close();
    this.onFailed(why);
  }

  private async applyBitrate(sender: RTCRtpSender): Promise<void> {
    const params = sender.getParameters();
    if (!params.encodings?.length) return;
    // Simulcast layers share the cap by their pixel counts.
    const scale = (e: RTCRtpEncodingParameters) => 1 / (e.scaleResolutionDownBy ?? 1) ** 2;
    const total = params.encodings.reduce((sum, e) => sum + scale(e), 0);
    for (const e of params.encodings) e.maxBitrate = Math.round(((this.maxKbps ?? 0) * 1000 * scale(e)) / total);
    await sender.setParameters(params).catch(() => {});
  }

  private async negotiate(call: Call): Promise<void> {
    try {
      // Without waiting for candidates (see peer.ts).
      await this.pc.setLocalDescription(await this.pc.createOffer());
      const tracks: PublishedTrack[] = this.transceivers.map((t, i) => ({
        mid: t.mid ?? "",
        streamIndex: LINES[i].index,
        kind: LINES[i].kind === "audio" ? TrackKind.AUDIO : TrackKind.VIDEO,
      }));
      const offer = this.pc.localDescription?.sdp ?? "";
      const answer = await call("publisherOffer", { sdp: offer, tracks });
      if (this.closed)
        throw rtcError(ErrorCode.OPERATION_CANCEL, "left the room while the media transport was being set up");
      let sdp = this.stereo ? withStereo(answer.sdp) : answer.sdp;
      const camera =
        this.transceivers[LINES.findIndex((l) => l.index === StreamIndex.STREAM_INDEX_MAIN && l.kind === "video")];
      if (this.cameraCodec !== "auto" && camera.mid) sdp = leadCodec(sdp, camera.mid, this.cameraCodec);
      await this.pc.setRemoteDescription({ type: "answer", sdp });
    } catch (e) {
      throw asRtcError(e, ErrorCode.PUBLISH_FAILED, "setting up the publisher transport failed");
    }
  }
}
