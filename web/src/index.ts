/**
 * `@chorus-rtc/web`: the veRTC Web SDK's module shape (`VERTC`) over a Chorus server. The
 * default export is `VERTC`, which carries every enum as the vendor's does; the enums are
 * also named exports, as in `@volcengine/rtc`.
 */
import * as enums from "./enums";
import { ErrorCode } from "./generated/protocol";
import { RTCEngine, type EngineConfig } from "./engine";
import { rtcError, RtcError } from "./errors";
import { downloadLog, getParameter, setLogConfig, setParameter } from "./settings";
import {
  enableDevices,
  enumerateAudioCaptureDevices,
  enumerateAudioPlaybackDevices,
  enumerateDevices,
  enumerateVideoCaptureDevices,
  getSupportedCodecs,
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
  setParameter,
  getParameter,
  setLogConfig,
  downloadLog,
  /** The platform this SDK serves, where the vendor's says "VolcEngine". */
  platform: "Chorus",
  /** The build this SDK came from: Chorus builds from tagged sources, so its version. */
  commitInfo: __CHORUS_VERSION__,
  isSupported,
  getSupportedCodecs,
  enableDevices,
  enumerateDevices,
  enumerateAudioCaptureDevices,
  enumerateVideoCaptureDevices,
  enumerateAudioPlaybackDevices,
  ...enums,
};

export default VERTC;
export * from "./enums";
export { RTCEngine, RtcError };
export type { EngineConfig };
export type { LogConfig, LogLevel } from "./settings";
export type { VideoPlayerConfig } from "./media/players";
export type { VideoEncoderConfig, ScreenConfig } from "./media/capture";
export type { AudioFrameData } from "./media/audioframes";
export type { DeviceInfo } from "./media/devicewatch";
export type { AudioPropertiesConfig } from "./media/audioreport";
export type { TrackCaptureConfig } from "./media/audioprofile";
export type { AudioMixingManager, AudioMixingManager as IAudioMixingManager, MixOption } from "./media/mixing";
export type { RTCExtension, ExtensionSource, TrackChangedByExtensionEvent } from "./extension/host";
export type { ExtraJoinRoomParams } from "./parts";
export type { CloudProxyInfo, CloudProxyConnectedEvent } from "./cloudproxy";
export type { PublicStreamConfig, PublicStreamRegionParam as PublicStreamLayoutRegion } from "./room/public_stream";
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
} from "./media/statsgetters";
export type { LocalStatsException, RemoteStatsException } from "./media/statsexceptions";
export type { RTCSubtitleConfig, UpdateSubtitleConfig } from "./room/subtitle";
export type { WTNStream, WTNStream as IWTNStream } from "./room/wtn";
export type * from "./room/wtn_events";
export type {
  LiveTranscodeConfig,
  LiveTranscodeAudioConfig,
  LiveTranscodeVideoConfig,
  LiveTranscodeLayoutConfig,
  LiveTranscodeLayoutRegion,
} from "./room/live_transcoding";
