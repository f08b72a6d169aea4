/**
 * Stats timing and first frames from `getStats`: the period of `onLocalStreamStats` /
 * `onRemoteStreamStats` (their figures are worked out in statsgetters.ts), and the first decoded
 * video frame / first received audio of each remote track (`onRemoteVideoFirstFrame` /
 * `onRemoteAudioFirstFrame`).
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
