/**
 * Stream statistics in the vendor's shapes (`LocalAudioStats`, `LocalVideoStats`,
 * `RemoteAudioStats`, `RemoteVideoStats` of @volcengine/rtc 4.68.4), worked out from the
 * browser's `getStats` reports of the transports' senders and receivers, and the book that keeps
 * the latest figures for the synchronous getters (`getLocalAudioStats` ...). Rates (kbit/s,
 * frames per second, loss) are over the interval since the previous sample of the same stream.
 * Pure: it reads reports and never touches a connection, so the conductor decides when to sample.
 *
 * Fields Chorus cannot measure from the browser carry the documented default (0) and say so in
 * their doc. Chorus adds a few cumulative counters of its own (bytes, packets, frames, audio
 * energy) after the vendor's fields; an app typed for the vendor's shapes just does not see them.
 */
import { StreamIndex } from "../generated/protocol";
/** The codec names the vendor's `codecType` allows. */
export type CodecType = "H264" | "VP8";
/** The figures of a sent audio stream (the vendor's `LocalAudioStats`). */
export interface LocalAudioStats {
    /** Uplink loss in the interval, 0..1, as the SFU's receiver reports give it. */
    audioLossRate: number;
    /** Sending bitrate in the interval, kbit/s. */
    sendKBitrate: number;
    /** The capture's sample rate in Hz (48000, the browser's default, when the track does not say). */
    recordSampleRate: number;
    /** The interval these figures cover, ms. */
    statsInterval: number;
    /** Round-trip time to the SFU, ms. */
    rtt: number;
    /** The capture's channel count. */
    numChannels: number;
    /** The encoder's sample rate in Hz. */
    sentSampleRate?: number;
    /** Chorus: bytes sent so far. */
    bytesSent: number;
    /** Chorus: packets sent so far. */
    packetsSent: number;
    /** Chorus: the codec's name ("opus"). */
    codec?: string;
}
/** The figures of a sent video stream (the vendor's `LocalVideoStats`). */
export interface LocalVideoStats {
    /** Sending bitrate in the interval, kbit/s (all simulcast layers together). */
    sentKBitrate: number;
    /** The capture's frame rate. */
    inputFrameRate?: number;
    /** Frames sent per second. */
    sentFrameRate: number;
    /** Frames encoded per second. */
    encoderOutputFrameRate: number;
    /** The local preview's frame rate: the capture's, which is what the preview shows. */
    rendererOutputFrameRate?: number;
    /** The encoder's target bitrate, kbit/s. */
    targetKBitrate?: number;
    /** The interval these figures cover, ms. */
    statsInterval: number;
    /** Uplink loss in the interval, 0..1, as the SFU's receiver reports give it. */
    videoLossRate: number;
    /** Round-trip time to the SFU, ms. */
    rtt: number;
    /** Width of the encoded picture (the largest simulcast layer). */
    encodedFrameWidth: number;
    /** Height of the encoded picture (the largest simulcast layer). */
    encodedFrameHeight: number;
    /** Frames encoded so far. */
    encodedFrameCount: number;
    /** The codec ("H264" also when nothing is sent yet, the codec Chorus prefers). */
    codecType: CodecType;
    /** Whether this is the screen stream. */
    isScreen: boolean;
    /** Chorus: bytes sent so far. */
    bytesSent: number;
    /** Chorus: frames encoded so far (the same as `encodedFrameCount`). */
    framesEncoded: number;
    /** Chorus: the codec's name as the browser gives it ("H264", "VP8"). */
    codec?: string;
}
/** The figures of a received audio stream (the vendor's `RemoteAudioStats`). */
export interface RemoteAudioStats {
    /** Downlink loss in the interval, 0..1. */
    audioLossRate: number;
    /** Receiving bitrate in the interval, kbit/s. */
    receivedKBitrate: number;
    /** Concealment events in the interval (the browser's sign of a stall). */
    stallCount?: number;
    /** Concealed audio in the interval, ms. */
    stallDuration?: number;
    /** Capture-to-playout delay: not measurable in the browser, always 0 (the vendor hides it too). */
    e2eDelay: number;
    /** The round trip of the whole path: Chorus knows only its own leg to the SFU, so the same as `rtt`. */
    totalRtt: number;
    /** The interval these figures cover, ms. */
    statsInterval: number;
    /** Round-trip time to the SFU, ms. */
    rtt: number;
    /** Average jitter-buffer delay in the interval, ms. */
    jitterBufferDelay: number;
    /** Channels of the received codec. */
    numChannels: number;
    /** The received codec's sample rate, Hz. */
    receivedSampleRate: number;
    /** Samples concealed (packet-loss concealment) so far. */
    concealedSamples: number;
    /** Concealment events so far. */
    concealmentEvent: number;
    /** Chorus: bytes received so far. */
    bytesReceived: number;
    /** Chorus: packets received so far. */
    packetsReceived: number;
    /** Chorus: packets lost so far. */
    packetsLost: number;
    /** Chorus: interarrival jitter, s. */
    jitter: number;
    /** Chorus: the audio level now, 0..1. */
    audioLevel: number;
    /** Chorus: audio energy so far. */
    totalAudioEnergy: number;
    /** Chorus: samples received so far. */
    totalSamplesReceived: number;
    /** Chorus: the codec's name ("opus"). */
    codec?: string;
}
/** The figures of a received video stream (the vendor's `RemoteVideoStats`). */
export interface RemoteVideoStats {
    /** Width of the decoded picture. */
    width: number;
    /** Height of the decoded picture. */
    height: number;
    /** Downlink loss in the interval, 0..1. */
    videoLossRate: number;
    /** Receiving bitrate in the interval, kbit/s. */
    receivedKBitrate: number;
    /** Frames decoded per second. */
    decoderOutputFrameRate: number;
    /** Frames rendered per second: the browser counts frames decoded for display, so the same. */
    rendererOutputFrameRate?: number;
    /** Freezes in the interval. */
    stallCount?: number;
    /** Frozen time in the interval, ms. */
    stallDuration?: number;
    /** Capture-to-render delay: not measurable in the browser, always 0 (the vendor hides it too). */
    e2eDelay: number;
    /** The round trip of the whole path: Chorus knows only its own leg to the SFU, so the same as `rtt`. */
    totalRtt: number;
    /** Whether this is the screen stream. */
    isScreen: boolean;
    /** The interval these figures cover, ms. */
    statsInterval: number;
    /** Round-trip time to the SFU, ms. */
    rtt: number;
    /** The codec ("H264" also before anything arrives, the codec Chorus prefers). */
    codecType: CodecType;
    /** Chorus: bytes received so far. */
    bytesReceived: number;
    /** Chorus: packets received so far. */
    packetsReceived: number;
    /** Chorus: packets lost so far. */
    packetsLost: number;
    /** Chorus: interarrival jitter, s. */
    jitter: number;
    /** Chorus: frames decoded so far. */
    framesDecoded: number;
    /** Chorus: the codec's name as the browser gives it. */
    codec?: string;
}
/** `onLocalStreamStats`' payload (the vendor's `LocalStreamStats`). */
export interface LocalStreamStats {
    /** The stream's audio (zeros when it sends none). */
    audioStats: LocalAudioStats;
    /** The stream's video (zeros when it sends none). */
    videoStats: LocalVideoStats;
    /** Whether this is the screen stream. */
    isScreen: boolean;
}
/** `onRemoteStreamStats`' payload (the vendor's `RemoteStreamStats`). */
export interface RemoteStreamStats {
    /** The publisher. */
    userId: string;
    /** The stream's audio (zeros when none is received). */
    audioStats: RemoteAudioStats;
    /** The stream's video (zeros when none is received). */
    videoStats: RemoteVideoStats;
    /** Whether this is the screen stream. */
    isScreen: boolean;
}
/** `getLocalAudioStats()`'s result. */
export interface LocalUserAudioStats {
    /** The main stream's audio. */
    mainAudioStats: LocalAudioStats;
    /** The screen stream's audio. */
    screenAudioStats: LocalAudioStats;
}
/** `getLocalVideoStats()`'s result. */
export interface LocalUserVideoStats {
    /** The main stream's video. */
    mainVideoStats: LocalVideoStats;
    /** The screen stream's video. */
    screenVideoStats: LocalVideoStats;
}
/** One entry of `getRemoteAudioStats()`. */
export interface RemoteUserAudioStats {
    /** The main stream's audio. */
    mainAudioStats: RemoteAudioStats;
    /** The screen stream's audio. */
    screenAudioStats: RemoteAudioStats;
}
/** One entry of `getRemoteVideoStats()`. */
export interface RemoteUserVideoStats {
    /** The main stream's video. */
    mainVideoStats: RemoteVideoStats;
    /** The screen stream's video. */
    screenVideoStats: RemoteVideoStats;
}
/** The zero figures of a stream that sends or receives nothing. */
export declare const empty: {
    localAudio: () => LocalAudioStats;
    localVideo: (isScreen: boolean) => LocalVideoStats;
    remoteAudio: () => RemoteAudioStats;
    remoteVideo: (isScreen: boolean) => RemoteVideoStats;
};
/**
 * Differences between samples of each stream: one per sampling cadence (the getters' and the
 * events'), since each rate is over its own interval.
 */
