/**
 * Figures from `getStats`: the periodic `onLocalStreamStats` / `onRemoteStreamStats`, and the
 * first decoded video frame / first received audio of each remote track
 * (`onRemoteVideoFirstFrame` / `onRemoteAudioFirstFrame`).
 */
import { StreamIndex } from "../generated/protocol";
import type { RemoteTrack } from "./subscriber";
/** How often stream stats are reported. */
export declare const STATS_INTERVAL_MS = 2000;
/** kbit/s between two samples of a byte counter. */
declare class Rates {
    private last;
    kbps(key: string, bytes: number, at: number): number;
}
/** Audio figures of a local stream, from its sender's stats report. */
export declare function localAudioStats(report: RTCStatsReport, rates: Rates, key: string): object | undefined;
/** Video figures of a local stream, from its sender's stats report. */
export declare function localVideoStats(report: RTCStatsReport, rates: Rates, key: string): object | undefined;
/** Figures of one received track, from its receiver's stats report. */
export declare function remoteTrackStats(t: RemoteTrack, report: RTCStatsReport, rates: Rates): object | undefined;
export { Rates };
/**
 * Calls `first` once `t` decodes its first video frame (receives its first audio). A receiver
 * the SFU reused for another user counts from where it was. Returns a function that cancels.
 */
export declare function watchFirstFrame(t: RemoteTrack, first: (size: {
    width: number;
    height: number;
}) => void): () => void;
/** Whether `index` is the screen stream. */
export declare function isScreen(index: StreamIndex): boolean;
