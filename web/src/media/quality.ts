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
export function grade(s: LinkSample | null): NetworkQuality {
  if (!s) return NetworkQuality.UNKNOWN;
  if (s.down) return NetworkQuality.DOWN;
  if (s.expected <= 0) return NetworkQuality.UNKNOWN;
  const loss = s.lost / s.expected;
  const rtt = s.rttMs ?? 0;
  if (loss < 0.01 && rtt < 100) return NetworkQuality.EXCELLENT;
  if (loss < 0.03 && rtt < 200) return NetworkQuality.GOOD;
  if (loss < 0.08 && rtt < 400) return NetworkQuality.POOR;
  if (loss < 0.15 && rtt < 800) return NetworkQuality.BAD;
  return NetworkQuality.VBAD;
}

/** Counters of one RTP stream, remembered between reports to get per-interval figures. */
interface Counters {
  expected: number;
  lost: number;
}

/** Sums a direction's samples over several senders or receivers. */
export class LinkMeter {
  private last = new Map<string, Counters>();
  private sum: LinkSample | null = null;

  /** Starts a new report. */
  begin(): void {
    this.sum = null;
  }

  /**
   * Adds the stats report of one sender (packets sent, and the loss fraction the SFU's receiver
   * reports give in `remote-inbound-rtp`) or receiver (packets received and lost).
   */
  add(key: string, report: RTCStatsReport, direction: "up" | "down"): void {
    let packets: number | null = null;
    let lost = 0;
    let fractionLost = 0;
    let rttMs: number | null = null;
    let down = false;
    report.forEach((s: any) => {
      if (direction === "up" && s.type === "outbound-rtp") packets = (packets ?? 0) + (s.packetsSent ?? 0);
      else if (direction === "up" && s.type === "remote-inbound-rtp")
        fractionLost = Math.max(fractionLost, s.fractionLost ?? 0);
      else if (direction === "down" && s.type === "inbound-rtp") {
        const l = Math.max(0, s.packetsLost ?? 0);
        packets = (packets ?? 0) + (s.packetsReceived ?? 0) + l;
        lost += l;
      } else if (s.type === "transport") {
        down =
          s.dtlsState === "failed" ||
          s.dtlsState === "closed" ||
          s.iceState === "failed" ||
          s.iceState === "disconnected";
        const pair: any = s.selectedCandidatePairId ? report.get(s.selectedCandidatePairId) : undefined;
        if (typeof pair?.currentRoundTripTime === "number") rttMs = pair.currentRoundTripTime * 1000;
      }
    });
    const sum = (this.sum ??= { expected: 0, lost: 0, rttMs: null, down: false });
    sum.down ||= down;
    if (rttMs !== null) sum.rttMs = Math.max(sum.rttMs ?? 0, rttMs);
    if (packets === null) return;
    // Counters are cumulative: the interval's figures are the difference from the last report.
    const before = this.last.get(key) ?? { expected: 0, lost: 0 };
    const now = { expected: packets, lost: direction === "down" ? lost : before.lost };
    this.last.set(key, now);
    const expected = Math.max(0, now.expected - before.expected);
    sum.expected += expected;
    sum.lost += direction === "down" ? Math.max(0, now.lost - before.lost) : expected * fractionLost;
  }

  /** The report's figures (null when nothing was added). */
  end(): LinkSample | null {
    return this.sum;
  }
}

/** One user's volume: 0 (silence) to 255. */
export interface SpeakerVolume {
  /** Who; the local user's own id for the microphone. */
  userId: string;
  /** 0 to 255. */
  volume: number;
}

/** A remote user below this volume is not speaking, for `onActiveSpeaker`. */
const SPEAKING = 16;

/** Picks the loudest remote speaker, reporting only changes. */
export class ActiveSpeaker {
  private current: string | null = null;

  /** The new active speaker among `remote`, or null when it did not change. */
  update(remote: SpeakerVolume[]): string | null {
    const loudest = remote.reduce<SpeakerVolume | null>((a, b) => (!a || b.volume > a.volume ? b : a), null);
    if (!loudest || loudest.volume < SPEAKING || loudest.userId === this.current) return null;
    this.current = loudest.userId;
    return loudest.userId;
  }

  /** Forgets the speaker (on leaving a room). */
  reset(): void {
    this.current = null;
  }
}
