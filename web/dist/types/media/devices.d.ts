/**
 * Module-level device helpers (`VERTC.enumerateDevices()` and friends): thin wrappers over
 * `navigator.mediaDevices` that never reject for want of a device.
 */
/** Whether this browser can run the SDK: WebRTC, WebSocket and capture APIs. */
export declare function isSupported(): Promise<boolean>;
/**
 * The video codecs this browser can send that Chorus forwards (`"H264"`, `"VP8"`), from
 * `RTCRtpSender.getCapabilities`; empty when the browser cannot tell.
 */
export declare function getSupportedCodecs(): Promise<string[]>;
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
export declare function enableDevices(want?: {
    audio?: boolean;
    video?: boolean;
}): Promise<DevicesEnabled>;
/** Every media device. */
export declare function enumerateDevices(): Promise<MediaDeviceInfo[]>;
/** Microphones. */
export declare function enumerateAudioCaptureDevices(): Promise<MediaDeviceInfo[]>;
/** Cameras. */
export declare function enumerateVideoCaptureDevices(): Promise<MediaDeviceInfo[]>;
/** Speakers and headphones. */
export declare function enumerateAudioPlaybackDevices(): Promise<MediaDeviceInfo[]>;
/**
 * The browser's description of the audio output `deviceId` (`onAudioPlaybackDeviceChanged`).
 * Without microphone permission the browser may not list it; then a description with the id
 * and kind alone, shaped as a `MediaDeviceInfo`.
 */
export declare function outputInfo(deviceId: string): Promise<MediaDeviceInfo>;
