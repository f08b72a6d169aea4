/**
 * The subscriber transport: the SFU offers (`onSubscriberOffer`), we answer
 * (`subscriberAnswer`). Each offer comes with the list of what each live m-line carries; the
 * SFU reuses m-lines, so a receiver's track is looked up by mid after every offer and never
 * remembered as belonging to one user.
 */
import { ErrorCode, StreamIndex, type SubscriberOfferEvent } from "../generated/protocol";
import { asRtcError } from "../errors";
import type { Kind } from "./capture";
import { withStereo } from "./opus";
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
export function remoteKey(userId: string, index: StreamIndex, kind: Kind): string {
  return `${index}:${kind}:${userId}`;
}

/** One subscriber transport. */
export class Subscriber {
  /** The connection (for stats). */
  readonly pc: RTCPeerConnection;
  /** What is received now, by {@link remoteKey}. */
  tracks = new Map<string, RemoteTrack>();
  /** Called after each offer is answered with the tracks now received. */
  onTracks: (tracks: Map<string, RemoteTrack>) => void = () => {};
  /** Called with each video receiver as soon as an offer makes it, before media reaches it. */
  onVideoReceiver: (receiver: RTCRtpReceiver) => void = () => {};
  /** Called when answering an offer failed. */
  onError: (error: Error) => void = () => {};
  /** Rewrites an offer before it is applied (the stream ids of render sync). */
  rewrite: (sdp: string, tracks: SubscriberOfferEvent["tracks"]) => string = (sdp) => sdp;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** The ICE username fragment of the SFU's first offer: one per transport. */
  private ufrag: string | null = null;

  /** `config` is the connection's (ICE servers, relay only behind the cloud proxy). */
  constructor(
    private readonly call: Call,
    config: RTCConfiguration = { bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" },
  ) {
    this.pc = new RTCPeerConnection(config);
  }

  /** Whether `sdp` renegotiates this transport rather than offering a new one. */
  continues(sdp: string): boolean {
    return this.ufrag === null || iceUfrag(sdp) === this.ufrag;
  }

  /** Answers `offer`, after any offer still being answered. */
  handleOffer(offer: SubscriberOfferEvent): Promise<void> {
    this.ufrag ??= iceUfrag(offer.sdp);
    this.queue = this.queue
      .then(() => this.answer(offer))
      .catch((e) => {
        if (!this.closed) this.onError(asRtcError(e, ErrorCode.UNEXPECTED_ERROR, "answering the SFU's offer failed"));
      });
    return this.queue;
  }

  /** Closes the transport. */
  close(): void {
    this.closed = true;
    this.pc.close();
    this.tracks = new Map();
  }

  private async answer(offer: SubscriberOfferEvent): Promise<void> {
    if (this.closed) return;
    await this.pc.setRemoteDescription({ type: "offer", sdp: this.rewrite(offer.sdp, offer.tracks) });
    for (const t of this.pc.getTransceivers()) if (t.receiver.track.kind === "video") this.onVideoReceiver(t.receiver);
    const answer = await this.pc.createAnswer();
    // Stereo Opus decodes as stereo only when the answer allows it; mono stays mono.
    const sdp = withStereo(answer.sdp ?? "");
    // Sent at once, before it is applied and without candidates (see peer.ts): the browser
    // starts its ICE checks as it applies the answer, and the SFU answers none until it holds
    // the answer's ICE credentials. Chromium, its first checks unanswered, nominates the path
    // only with a later ping, about a second on.
    const sent = this.call("subscriberAnswer", { sdp });
    await Promise.all([this.pc.setLocalDescription({ type: "answer", sdp }), sent]);
    if (this.closed) return;
    const byMid = new Map(
      this.pc
        .getTransceivers()
        .filter((t) => t.mid !== null)
        .map((t) => [t.mid as string, t]),
    );
    const tracks = new Map<string, RemoteTrack>();
    for (const t of offer.tracks) {
      const transceiver = byMid.get(t.mid);
      if (!transceiver) continue;
      const kind = t.kind as Kind;
      const receiver = transceiver.receiver;
      tracks.set(remoteKey(t.userId, t.streamIndex, kind), {
        userId: t.userId,
        index: t.streamIndex,
        kind,
        track: receiver.track,
        receiver,
      });
    }
    this.tracks = tracks;
    this.onTracks(tracks);
  }
}

/** The first `a=ice-ufrag` of an SDP. */
function iceUfrag(sdp: string): string | null {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] ?? null;
}
