/**
 * Local sources: the microphone, the camera, the screen, or tracks the app brings
 * (`setExternal*Track` after `set*SourceType(EXTERNAL)`). Owns the tracks it captured and stops
 * them; external tracks stay the app's. Reports every change of a stream's track through
 * {@link LocalMedia.onChange} so publishing, players and the room can follow.
 */
import { ErrorCode, StreamIndex, VideoSourceType } from "../generated/protocol";
import { rtcError } from "../errors";
import { captureConstraints, DEFAULT_CAMERA, type ScreenEncoderConfig, type VideoEncoderConfig } from "./encoding";

export type { VideoEncoderConfig };

/** A track's kind. */
export type Kind = "audio" | "video";

/**
 * Screen capture options (the vendor's `ScreenConfig`), passed to the browser's screen picker.
 * `sourceId` names an Electron capture source, which Chorus does not support; it is ignored.
 */
export interface ScreenConfig {
  /** What the picker offers first: a screen, a tab or a window. */
  displaySurface?: "monitor" | "browser" | "window";
  /** Whether the user may switch the shared tab while sharing. */
  surfaceSwitching?: "include" | "exclude";
  /** Whether the picker offers the current tab. */
  selfBrowserSurface?: "include" | "exclude";
  /** An Electron source id (ignored, see above). */
  sourceId?: string;
  /** Frames per second: a Chorus shortcut; `setScreenEncoderConfig` is the vendor's way. */
  frameRate?: number;
  /**
   * Also capture the screen's audio (what the browser offers with the share: a tab's audio,
   * or the system's on some systems), published as the screen stream's audio. Default false.
   */
  enableAudio?: boolean;
  /** Whether the browser offers the system's audio (Chrome's `systemAudio`; default "include"). */
  systemAudio?: "include" | "exclude";
}

interface Source {
  track: MediaStreamTrack | null;
  /** Captured by us (so ours to stop), as opposed to the app's external track. */
  owned: boolean;
  /** A capture call is in flight (a second one is a REPEAT_CAPTURE). */
  starting: boolean;
  internal: boolean;
  deviceId?: string;
}

const MAIN = StreamIndex.STREAM_INDEX_MAIN;
const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;

function newSource(): Source {
  return { track: null, owned: false, starting: false, internal: true };
}

/** What is captured, per stream index and kind. */
export class LocalMedia {
  private sources: Record<Kind, [Source, Source]> = {
    audio: [newSource(), newSource()],
    video: [newSource(), newSource()],
  };
  /** Camera settings for the next capture. */
  encoderConfig: VideoEncoderConfig = { ...DEFAULT_CAMERA };
  /** Microphone constraints for the next capture (the audio profile and capture config). */
  audioConstraints: () => MediaTrackConstraints = () => ({});
  /** Screen settings for the next screen capture. */
  screenConfig: ScreenEncoderConfig = {};
  /** Extra camera constraints from `setVideoCaptureConfig`. */
  captureConfig: MediaTrackConstraints = {};
  /** A stream's track changed (null: no longer captured). */
  onChange: (index: StreamIndex, kind: Kind, track: MediaStreamTrack | null) => void = () => {};
  /** A captured track ended by itself. */
  onEnded: (index: StreamIndex, kind: Kind) => void = () => {};

  /** The track of `kind` on `index`, if any is live. */
  track(index: StreamIndex, kind: Kind): MediaStreamTrack | null {
    const t = this.sources[kind][index].track;
    return t && t.readyState === "live" ? t : null;
  }

  /** Starts the microphone. */
  async startAudio(deviceId?: string): Promise<MediaTrackSettings> {
    const source = this.begin(MAIN, "audio", "startAudioCapture");
    try {
      const audio: MediaTrackConstraints = {
        ...this.audioConstraints(),
        ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      };
      const track = await this.getUserMedia({ audio }, "audio", ErrorCode.GET_AUDIO_TRACK_FAILED);
      source.deviceId = deviceId;
      this.set(MAIN, "audio", track, true);
      return track.getSettings();
    } finally {
      source.starting = false;
    }
  }

