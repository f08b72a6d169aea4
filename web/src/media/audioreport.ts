/**
 * Audio level reports: `onLocalAudioPropertiesReport`, `onRemoteAudioPropertiesReport` and
 * `onActiveSpeaker` every interval of `enableAudioPropertiesReport`, and the deprecated
 * `onAudioVolumeIndication` every interval of `setAudioVolumeIndicationInterval`. Levels come
 * from {@link Volumes.level} (local streams as sent, remote ones as received, so a playback
 * volume does not change them, as in the vendor's SDK). Reports run only in a room.
 */
import { ErrorCode, StreamIndex } from "../generated/protocol";
import { rtcError } from "../errors";
import type { AudioReportMode, LocalMainReportMode } from "../enums/values";
import type { ActiveSpeakerEvent, LocalAudioPropertiesInfo, RemoteAudioPropertiesInfo } from "../payloads";
import type { RoomState } from "../room/state";
import { ActiveSpeaker, type SpeakerVolume } from "./quality";
import type { RemoteAudio, Volumes } from "./volume";

/** What the reports need from the engine. */
export interface ReportHooks {
  /** The room, when joined. */
  room(): RoomState | null;
  /** Emits an engine event. */
  emit(event: string, ...args: unknown[]): void;
  /** Whether the local stream `index` has a live audio track. */
  hasLocal(index: StreamIndex): boolean;
  /** The audio tracks received now. */
  remote(): RemoteAudio[];
}

/**
 * `enableAudioPropertiesReport`'s options (the vendor's `AudioPropertiesConfig`). Chorus uses
 * `interval`; reports go on while the page is hidden (the vendor's default for
 * `enableInBackground`), and the local report measures the microphone as sent, which is what
 * both report modes give while Chorus mixes nothing into it.
 */
export interface AudioPropertiesConfig {
  /** Milliseconds between reports (default 100; 0 or less: off; below 100: 100). */
  interval?: number;
  /** Whether reports go on while the page is hidden (accepted; they always do). */
  enableInBackground?: boolean;
  /** The vendor's local report mode (accepted; see above). */
  localMainReportMode?: LocalMainReportMode;
  /** The vendor's report range (accepted; see above). */
  audioReportMode?: AudioReportMode;
}

/** The shortest interval; shorter ones are raised to it (the vendor's rule). */
export const MIN_INTERVAL_MS = 100;

/** Returns `ms` if it is a number of milliseconds, else throws INVALID_PARAMS. */
function checkInterval(ms: unknown, method: string): number {
  if (typeof ms !== "number" || Number.isNaN(ms))
    throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: interval must be a number of ms`);
  return ms;
}

/** A timer that runs `tick` every interval while in a room. */
class Ticker {
  private ms = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly tick: () => void) {}

  set(ms: number, inRoom: boolean): void {
    this.ms = ms > 0 ? Math.max(MIN_INTERVAL_MS, ms) : 0;
    this.stop();
    if (inRoom) this.start();
  }

  start(): void {
    if (this.ms > 0) this.timer ??= setInterval(this.tick, this.ms);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** An engine's audio level reports. */
export class AudioReports {
  private properties = new Ticker(() => this.reportProperties());
  private indication = new Ticker(() => this.reportIndication());
  private speaker = new ActiveSpeaker();

  constructor(
    private readonly volumes: Volumes,
    private readonly hooks: ReportHooks,
  ) {}

  /** `enableAudioPropertiesReport`'s interval (0 or less: off). */
  setProperties(ms: unknown): void {
    this.properties.set(checkInterval(ms, "enableAudioPropertiesReport"), this.hooks.room() !== null);
  }

  /** `setAudioVolumeIndicationInterval`'s interval (0 or less: off). */
  setIndication(ms: unknown): void {
    this.indication.set(checkInterval(ms, "setAudioVolumeIndicationInterval"), this.hooks.room() !== null);
  }

  /** A room session started. */
  joined(): void {
    this.properties.start();
    this.indication.start();
  }

  /** The room session ended. */
  left(): void {
    this.properties.stop();
    this.indication.stop();
    this.speaker.reset();
  }

  private reportProperties(): void {
    const room = this.hooks.room();
    if (!room) return;
    const local: LocalAudioPropertiesInfo[] = [];
    for (const index of [StreamIndex.STREAM_INDEX_MAIN, StreamIndex.STREAM_INDEX_SCREEN])
      if (this.hooks.hasLocal(index))
        local.push({ streamIndex: index, audioPropertiesInfo: this.volumes.level(index) });
    const remote: RemoteAudioPropertiesInfo[] = this.hooks.remote().map((r) => ({
      streamKey: { roomId: room.roomId, userId: r.userId, streamIndex: r.index },
      audioPropertiesInfo: this.volumes.level(r.index, r.userId),
    }));
    if (local.length) this.hooks.emit("onLocalAudioPropertiesReport", local);
    if (remote.length) this.hooks.emit("onRemoteAudioPropertiesReport", remote);
    const main = remote
      .filter((r) => r.streamKey.streamIndex === StreamIndex.STREAM_INDEX_MAIN)
      .map((r) => ({ userId: r.streamKey.userId, volume: r.audioPropertiesInfo.linearVolume }));
    const speaker = this.speaker.update(main);
    if (speaker !== null) {
      const userInfo = room.users.get(speaker)?.userInfo ?? { userId: speaker };
      this.hooks.emit("onActiveSpeaker", { ...userInfo, roomId: room.roomId } satisfies ActiveSpeakerEvent);
    }
  }

  private reportIndication(): void {
    const room = this.hooks.room();
    if (!room) return;
    const speakers: SpeakerVolume[] = [];
    if (this.hooks.hasLocal(StreamIndex.STREAM_INDEX_MAIN))
      speakers.push({ userId: room.userId, volume: this.volumes.level(StreamIndex.STREAM_INDEX_MAIN).linearVolume });
    for (const r of this.hooks.remote())
      if (r.index === StreamIndex.STREAM_INDEX_MAIN)
        speakers.push({ userId: r.userId, volume: this.volumes.level(r.index, r.userId).linearVolume });
    this.hooks.emit("onAudioVolumeIndication", { speakers });
  }
}
