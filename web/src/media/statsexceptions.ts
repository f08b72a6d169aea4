/**
 * Stream exceptions (`onLocalStatsException`, `onRemoteStatsException`): each stats report's
 * figures (statsgetters.ts) are judged against floors an app would call broken, and an
 * exception is reported when a stream falls below one and its `_RECOVER` twin when it comes
 * back, as the vendor does. Pure: figures in, events out; the conductor emits them.
 *
 * The vendor's typings name the codes (`RTCExceptionCodeMap`) but not their numbers; Chorus
 * uses the numbers the industry's web SDKs share for these names (1xxx/2xxx an exception,
 * 3xxx/4xxx its recovery).
 */
import type { LocalStreamStats, RemoteStreamStats } from "./statstypes";

/** The exception names and their codes. */
export const RTCExceptionCodeMap = {
  FRAMERATE_INPUT_TOO_LOW: 1001,
  FRAMERATE_SENT_TOO_LOW: 1002,
  SEND_VIDEO_BITRATE_TOO_LOW: 1003,
  RECV_VIDEO_DECODE_FAILED: 1005,
  AUDIO_INPUT_LEVEL_TOO_LOW: 2001,
  AUDIO_OUTPUT_LEVEL_TOO_LOW: 2002,
  SEND_AUDIO_BITRATE_TOO_LOW: 2003,
  FRAMERATE_INPUT_TOO_LOW_RECOVER: 3001,
  FRAMERATE_SENT_TOO_LOW_RECOVER: 3002,
  SEND_VIDEO_BITRATE_TOO_LOW_RECOVER: 3003,
  RECV_VIDEO_DECODE_FAILED_RECOVER: 3005,
  AUDIO_INPUT_LEVEL_TOO_LOW_RECOVER: 4001,
  AUDIO_OUTPUT_LEVEL_TOO_LOW_RECOVER: 4002,
  SEND_AUDIO_BITRATE_TOO_LOW_RECOVER: 4003,
} as const;

/** An exception's name. */
export type ExceptionName = keyof typeof RTCExceptionCodeMap;
/** The exceptions that have a `_RECOVER` twin. */
type Condition = Exclude<ExceptionName, `${string}_RECOVER`>;

/** `onLocalStatsException`'s payload (the vendor's `LocalStatsException`). */
export interface LocalStatsException {
  /** What happened. */
  exception: ExceptionName;
  /** Its code. */
  code: (typeof RTCExceptionCodeMap)[ExceptionName];
  /** Whether the screen stream. */
  isScreen: boolean;
}

/** `onRemoteStatsException`'s payload (the vendor's `RemoteStatsException`). */
export interface RemoteStatsException extends LocalStatsException {
  /** The publisher. */
  userId: string;
}

/** Frames per second below which video counts as stalled (a frozen camera or canvas). */
const MIN_FPS = 3;
/** Video bitrate below which nothing useful is sent, kbit/s. */
const MIN_VIDEO_KBPS = 10;
/** Audio bitrate below which nothing useful is sent, kbit/s (Opus sends more even for silence). */
const MIN_AUDIO_KBPS = 4;
/** Audio level (RMS, 0..1) below which audio is silence: about -60 dBFS. */
const MIN_LEVEL = 0.001;

/** The conditions a sent stream is in now. */
function localConditions(s: LocalStreamStats, sends: { audio: boolean; video: boolean }): Set<Condition> {
  const now = new Set<Condition>();
  const v = s.videoStats;
  // The first report of a stream has no interval to judge.
  if (sends.video && v.statsInterval > 0) {
    if ((v.inputFrameRate ?? 0) < MIN_FPS) now.add("FRAMERATE_INPUT_TOO_LOW");
    else if (v.sentFrameRate < MIN_FPS) now.add("FRAMERATE_SENT_TOO_LOW");
    if (v.sentKBitrate < MIN_VIDEO_KBPS) now.add("SEND_VIDEO_BITRATE_TOO_LOW");
  }
  const a = s.audioStats;
  if (sends.audio && a.statsInterval > 0) {
    if (a.inputLevel !== undefined && a.inputLevel < MIN_LEVEL) now.add("AUDIO_INPUT_LEVEL_TOO_LOW");
    if (a.sendKBitrate < MIN_AUDIO_KBPS) now.add("SEND_AUDIO_BITRATE_TOO_LOW");
  }
  return now;
}

/** The conditions a received stream is in now. */
function remoteConditions(s: RemoteStreamStats, receives: { audio: boolean; video: boolean }): Set<Condition> {
  const now = new Set<Condition>();
  const v = s.videoStats;
  if (receives.video && v.statsInterval > 0 && v.receivedKBitrate > 0 && v.decoderOutputFrameRate === 0)
    now.add("RECV_VIDEO_DECODE_FAILED");
  const a = s.audioStats;
  if (
    receives.audio &&
    a.statsInterval > 0 &&
    a.receivedKBitrate > 0 &&
    a.outputLevel !== undefined &&
    a.outputLevel < MIN_LEVEL
  )
    now.add("AUDIO_OUTPUT_LEVEL_TOO_LOW");
  return now;
}

/** Remembers each stream's conditions and says what changed. */
export class StatsExceptions {
  private conditions = new Map<string, Set<Condition>>();

  /**
   * The exceptions (and recoveries) of one report: `local` and `remote` are the report's
   * figures, `sends`/`receives` say which kinds each stream carries.
   */
  judge(
    local: { stats: LocalStreamStats; sends: { audio: boolean; video: boolean } }[],
    remote: { stats: RemoteStreamStats; receives: { audio: boolean; video: boolean } }[],
  ): { local: LocalStatsException[]; remote: RemoteStatsException[] } {
    const seen = new Set<string>();
    const out = { local: [] as LocalStatsException[], remote: [] as RemoteStatsException[] };
    for (const { stats, sends } of local) {
      const key = `l:${stats.isScreen}`;
      seen.add(key);
      for (const exception of this.changes(key, localConditions(stats, sends)))
        out.local.push({ exception, code: RTCExceptionCodeMap[exception], isScreen: stats.isScreen });
    }
    for (const { stats, receives } of remote) {
      const key = `r:${stats.isScreen}:${stats.userId}`;
      seen.add(key);
      for (const exception of this.changes(key, remoteConditions(stats, receives)))
        out.remote.push({
          userId: stats.userId,
          exception,
          code: RTCExceptionCodeMap[exception],
          isScreen: stats.isScreen,
        });
    }
    // A stream that is gone has nothing left to recover from.
    for (const key of this.conditions.keys()) if (!seen.has(key)) this.conditions.delete(key);
    return out;
  }

  /** Forgets every stream (out of the room). */
  clear(): void {
    this.conditions.clear();
  }

  private changes(key: string, now: Set<Condition>): ExceptionName[] {
    const before = this.conditions.get(key) ?? new Set<Condition>();
    this.conditions.set(key, now);
    const names: ExceptionName[] = [];
    for (const c of now) if (!before.has(c)) names.push(c);
    for (const c of before) if (!now.has(c)) names.push(`${c}_RECOVER`);
    return names;
  }
}
