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
import {
  empty,
  type CodecType,
  type LocalAudioStats,
  type LocalVideoStats,
  type RemoteAudioStats,
  type RemoteVideoStats,
  type LocalStreamStats,
  type RemoteStreamStats,
  type LocalUserAudioStats,
  type LocalUserVideoStats,
  type RemoteUserAudioStats,
  type RemoteUserVideoStats,
} from "./statstypes";

export type {
  LocalAudioStats,
  LocalVideoStats,
  RemoteAudioStats,
  RemoteVideoStats,
  LocalStreamStats,
  RemoteStreamStats,
  LocalUserAudioStats,
  LocalUserVideoStats,
  RemoteUserAudioStats,
  RemoteUserVideoStats,
};

/** The cumulative counters of one stream at one sample, to take differences from. */
interface Sample {
  at: number;
  counters: Record<string, number>;
}

/** What one report says, summed over its RTP entries (simulcast layers send several). */
interface Reading {
  /** The RTP entries of the wanted direction, largest first. */
  rtp: any[];
  /** Counters summed over them. */
  sum: (field: string) => number;
  /** The codec entry of the largest. */
  codec: any;
  /** The media source (senders only). */
  source: any;
  /** Loss fraction the far end reports (senders only), 0..1. */
  remoteLoss: number;
  /** Round-trip time in ms: the far end's report, else the ICE pair's. */
  rttMs: number;
}

function read(report: RTCStatsReport, type: "inbound-rtp" | "outbound-rtp"): Reading | null {
  const rtp: any[] = [];
  let source: any = null;
  let remoteLoss = 0;
  let remoteRtt: number | null = null;
  let pairRtt: number | null = null;
  report.forEach((s: any) => {
    if (s.type === type) rtp.push(s);
    else if (s.type === "media-source") source = s;
    else if (s.type === "remote-inbound-rtp") {
      remoteLoss = Math.max(remoteLoss, s.fractionLost ?? 0);
      if (typeof s.roundTripTime === "number") remoteRtt = s.roundTripTime * 1000;
    } else if (s.type === "transport") {
      const pair: any = s.selectedCandidatePairId ? report.get(s.selectedCandidatePairId) : undefined;
      if (typeof pair?.currentRoundTripTime === "number") pairRtt = pair.currentRoundTripTime * 1000;
    }
  });
  if (!rtp.length) return null;
  const bytes = (s: any) => s.bytesSent ?? s.bytesReceived ?? 0;
  rtp.sort((a, b) => bytes(b) - bytes(a));
  return {
    rtp,
    sum: (field) => rtp.reduce((n, s) => n + (typeof s[field] === "number" ? s[field] : 0), 0),
    codec: rtp[0].codecId ? report.get(rtp[0].codecId) : undefined,
    source,
    remoteLoss,
    rttMs: Math.round(remoteRtt ?? pairRtt ?? 0),
  };
}

/** The browser's codec name as the vendor's `codecType`. */
function codecType(mime: string | undefined): CodecType {
  return mime?.toLowerCase() === "video/vp8" ? "VP8" : "H264";
}

/**
 * Differences between samples of each stream: one per sampling cadence (the getters' and the
 * events'), since each rate is over its own interval.
 */
export class StatsDeltas {
  private last = new Map<string, Sample>();

  /** Records `counters` of `key` at `at` (ms) and returns the per-second rates and the interval since the last. */
  step(
    key: string,
    at: number,
    counters: Record<string, number>,
  ): { perSec: (f: string) => number; delta: (f: string) => number; ms: number } {
    const prev = this.last.get(key);
    this.last.set(key, { at, counters });
    const ms = prev && at > prev.at ? at - prev.at : 0;
    const delta = (f: string) => (prev ? Math.max(0, (counters[f] ?? 0) - (prev.counters[f] ?? 0)) : 0);
    return { perSec: (f) => (ms > 0 ? (delta(f) * 1000) / ms : 0), delta, ms: Math.round(ms) };
  }