export declare class StatsDeltas {
    private last;
    /** Records `counters` of `key` at `at` (ms) and returns the per-second rates and the interval since the last. */
    step(key: string, at: number, counters: Record<string, number>): {
        perSec: (f: string) => number;
        delta: (f: string) => number;
        ms: number;
    };
    /** Forgets streams not in `keep`. */
    retain(keep: Set<string>): void;
}
/** The figures of a sent audio stream from its sender's report, and the track's settings. */
export declare function localAudio(report: RTCStatsReport, track: MediaStreamTrack | null, d: StatsDeltas, key: string): LocalAudioStats | null;
/** The figures of a sent video stream from its sender's report. */
export declare function localVideo(report: RTCStatsReport, index: StreamIndex, d: StatsDeltas, key: string): LocalVideoStats | null;
/** The figures of a received audio stream from its receiver's report. */
export declare function remoteAudio(report: RTCStatsReport, d: StatsDeltas, key: string): RemoteAudioStats | null;
/** The figures of a received video stream from its receiver's report. */
export declare function remoteVideo(report: RTCStatsReport, index: StreamIndex, d: StatsDeltas, key: string): RemoteVideoStats | null;
/** The reports of one sample round, as the conductor gathered them. */
export interface StatsRound {
    /** Per published stream: its senders' reports and tracks (null: that kind is not sent). */
    local: {
        index: StreamIndex;
        audio: {
            report: RTCStatsReport;
            track: MediaStreamTrack | null;
        } | null;
        video: RTCStatsReport | null;
    }[];
    /** Per received stream: its receivers' reports (null: that kind is not received). */
    remote: {
        userId: string;
        index: StreamIndex;
        audio: RTCStatsReport | null;
        video: RTCStatsReport | null;
    }[];
}
/** The figures of one round, in the vendor's event payloads. */
export interface StatsFigures {
    /** One per published stream. */
    local: LocalStreamStats[];
    /** One per received stream. */
    remote: RemoteStreamStats[];
}
/** Works out a round's figures, with rates over the interval since `d`'s previous round. */
export declare function figures(round: StatsRound, d: StatsDeltas): StatsFigures;
/** The latest figures, for the synchronous getters (the vendor's: the same within a second). */
export declare class StatsBook {
    private latest;
    /** Keeps a round's figures. */
    set(f: StatsFigures): void;
    /** Forgets everything (on leaving the room). */
    clear(): void;
    private localOf;
    /** `getLocalAudioStats()`. */
    localAudio(): LocalUserAudioStats;
    /** `getLocalVideoStats()`. */
    localVideo(): LocalUserVideoStats;
    /** Received streams by user: `[main, screen]` (absent ones null). */
    private byUser;
    /** `getRemoteAudioStats()`: by user id, one entry (Chorus engines are in one room). */
    remoteAudio(): Record<string, RemoteUserAudioStats[]>;
    /** `getRemoteVideoStats()`: by user id, one entry (Chorus engines are in one room). */
    remoteVideo(): Record<string, RemoteUserVideoStats[]>;
}
