/**
 * Module-level device helpers (`VERTC.enumerateDevices()` and friends): thin wrappers over
 * `navigator.mediaDevices` that never reject for want of a device.
 */

/** Whether this browser can run the SDK: WebRTC, WebSocket and capture APIs. */
export async function isSupported(): Promise<boolean> {
  return (
    typeof RTCPeerConnection === "function" &&
    typeof WebSocket === "function" &&
    !!navigator.mediaDevices?.getUserMedia &&
    typeof RTCRtpSender !== "undefined"
  );
}

/** The video codecs Chorus forwards, in the names `getSupportedCodecs` gives. */
const FORWARDED_CODECS = ["H264", "VP8"];

/**
 * The video codecs this browser can send that Chorus forwards (`"H264"`, `"VP8"`), from
 * `RTCRtpSender.getCapabilities`; empty when the browser cannot tell.
 */
export async function getSupportedCodecs(): Promise<string[]> {
  const capabilities =
    typeof RTCRtpSender !== "undefined" && typeof RTCRtpSender.getCapabilities === "function"
      ? RTCRtpSender.getCapabilities("video")
      : null;
  const names = new Set((capabilities?.codecs ?? []).map((c) => c.mimeType.replace(/^video\//i, "").toUpperCase()));
  return FORWARDED_CODECS.filter((codec) => names.has(codec));
}

/** What `enableDevices` got: per kind, whether it is allowed, and the browser's refusal if not. */
export interface DevicesEnabled {
  /** The microphone may be used. */
  audio: boolean;
  /** The camera may be used. */
  video: boolean;
  /** Why the microphone may not (`NotAllowedError`, `NotFoundError`, ...). */
  audioExceptionError?: DOMException;
  /** Why the camera may not. */
  videoExceptionError?: DOMException;
}

/** Asks for permission to use the microphone and/or camera (so device labels are shown). */
export async function enableDevices(
  want: { audio?: boolean; video?: boolean } = { audio: true, video: true },
): Promise<DevicesEnabled> {
  const result: DevicesEnabled = {
    audio: false,
    video: false,
  };
  for (const kind of ["audio", "video"] as const) {
    if (!want[kind]) continue;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ [kind]: true });
      stream.getTracks().forEach((t) => t.stop());
      result[kind] = true;
    } catch (e) {
      result[`${kind}ExceptionError`] = e instanceof DOMException ? e : new DOMException(String(e), "UnknownError");
    }
  }
  return result;
}

/** Every media device. */
export async function enumerateDevices(): Promise<MediaDeviceInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  return navigator.mediaDevices.enumerateDevices();
}

/** Microphones. */
export async function enumerateAudioCaptureDevices(): Promise<MediaDeviceInfo[]> {
  return (await enumerateDevices()).filter((d) => d.kind === "audioinput");
}

/** Cameras. */
export async function enumerateVideoCaptureDevices(): Promise<MediaDeviceInfo[]> {
  return (await enumerateDevices()).filter((d) => d.kind === "videoinput");
}

/** Speakers and headphones. */
export async function enumerateAudioPlaybackDevices(): Promise<MediaDeviceInfo[]> {
  return (await enumerateDevices()).filter((d) => d.kind === "audiooutput");
}

/**
 * The browser's description of the audio output `deviceId` (`onAudioPlaybackDeviceChanged`).
 * Without microphone permission the browser may not list it; then a description with the id
 * and kind alone, shaped as a `MediaDeviceInfo`.
 */
export async function outputInfo(deviceId: string): Promise<MediaDeviceInfo> {
  const listed = (await navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[])).find(
    (d) => d.kind === "audiooutput" && d.deviceId === deviceId,
  );
  if (listed) return listed;
  const info = { deviceId, groupId: "", kind: "audiooutput" as MediaDeviceKind, label: "" };
  return { ...info, toJSON: () => info };
}