  /** Starts the camera. */
  async startVideo(deviceId?: string): Promise<MediaTrackSettings> {
    const source = this.begin(MAIN, "video", "startVideoCapture");
    try {
      const track = await this.getUserMedia(
        { video: this.videoConstraints(deviceId) },
        "video",
        ErrorCode.GET_VIDEO_TRACK_FAILED,
      );
      source.deviceId = deviceId;
      this.set(MAIN, "video", track, true);
      return track.getSettings();
    } finally {
      source.starting = false;
    }
  }

  /**
   * Starts the screen share: its video, and with `enableAudio` its audio too when the user
   * shares some (and the screen's audio source is internal).
   */
  async startScreen(config: ScreenConfig = {}): Promise<MediaTrackSettings> {
    const source = this.begin(SCREEN, "video", "startScreenCapture");
    try {
      let stream: MediaStream;
      try {
        if (!navigator.mediaDevices?.getDisplayMedia) throw new Error("this browser cannot capture the screen");
        const video: MediaTrackConstraints = captureConstraints(this.screenConfig);
        if (config.frameRate) video.frameRate = { ideal: config.frameRate };
        if (config.displaySurface) video.displaySurface = config.displaySurface;
        // Screen audio is program sound (music, a video): voice processing would only hurt it.
        const audio = config.enableAudio === true &&
          this.sources.audio[SCREEN].internal && {
            echoCancellation: false,
            noiseSuppression: false,
            autoGainControl: false,
          };
        const options: DisplayMediaStreamOptions & Record<string, unknown> = {
          video: Object.keys(video).length ? video : true,
          audio,
        };
        for (const key of ["surfaceSwitching", "selfBrowserSurface", "systemAudio"] as const)
          if (config[key]) options[key] = config[key];
        stream = await navigator.mediaDevices.getDisplayMedia(options);
      } catch (e) {
        throw rtcError(
          ErrorCode.GET_SCREEN_TRACK_FAILED,
          `startScreenCapture: the screen could not be captured (${describe(e)}); call it from a user gesture and allow sharing`,
        );
      }
      const [track] = stream.getVideoTracks();
      const [audio] = stream.getAudioTracks();
      this.set(SCREEN, "video", track, true);
      if (audio) this.set(SCREEN, "audio", audio, true);
      return track.getSettings();
    } finally {
      source.starting = false;
    }
  }

  /** Stops the screen share: its video and the audio it captured (an app's audio track stays). */
  stopScreen(): void {
    this.stop(SCREEN, "video", "stopScreenCapture");
    if (this.sources.audio[SCREEN].internal) this.set(SCREEN, "audio", null, false);
  }

  /** Stops capturing `kind` on `index` (a no-op when nothing is captured). */
  stop(index: StreamIndex, kind: Kind, method: string): void {
    const source = this.sources[kind][index];
    if (index === MAIN && !source.internal) throw notMatch(method, kind, "internal");
    this.set(index, kind, null, false);
  }

  /** Switches a stream's source between internal capture and an app track. */
  setSourceType(index: StreamIndex, kind: Kind, type: VideoSourceType): void {
    const source = this.sources[kind][index];
    const internal = type === VideoSourceType.VIDEO_SOURCE_TYPE_INTERNAL;
    if (source.internal === internal) return;
    this.set(index, kind, null, false);
    source.internal = internal;
  }

  /** Uses the app's `track` as the source of `kind` on `index`. */
  setExternal(index: StreamIndex, kind: Kind, track: MediaStreamTrack, method: string): void {
    if (this.sources[kind][index].internal) throw notMatch(method, kind, "external");
    if (!track || track.kind !== kind)
      throw rtcError(ErrorCode.INVALID_PARAMS, `${method}: pass a MediaStreamTrack of kind "${kind}"`);
    this.set(index, kind, track, false);
  }