  /** Forgets streams not in `keep`. */
  retain(keep: Set<string>): void {
    for (const key of this.last.keys()) if (!keep.has(key)) this.last.delete(key);
  }
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The figures of a sent audio stream from its sender's report, and the track's settings. */
export function localAudio(
  report: RTCStatsReport,
  track: MediaStreamTrack | null,
  d: StatsDeltas,
  key: string,
): LocalAudioStats | null {
  const r = read(report, "outbound-rtp");
  if (!r) return null;
  const bytesSent = r.sum("bytesSent");
  const packetsSent = r.sum("packetsSent");
  const s = d.step(key, r.rtp[0].timestamp, {
    bytesSent,
    energy: r.source?.totalAudioEnergy ?? 0,
    duration: r.source?.totalSamplesDuration ?? 0,
  });
  const settings = track?.getSettings?.() ?? {};
  return {
    audioLossRate: round(r.remoteLoss, 4),
    sendKBitrate: round((s.perSec("bytesSent") * 8) / 1000),
    recordSampleRate: settings.sampleRate ?? 48000,
    statsInterval: s.ms,
    rtt: r.rttMs,
    numChannels: settings.channelCount ?? 1,
    sentSampleRate: r.codec?.clockRate ?? 48000,
    bytesSent,
    packetsSent,
    codec: r.codec?.mimeType?.split("/")[1],
    inputLevel: level(s.delta("energy"), s.delta("duration")),
  };
}

/** The RMS level (0..1) of audio whose energy grew by `energy` over `duration` seconds. */
function level(energy: number, duration: number): number | undefined {
  return duration > 0 ? round(Math.sqrt(energy / duration), 4) : undefined;
}

/** The figures of a sent video stream from its sender's report. */
export function localVideo(
  report: RTCStatsReport,
  index: StreamIndex,
  d: StatsDeltas,
  key: string,
): LocalVideoStats | null {
  const r = read(report, "outbound-rtp");
  if (!r) return null;
  const top = r.rtp[0];
  const bytesSent = r.sum("bytesSent");
  const framesEncoded = r.sum("framesEncoded");
  const framesSent = r.sum("framesSent");
  const s = d.step(key, top.timestamp, { bytesSent, framesEncoded, framesSent });
  const layers = r.rtp.length || 1;
  const width = Math.max(...r.rtp.map((x) => x.frameWidth ?? 0));
  const height = Math.max(...r.rtp.map((x) => x.frameHeight ?? 0));
  return {
    sentKBitrate: round((s.perSec("bytesSent") * 8) / 1000),
    inputFrameRate: r.source?.framesPerSecond ?? 0,
    // Simulcast layers each send the same frames: the rate is per layer.
    sentFrameRate: round(s.perSec("framesSent") / layers, 1),
    encoderOutputFrameRate: round(s.perSec("framesEncoded") / layers, 1),
    rendererOutputFrameRate: r.source?.framesPerSecond ?? 0,
    targetKBitrate: round(r.sum("targetBitrate") / 1000),
    statsInterval: s.ms,
    videoLossRate: round(r.remoteLoss, 4),
    rtt: r.rttMs,
    encodedFrameWidth: width,
    encodedFrameHeight: height,
    encodedFrameCount: top.framesEncoded ?? 0,
    codecType: codecType(r.codec?.mimeType),
    isScreen: index === StreamIndex.STREAM_INDEX_SCREEN,
    bytesSent,
    framesEncoded: top.framesEncoded ?? 0,
    codec: r.codec?.mimeType?.split("/")[1],
  };
}

/** Loss in the interval from received and lost counters' differences. */
function lossRate(received: number, lost: number): number {
  return received + lost > 0 ? round(lost / (received + lost), 4) : 0;
}

/** The figures of a received audio stream from its receiver's report. */
export function remoteAudio(report: RTCStatsReport, d: StatsDeltas, key: string): RemoteAudioStats | null {
  const r = read(report, "inbound-rtp");
  if (!r) return null;
  const rtp = r.rtp[0];
  const c = {
    bytesReceived: rtp.bytesReceived ?? 0,
    packetsReceived: rtp.packetsReceived ?? 0,
    packetsLost: Math.max(0, rtp.packetsLost ?? 0),
    jitterBufferDelay: rtp.jitterBufferDelay ?? 0,
    jitterBufferEmittedCount: rtp.jitterBufferEmittedCount ?? 0,
    concealmentEvents: rtp.concealmentEvents ?? 0,
    concealedSamples: rtp.concealedSamples ?? 0,
    energy: rtp.totalAudioEnergy ?? 0,
    duration: rtp.totalSamplesDuration ?? 0,
  };
  const s = d.step(key, rtp.timestamp, c);
  const clock = r.codec?.clockRate ?? 48000;
  const emitted = s.delta("jitterBufferEmittedCount");
  return {
    audioLossRate: lossRate(s.delta("packetsReceived"), s.delta("packetsLost")),
    receivedKBitrate: round((s.perSec("bytesReceived") * 8) / 1000),
    stallCount: s.delta("concealmentEvents"),
    stallDuration: Math.round((s.delta("concealedSamples") * 1000) / clock),
    e2eDelay: 0,
    totalRtt: r.rttMs,
    statsInterval: s.ms,
    rtt: r.rttMs,
    jitterBufferDelay: emitted > 0 ? Math.round((s.delta("jitterBufferDelay") * 1000) / emitted) : 0,
    numChannels: r.codec?.channels ?? 1,
    receivedSampleRate: clock,
    concealedSamples: c.concealedSamples,
    concealmentEvent: c.concealmentEvents,
    bytesReceived: c.bytesReceived,
    packetsReceived: c.packetsReceived,
    packetsLost: c.packetsLost,
    jitter: rtp.jitter ?? 0,
    audioLevel: rtp.audioLevel ?? 0,
    totalAudioEnergy: rtp.totalAudioEnergy ?? 0,
    totalSamplesReceived: rtp.totalSamplesReceived ?? 0,
    outputLevel: level(s.delta("energy"), s.delta("duration")),
    codec: r.codec?.mimeType?.split("/")[1],
  };
}

/** The figures of a received video stream from its receiver's report. */
export function remoteVideo(
  report: RTCStatsReport,
  index: StreamIndex,
  d: StatsDeltas,
  key: string,
): RemoteVideoStats | null {
  const r = read(report, "inbound-rtp");
  if (!r) return null;
  const rtp = r.rtp[0];
  const c = {
    bytesReceived: rtp.bytesReceived ?? 0,
    packetsReceived: rtp.packetsReceived ?? 0,
    packetsLost: Math.max(0, rtp.packetsLost ?? 0),
    framesDecoded: rtp.framesDecoded ?? 0,
    freezeCount: rtp.freezeCount ?? 0,
    totalFreezesDuration: rtp.totalFreezesDuration ?? 0,
  };
  const s = d.step(key, rtp.timestamp, c);
  const fps = round(s.perSec("framesDecoded"), 1);
  return {
    width: rtp.frameWidth ?? 0,
    height: rtp.frameHeight ?? 0,
    videoLossRate: lossRate(s.delta("packetsReceived"), s.delta("packetsLost")),
    receivedKBitrate: round((s.perSec("bytesReceived") * 8) / 1000),
    decoderOutputFrameRate: fps,
    rendererOutputFrameRate: fps,
    stallCount: s.delta("freezeCount"),
    stallDuration: Math.round(s.delta("totalFreezesDuration") * 1000),
    e2eDelay: 0,
    totalRtt: r.rttMs,
    isScreen: index === StreamIndex.STREAM_INDEX_SCREEN,
    statsInterval: s.ms,
    rtt: r.rttMs,
    codecType: codecType(r.codec?.mimeType),
    bytesReceived: c.bytesReceived,
    packetsReceived: c.packetsReceived,
    packetsLost: c.packetsLost,
    jitter: rtp.jitter ?? 0,
    framesDecoded: c.framesDecoded,
    codec: r.codec?.mimeType?.split("/")[1],
  };
}

/** The reports of one sample round, as the conductor gathered them. */
export interface StatsRound {
  /** Per published stream: its senders' reports and tracks (null: that kind is not sent). */
  local: {
    index: StreamIndex;
    audio: { report: RTCStatsReport; track: MediaStreamTrack | null } | null;
    video: RTCStatsReport | null;
  }[];
  /** Per received stream: its receivers' reports (null: that kind is not received). */
  remote: { userId: string; index: StreamIndex; audio: RTCStatsReport | null; video: RTCStatsReport | null }[];
}

/** The figures of one round, in the vendor's event payloads. */
export interface StatsFigures {
  /** One per published stream. */
  local: LocalStreamStats[];
  /** One per received stream. */
  remote: RemoteStreamStats[];
}

/** Works out a round's figures, with rates over the interval since `d`'s previous round. */
export function figures(round: StatsRound, d: StatsDeltas): StatsFigures {
  const keys = new Set<string>();
  const key = (...parts: (string | number)[]) => {
    const k = parts.join(":");
    keys.add(k);
    return k;
  };
  const local = round.local.map(({ index, audio, video }) => ({
    isScreen: index === StreamIndex.STREAM_INDEX_SCREEN,
    audioStats: (audio && localAudio(audio.report, audio.track, d, key("l", index, "a"))) || empty.localAudio(),
    videoStats:
      (video && localVideo(video, index, d, key("l", index, "v"))) ||
      empty.localVideo(index === StreamIndex.STREAM_INDEX_SCREEN),
  }));
  const remote = round.remote.map(({ userId, index, audio, video }) => ({
    userId,
    isScreen: index === StreamIndex.STREAM_INDEX_SCREEN,
    audioStats: (audio && remoteAudio(audio, d, key("r", index, "a", userId))) || empty.remoteAudio(),
    videoStats:
      (video && remoteVideo(video, index, d, key("r", index, "v", userId))) ||
      empty.remoteVideo(index === StreamIndex.STREAM_INDEX_SCREEN),
  }));
  d.retain(keys);
  return { local, remote };
}

/** The latest figures, for the synchronous getters (the vendor's: the same within a second). */
export class StatsBook {
  private latest: StatsFigures = { local: [], remote: [] };

