/**
 * Figures from `getStats`: the periodic `onLocalStreamStats` / `onRemoteStreamStats`, and the
 * first decoded video frame / first received audio of each remote track
 * (`onRemoteVideoFirstFrame` / `onRemoteAudioFirstFrame`).
 */
import { StreamIndex } from "../generated/protocol";
import type { Kind } from "./capture";
import type { RemoteTrack } from "./subscriber";

/** How often stream stats are reported. */
export const STATS_INTERVAL_MS = 2000;
/** How often a new remote track is checked for its first frame. */
const FIRST_FRAME_POLL_MS = 40;
/** When to stop looking for a first frame. */
const FIRST_FRAME_GIVE_UP_MS = 120_000;

/** The inbound or outbound RTP entry of a single-track report. */
function rtpEntry(
  report: RTCStatsReport,
  type: "inbound-rtp" | "outbound-rtp",
): { rtp: any; report: RTCStatsReport } | null {
  let rtp: any = null;
  report.forEach((s: any) => {
    if (s.type === type && (!rtp || (s.bytesSent ?? s.bytesReceived ?? 0) > (rtp.bytesSent ?? rtp.bytesReceived ?? 0)))
      rtp = s;
  });
  return rtp ? { rtp, report } : null;
}

function codecOf(report: RTCStatsReport, rtp: any): string | undefined {
  const codec: any = rtp.codecId ? report.get(rtp.codecId) : undefined;
  return codec?.mimeType?.split("/")[1];
}

/** kbit/s between two samples of a byte counter. */
class Rates {
  private last = new Map<string, { bytes: number; at: number }>();

  kbps(key: string, bytes: number, at: number): number {
    const prev = this.last.get(key);
    this.last.set(key, { bytes, at });
    if (!prev || at <= prev.at) return 0;
    return Math.max(0, ((bytes - prev.bytes) * 8) / (at - prev.at));
  }
}

/** Audio figures of a local stream, from its sender's stats report. */
export function localAudioStats(report: RTCStatsReport, rates: Rates, key: string): object | undefined {
  const e = rtpEntry(report, "outbound-rtp");
  if (!e) return undefined;
  const { rtp } = e;
  return {
    sendKBitrate: rates.kbps(key, rtp.bytesSent ?? 0, rtp.timestamp),
    bytesSent: rtp.bytesSent ?? 0,
    packetsSent: rtp.packetsSent ?? 0,
    codec: codecOf(e.report, rtp),
  };
}

/** Video figures of a local stream, from its sender's stats report. */
export function localVideoStats(report: RTCStatsReport, rates: Rates, key: string): object | undefined {
  const e = rtpEntry(report, "outbound-rtp");
  if (!e) return undefined;
  const { rtp } = e;
  return {
    sentKBitrate: rates.kbps(key, rtp.bytesSent ?? 0, rtp.timestamp),
    encodedFrameWidth: rtp.frameWidth ?? 0,
    encodedFrameHeight: rtp.frameHeight ?? 0,
    sentFrameRate: rtp.framesPerSecond ?? 0,
    framesEncoded: rtp.framesEncoded ?? 0,
    bytesSent: rtp.bytesSent ?? 0,
    codec: codecOf(e.report, rtp),
  };
}

/** Figures of one received track, from its receiver's stats report. */
export function remoteTrackStats(t: RemoteTrack, report: RTCStatsReport, rates: Rates): object | undefined {
  const e = rtpEntry(report, "inbound-rtp");
  if (!e) return undefined;
  const { rtp } = e;
  const common = {
    receivedKBitrate: rates.kbps(`${t.index}:${t.kind}:${t.userId}`, rtp.bytesReceived ?? 0, rtp.timestamp),
    bytesReceived: rtp.bytesReceived ?? 0,
    packetsReceived: rtp.packetsReceived ?? 0,
    packetsLost: rtp.packetsLost ?? 0,
    jitter: rtp.jitter ?? 0,
    codec: codecOf(e.report, rtp),
  };
  if (t.kind === "audio")
    return {
      ...common,
      audioLevel: rtp.audioLevel ?? 0,
      totalAudioEnergy: rtp.totalAudioEnergy ?? 0,
      totalSamplesReceived: rtp.totalSamplesReceived ?? 0,
    };
  return {
    ...common,
    width: rtp.frameWidth ?? 0,
    height: rtp.frameHeight ?? 0,
    decoderOutputFrameRate: rtp.framesPerSecond ?? 0,
    framesDecoded: rtp.framesDecoded ?? 0,
  };
}

export { Rates };

/** A received track's progress counter: frames decoded for video, packets for audio. */
async function progress(
  receiver: RTCRtpReceiver,
  kind: Kind,
): Promise<{ count: number; width: number; height: number }> {
  const e = rtpEntry(await receiver.getStats(), "inbound-rtp");
  const rtp = e?.rtp;
  return {
    count: (kind === "video" ? rtp?.framesDecoded : rtp?.packetsReceived) ?? 0,
    width: rtp?.frameWidth ?? 0,
    height: rtp?.frameHeight ?? 0,
  };
}

const seenReceivers = new WeakSet<RTCRtpReceiver>();

/**
 * Calls `first` once `t` decodes its first video frame (receives its first audio). A receiver
 * the SFU reused for another user counts from where it was. Returns a function that cancels.
 */
export function watchFirstFrame(t: RemoteTrack, first: (size: { width: number; height: number }) => void): () => void {
  let cancelled = false;
  const reused = seenReceivers.has(t.receiver);
  seenReceivers.add(t.receiver);
  const started = Date.now();
  void (async () => {
    let baseline: number | null = reused ? null : 0;
    while (!cancelled && Date.now() - started < FIRST_FRAME_GIVE_UP_MS) {
      const p = await progress(t.receiver, t.kind).catch(() => null);
      if (cancelled) return;
      if (p) {
        if (baseline === null) baseline = p.count;
        else if (p.count > baseline) {
          first({ width: p.width, height: p.height });
          return;
        }
      }
      await new Promise((r) => setTimeout(r, FIRST_FRAME_POLL_MS));
    }
  })();
  return () => {
    cancelled = true;
  };
}

/** Whether `index` is the screen stream. */
export function isScreen(index: StreamIndex): boolean {
  return index === StreamIndex.STREAM_INDEX_SCREEN;
}
