/**
 * `@chorus-rtc/web`: the veRTC Web SDK's module shape (`VERTC`) over a Chorus server. The
 * default export is `VERTC`; enums are also named exports, as in `@volcengine/rtc`.
 */
import {
  AudioMixingError,
  AudioMixingState,
  AudioMixingType,
  ConnectionState,
  ErrorCode,
  ForwardStreamError,
  ForwardStreamState,
  MediaType,
  PublicStreamType,
  ReconnectReason,
  RoomMode,
  RoomProfileType,
  SimulcastStreamType,
  StreamIndex,
  StreamRemoveReason,
  SubtitleEventType,
  SUBTITLE_MODE,
  USER_ONLINE_STATUS,
  UserOfflineReason,
  VideoRenderMode,
  VideoSourceType,
} from "./generated/protocol";
import { RTCEngine, type EngineConfig } from "./engine";
import { rtcError, RtcError } from "./errors";
import { events } from "./events";
import { NetworkQuality } from "./media/quality";
import {
  enableDevices,
  enumerateAudioCaptureDevices,
  enumerateAudioPlaybackDevices,
  enumerateDevices,
  enumerateVideoCaptureDevices,
  isSupported,
} from "./media/devices";

declare const __CHORUS_VERSION__: string;
declare const __CHORUS_UMD__: boolean;

/** Where engines connect unless `createEngine` says otherwise. */
const defaultServerUrl: string = (() => {
  if (typeof document === "undefined" || typeof location === "undefined") return "";
  // The UMD bundle talks to the server that served it; the ES module to the page's origin.
  const script = __CHORUS_UMD__ ? (document.currentScript as HTMLScriptElement | null) : null;
  try {
    return new URL(script?.src || location.href).origin;
  } catch {
    return "";
  }
})();

const params = new Map<string, unknown>();

/** The `VERTC` object. */
const VERTC = {
  /** Makes an engine for `appId`; `config.serverUrl` picks the Chorus server. */
  createEngine(appId: string, config: EngineConfig = {}): RTCEngine {
    if (typeof appId !== "string" || appId.length === 0)
      throw rtcError(ErrorCode.INVALID_PARAMS, "createEngine: pass the app id");
    const serverUrl = config.serverUrl ?? defaultServerUrl;
    if (!serverUrl)
      throw rtcError(
        ErrorCode.INVALID_PARAMS,
        "createEngine: no server URL; pass {serverUrl: 'https://your-chorus-server'}",
      );
    return new RTCEngine(appId, serverUrl, config);
  },
  /** Destroys an engine: leaves its room, stops capture, removes players. */
  destroyEngine(engine: RTCEngine): void {
    if (!(engine instanceof RTCEngine) || !engine.alive)
      throw rtcError(
        ErrorCode.INVALID_ENGINE,
        "destroyEngine: pass an engine from createEngine that is not destroyed yet",
      );
    engine.destroy();
  },
  /** This SDK's version. */
  getSdkVersion(): string {
    return __CHORUS_VERSION__;
  },
  /** Sets a global SDK parameter (kept for compatibility). */
  setParameter(key: string, value: unknown): void {
    params.set(key, value);
  },
  isSupported,
  enableDevices,
  enumerateDevices,
  enumerateAudioCaptureDevices,
  enumerateVideoCaptureDevices,
  enumerateAudioPlaybackDevices,
  events,
  ErrorCode,
  MediaType,
  StreamIndex,
  ConnectionState,
  UserOfflineReason,
  StreamRemoveReason,
  RoomProfileType,
  RoomMode,
  VideoSourceType,
  VideoRenderMode,
  USER_ONLINE_STATUS,
  AudioMixingType,
  AudioMixingState,
  AudioMixingError,
  PublicStreamType,
  ForwardStreamState,
  ForwardStreamError,
  SUBTITLE_MODE,
  SubtitleEventType,
  ReconnectReason,
  SimulcastStreamType,
  NetworkQuality,
};

export default VERTC;
export {
  AudioMixingError,
  AudioMixingState,
  AudioMixingType,
  ConnectionState,
  ErrorCode,
  ForwardStreamError,
  ForwardStreamState,
  MediaType,
  NetworkQuality,
  PublicStreamType,
  ReconnectReason,
  RoomMode,
  RoomProfileType,
  SimulcastStreamType,
  StreamIndex,
  StreamRemoveReason,
  SubtitleEventType,
  SUBTITLE_MODE,
  USER_ONLINE_STATUS,
  UserOfflineReason,
  VideoRenderMode,
  VideoSourceType,
  events,
  RTCEngine,
  RtcError,
};
export type { EngineConfig };
export type { VideoPlayerConfig } from "./media/players";
export type { VideoEncoderConfig, ScreenConfig } from "./media/capture";