  /** Keeps a round's figures. */
  set(f: StatsFigures): void {
    this.latest = f;
  }

  /** Forgets everything (on leaving the room). */
  clear(): void {
    this.latest = { local: [], remote: [] };
  }

  private localOf(screen: boolean): LocalStreamStats | undefined {
    return this.latest.local.find((s) => s.isScreen === screen);
  }

  /** `getLocalAudioStats()`. */
  localAudio(): LocalUserAudioStats {
    return {
      mainAudioStats: this.localOf(false)?.audioStats ?? empty.localAudio(),
      screenAudioStats: this.localOf(true)?.audioStats ?? empty.localAudio(),
    };
  }

  /** `getLocalVideoStats()`. */
  localVideo(): LocalUserVideoStats {
    return {
      mainVideoStats: this.localOf(false)?.videoStats ?? empty.localVideo(false),
      screenVideoStats: this.localOf(true)?.videoStats ?? empty.localVideo(true),
    };
  }

  /** Received streams by user: `[main, screen]` (absent ones null). */
  private byUser(): Map<string, [RemoteStreamStats | null, RemoteStreamStats | null]> {
    const users = new Map<string, [RemoteStreamStats | null, RemoteStreamStats | null]>();
    for (const s of this.latest.remote) {
      const pair = users.get(s.userId) ?? [null, null];
      pair[s.isScreen ? 1 : 0] = s;
      users.set(s.userId, pair);
    }
    return users;
  }

  /** `getRemoteAudioStats()`: by user id, one entry (Chorus engines are in one room). */
  remoteAudio(): Record<string, RemoteUserAudioStats[]> {
    const out: Record<string, RemoteUserAudioStats[]> = {};
    for (const [user, [main, screen]] of this.byUser())
      out[user] = [
        {
          mainAudioStats: main?.audioStats ?? empty.remoteAudio(),
          screenAudioStats: screen?.audioStats ?? empty.remoteAudio(),
        },
      ];
    return out;
  }

  /** `getRemoteVideoStats()`: by user id, one entry (Chorus engines are in one room). */
  remoteVideo(): Record<string, RemoteUserVideoStats[]> {
    const out: Record<string, RemoteUserVideoStats[]> = {};
    for (const [user, [main, screen]] of this.byUser())
      out[user] = [
        {
          mainVideoStats: main?.videoStats ?? empty.remoteVideo(false),
          screenVideoStats: screen?.videoStats ?? empty.remoteVideo(true),
        },
      ];
    return out;
  }
}
