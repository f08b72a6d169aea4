/**
 * Stats timing and first frames from `getStats`: the period of `onLocalStreamStats` /
 * `onRemoteStreamStats` (their figures are worked out in statsgetters.ts), and the first decoded
 * video frame / first received audio of each remote track (`onRemoteVideoFirstFrame` /
 * `onRemoteAudioFirstFrame`).
 */
import { StreamIndex } from "../generated/protocol";
import type { RemoteTrack } from "./subscriber";
/** How often stream stats are reported. */
export declare const STATS_INTERVAL_MS = 2000;
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
