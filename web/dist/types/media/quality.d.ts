/**
 * Network quality (`onNetworkQuality`), read from `getStats` of the transports' senders and
 * receivers, and the choice of the active speaker (`onActiveSpeaker`) from reported volumes. The SFU is
 * the far end of both transports, so uplink and downlink are rated on what the browser itself
 * measures: loss in each direction and the ICE round-trip time.
 */
import { NetworkQuality } from "../enums/values";
/** What one direction looked like since the last report. */
export interface LinkSample {
    /** Packets sent (uplink) or that should have arrived (downlink) in the interval. */
    expected: number;
    /** Of them, how many were lost. */
    lost: number;
    /** ICE round-trip time in ms, when known. */
    rttMs: number | null;
    /** The transport has failed or lost its path. */
    down: boolean;
}
/**
 * Grades a direction: loss and round-trip time as an interactive call feels them (a few percent
 * of loss or a few hundred ms of delay is when people start to notice).
 */
export declare function grade(s: LinkSample | null): NetworkQuality;
/** Sums a direction's samples over several senders or receivers. */
export declare class LinkMeter {
    private last;
    private sum;
    /** Starts a new report. */
    begin(): void;
    /**
     * Adds the stats report of one sender (packets sent, and the loss fraction the SFU's receiver
     * reports give in `remote-inbound-rtp`) or receiver (packets received and lost).
     */
    add(key: string, report: RTCStatsReport, direction: "up" | "down"): void;
    /** The report's figures (null when nothing was added). */
    end(): LinkSample | null;
}
/** One user's volume: 0 (silence) to 255. */
export interface SpeakerVolume {
    /** Who; the local user's own id for the microphone. */
    userId: string;
    /** 0 to 255. */
    volume: number;
}
/** Picks the loudest remote speaker, reporting only changes. */
export declare class ActiveSpeaker {
    private current;
    /** The new active speaker among `remote`, or null when it did not change. */
    update(remote: SpeakerVolume[]): string | null;
    /** Forgets the speaker (on leaving a room). */
    reset(): void;
}