  /** Switches a running capture to another device; remembered for the next capture otherwise. */
  async setDevice(kind: Kind, deviceId: string): Promise<void> {
    const source = this.sources[kind][MAIN];
    source.deviceId = deviceId;
    if (!source.owned || !this.track(MAIN, kind)) return;
    const constraints =
      kind === "audio"
        ? { audio: { ...this.audioConstraints(), deviceId: { exact: deviceId } } }
        : { video: this.videoConstraints(deviceId) };
    const code = kind === "audio" ? ErrorCode.GET_AUDIO_TRACK_FAILED : ErrorCode.GET_VIDEO_TRACK_FAILED;
    const track = await this.getUserMedia(constraints, kind, code);
    this.set(MAIN, kind, track, true);
  }

  /** Whether the track of `kind` on `index` was captured by the SDK (not the app's own). */
  owns(index: StreamIndex, kind: Kind): boolean {
    return this.sources[kind][index].owned && this.track(index, kind) !== null;
  }

  /** The device last chosen for `kind`. */
  deviceId(kind: Kind): string | undefined {
    return this.sources[kind][MAIN].deviceId;
  }

  /** Stops everything captured. */
  destroy(): void {
    for (const kind of ["audio", "video"] as Kind[])
      for (const index of [MAIN, SCREEN]) this.set(index, kind, null, false);
  }

  private begin(index: StreamIndex, kind: Kind, method: string): Source {
    const source = this.sources[kind][index];
    if (!source.internal) throw notMatch(method, kind, "internal");
    if (source.starting || this.track(index, kind)) {
      throw rtcError(
        ErrorCode.REPEAT_CAPTURE,
        `${method}: ${kind} on stream ${index} is already being captured; stop it first to capture again`,
      );
    }
    source.starting = true;
    return source;
  }

  /** The camera's constraints: the encoder's size and rate, then `setVideoCaptureConfig`'s. */
  videoConstraints(deviceId?: string): MediaTrackConstraints {
    const v: MediaTrackConstraints = { ...captureConstraints(this.encoderConfig), ...this.captureConfig };
    if (deviceId) v.deviceId = { exact: deviceId };
    return v;
  }

  private async getUserMedia(
    constraints: MediaStreamConstraints,
    kind: Kind,
    code: ErrorCode,
  ): Promise<MediaStreamTrack> {
    const method = kind === "audio" ? "startAudioCapture" : "startVideoCapture";
    try {
      if (!navigator.mediaDevices?.getUserMedia)
        throw new Error("this page cannot capture (it needs https or localhost)");
      const stream = await navigator.mediaDevices.getUserMedia(constraints);
      const track = kind === "audio" ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
      if (!track) throw new Error(`the browser returned no ${kind} track`);
      return track;
    } catch (e) {
      const device = kind === "audio" ? "microphone" : "camera";
      throw rtcError(
        code,
        `${method}: cannot open the ${device} (${describe(e)}); check that one is connected, allowed and not used by another app`,
      );
    }
  }

  private set(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null, owned: boolean): void {
    const source = this.sources[kind][index];
    const old = source.track;
    if (old === track) return;
    if (old) {
      old.onended = null;
      if (source.owned) old.stop();
    }
    source.track = track;
    source.owned = owned && track !== null;
    if (track) {
      track.onended = () => {
        if (source.track !== track) return;
        this.set(index, kind, null, false);
        this.onEnded(index, kind);
      };
    }
    if (old || track) this.onChange(index, kind, track);
  }
}

function notMatch(method: string, kind: Kind, wanted: "internal" | "external"): Error {
  const setter = kind === "audio" ? "setAudioSourceType" : "setVideoSourceType";
  return rtcError(
    ErrorCode.STREAM_TYPE_NOT_MATCH,
    wanted === "internal"
      ? `${method}: the ${kind} source is external; call ${setter}(index, VideoSourceType.VIDEO_SOURCE_TYPE_INTERNAL) first`
      : `${method}: the ${kind} source is internal; call ${setter}(index, VideoSourceType.VIDEO_SOURCE_TYPE_EXTERNAL) first`,
  );
}

/** A DOMException or anything else, in a few words. */
export function describe(e: unknown): string {
  if (e instanceof Error) return e.name && e.name !== "Error" ? `${e.name}: ${e.message}` : e.message;
  return String(e);
}
