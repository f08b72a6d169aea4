/**
 * Stream statistics in the vendor's shapes (`LocalAudioStats`, `LocalVideoStats`,
 * `RemoteAudioStats`, `RemoteVideoStats` of @volcengine/rtc 4.68.4), worked out from the
 * browser's `getStats` reports of the transports' senders and receivers, and the book that keeps
 * the latest figures for the synchronous getters (`getLocalAudioStats` ...). Rates (kbit/s,
 * frames per second, loss) are over the interval since the previous sample of the same stream.
 * Pure: it reads reports and never touches a connection, so the conductor decides when to sample.
 * The shapes themselves are in statstypes.ts.
 */
import { StreamIndex } from "../generated/protocol";
import { type LocalAudioStats, type LocalVideoStats, type RemoteAudioStats, type RemoteVideoStats, type LocalStreamStats, type RemoteStreamStats, type LocalUserAudioStats, type LocalUserVideoStats, type RemoteUserAudioStats, type RemoteUserVideoStats } from "./statstypes";
export type { LocalAudioStats, LocalVideoStats, RemoteAudioStats, RemoteVideoStats, LocalStreamStats, RemoteStreamStats, LocalUserAudioStats, LocalUserVideoStats, RemoteUserAudioStats, RemoteUserVideoStats, };
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
