/**
 * How local audio is captured and encoded: the audio profile (`setAudioProfile`), the
 * encoder's bitrate cap (`setAudioEncodeMaxBitrate`), the microphone's constraints
 * (`setAudioCaptureConfig`) and the audio selection priority (`setAudioSelectionConfig`).
 * Capture settings apply from the next capture (and to a running one where the browser can
 * change it); the bitrate cap applies to the audio senders at once, stereo Opus from the next
 * publisher transport (it is negotiated). It knows constraints and
 * senders, not rooms.
 */
import { ErrorCode } from "../generated/protocol";
import { rtcError } from "../errors";
import { AudioProfileType, AudioSelectionPriority } from "../enums/values";

/** The vendor's `TrackCaptureConfig`: media track constraints without the device. */
export type TrackCaptureConfig = Omit<MediaTrackConstraints, "deviceId">;

/** What a profile means: channels, sample rate, and the encoder's cap in kbit/s. */
interface Profile {
  channelCount?: number;
  sampleRate?: number;
  kbps?: number;
}

/** The vendor's profiles (AudioProfileType's docs); `default` leaves the browser's choice. */
const PROFILES: Record<AudioProfileType, Profile> = {
  [AudioProfileType.default]: {},
  [AudioProfileType.fluent]: { channelCount: 1, sampleRate: 16_000, kbps: 24 },
  [AudioProfileType.standard]: { channelCount: 1, sampleRate: 48_000, kbps: 48 },
  [AudioProfileType.hd]: { channelCount: 2, sampleRate: 48_000, kbps: 128 },
  [AudioProfileType.standardStereo]: { channelCount: 2, sampleRate: 48_000, kbps: 80 },
  [AudioProfileType.hdMono]: { channelCount: 1, sampleRate: 48_000, kbps: 128 },
};

/** The bitrate cap's range in kbit/s (the vendor's). */
const KBPS_RANGE = [6, 256];

/** An engine's audio capture and encoding settings. */
export class AudioProfile {
  private profile = AudioProfileType.default;
  private capKbps: number | null = null;
  private capture: TrackCaptureConfig = {};
  /** The audio selection priority. Chorus forwards every published audio stream (it has no audio selection), so it changes nothing. */
  selection = AudioSelectionPriority.DEFAULT;

  /** Sets the profile (INVALID_PARAMS unless it is an `AudioProfileType`). */
  setProfile(profile: unknown): void {
    if (typeof profile !== "number" || !(profile in PROFILES))
      throw rtcError(ErrorCode.INVALID_PARAMS, "setAudioProfile: pass an AudioProfileType (0 to 5)");
    this.profile = profile as AudioProfileType;
  }

  /** Sets the encoder's cap in kbit/s (6..256). */
  setMaxKbps(kbps: unknown): void {
    if (typeof kbps !== "number" || !(kbps >= KBPS_RANGE[0] && kbps <= KBPS_RANGE[1]))
      throw rtcError(
        ErrorCode.INVALID_PARAMS,
        `setAudioEncodeMaxBitrate: maxBitrate must be ${KBPS_RANGE[0]} to ${KBPS_RANGE[1]} (kbit/s)`,
      );
    this.capKbps = kbps;
  }

  /** Sets the microphone's constraints. */
  setCapture(config: unknown): void {
    if (!config || typeof config !== "object" || Array.isArray(config))
      throw rtcError(
        ErrorCode.INVALID_PARAMS,
        "setAudioCaptureConfig: pass MediaTrackConstraints, e.g. {echoCancellation: false}",
      );
    const { deviceId: _ignored, ...rest } = config as MediaTrackConstraints;
    this.capture = rest;
  }

  /** Sets the audio selection priority. */
  setSelection(priority: unknown): void {
    if (priority !== AudioSelectionPriority.DEFAULT && priority !== AudioSelectionPriority.HIGH)
      throw rtcError(
        ErrorCode.INVALID_PARAMS,
        "setAudioSelectionConfig: pass AudioSelectionPriority.DEFAULT (0) or HIGH (1)",
      );
    this.selection = priority;
  }

  /**
   * The microphone constraints: the profile's channels and rate as ideals, then the app's
   * capture config over them (the app's word is the last).
   */
  constraints(): MediaTrackConstraints {
    const p = PROFILES[this.profile];
    const c: MediaTrackConstraints = {};
    if (p.channelCount) c.channelCount = { ideal: p.channelCount };
    if (p.sampleRate) c.sampleRate = { ideal: p.sampleRate };
    return { ...c, ...this.capture };
  }

  /** Whether the profile is stereo (sent as stereo Opus from the next publisher transport). */
  get stereo(): boolean {
    return PROFILES[this.profile].channelCount === 2;
  }

  /** The encoder's cap in bit/s: the explicit one, else the profile's (undefined: none). */
  get maxBitrate(): number | undefined {
    const kbps = this.capKbps ?? PROFILES[this.profile].kbps;
    return kbps === undefined ? undefined : kbps * 1000;
  }

  /** Applies the cap to an audio sender (no-op without encodings: not negotiated yet). */
  async apply(sender: RTCRtpSender | undefined): Promise<void> {
    if (!sender) return;
    const params = sender.getParameters();
    const [encoding] = params.encodings ?? [];
    if (!encoding || encoding.maxBitrate === this.maxBitrate) return;
    if (this.maxBitrate === undefined) delete encoding.maxBitrate;
    else encoding.maxBitrate = this.maxBitrate;
    await sender.setParameters(params).catch(() => {});
  }
}
