/**
 * The publisher transport: one RTCPeerConnection the client offers with four `sendonly`
 * m-lines (main audio, main video, screen video, screen audio) sent with `publisherOffer`. All are
 * negotiated at once, whatever is published first, so publishing more later is a
 * `replaceTrack` and never a renegotiation: a sender carries a track exactly when that stream
 * is both captured and published. With simulcast, the main video m-line sends three rids
 * (`q`, `h`, `f`: quarter, half and full resolution), the names the SFU orders layers by.
 */
import { StreamIndex, type Methods } from "../generated/protocol";
import type { Kind } from "./capture";
/** Sends a signalling request. */
export type Call = <M extends keyof Methods>(method: M, params: Methods[M]["params"]) => Promise<Methods[M]["result"]>;
/** One publisher transport. */
export declare class Publisher {
    private readonly stereo;
    private readonly cameraCodec;
    /** The connection (for stats). */
    readonly pc: RTCPeerConnection;
    private transceivers;
    /** Resolves once the SFU's answer is applied. */
    readonly ready: Promise<void>;
    private closed;
    /** The video bitrate cap from `setVideoEncoderConfig`, in kbit/s. */
    maxKbps?: number;
    /** Called once when the connected transport fails (media stopped flowing for good). */
    onFailed: (why: string) => void;
    private disconnected;
    /** Called after a track is set on a sender: the encoding settings follow. */
    onTrackSet: (index: StreamIndex, kind: Kind, sender: RTCRtpSender) => Promise<void>;
    /**
     * `simulcast`: send the main video as the {@link SIMULCAST} layers, or as the layers given;
     * `stereo`: let the browser send stereo Opus (a stereo audio profile); `videoSender` is shown
     * each video sender before anything is negotiated (for encoded transforms); `cameraCodec`:
     * the codec the main video prefers (the vendor's `preferCodecName`); `config` is the
     * connection's (ICE servers, relay only behind the cloud proxy).
     */
    constructor(call: Call, simulcast?: boolean | RTCRtpEncodingParameters[], stereo?: boolean, videoSender?: (sender: RTCRtpSender) => void, cameraCodec?: string, config?: RTCConfiguration);
    /** Sends `track` (or nothing) on the m-line of `index`/`kind`. */
    setTrack(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): Promise<void>;
    /** The sender of `index`/`kind`. */
    sender(index: StreamIndex, kind: Kind): RTCRtpSender | undefined;
    /** Closes the transport. */
    close(): void;
    private watch;
    private fail;
    private applyBitrate;
    private negotiate;
}
