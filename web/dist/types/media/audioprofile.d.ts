import { AudioSelectionPriority } from "../enums/values";
/** The vendor's `TrackCaptureConfig`: media track constraints without the device. */
export type TrackCaptureConfig = Omit<MediaTrackConstraints, "deviceId">;
/** An engine's audio capture and encoding settings. */
export declare class AudioProfile {
    private profile;
    private capKbps;
    private capture;
    /** The audio selection priority. Chorus forwards every published audio stream (it has no audio selection), so it changes nothing. */
    selection: AudioSelectionPriority;
    /** Sets the profile (INVALID_PARAMS unless it is an `AudioProfileType`). */
    setProfile(profile: unknown): void;
    /** Sets the encoder's cap in kbit/s (6..256). */
    setMaxKbps(kbps: unknown): void;
    /** Sets the microphone's constraints. */
    setCapture(config: unknown): void;
    /** Sets the audio selection priority. */
    setSelection(priority: unknown): void;
    /**
     * The microphone constraints: the profile's channels and rate as ideals, then the app's
     * capture config over them (the app's word is the last).
     */
    constraints(): MediaTrackConstraints;
    /** Whether the profile is stereo (sent as stereo Opus from the next publisher transport). */
    get stereo(): boolean;
    /** The encoder's cap in bit/s: the explicit one, else the profile's (undefined: none). */
    get maxBitrate(): number | undefined;
    /** Applies the cap to an audio sender (no-op without encodings: not negotiated yet). */
    apply(sender: RTCRtpSender | undefined): Promise<void>;
}
