import { AAC_PROFILE, TRANSCODING_VIDEO_CODEC } from "../enums/values";
import type { Connection } from "../signal/connection";
/** The pushed audio (the vendor's `LiveTranscodeAudioConfig`): AAC-LC only. */
export interface LiveTranscodeAudioConfig {
    /** `"AAC"`, the one codec. */
    codec?: "AAC";
    /** Bit rate in kbit/s, 32 to 192 (default 64). */
    kBitRate: number;
    /** 32000, 44100 or 48000 Hz (default 48000). */
    sampleRate: number;
    /** 1 or 2 (default 2). */
    channels: number;
    /** `AAC_PROFILE.LC`, the one profile Chorus encodes (HEv1 and HEv2 are refused). */
    AACProfile: AAC_PROFILE;
}
/**
 * The pushed video (the vendor's `LiveTranscodeVideoConfig`). `gop` is checked (1 to 5) but
 * keyframes come at least every 2 s whatever it says; H.265 is refused.
 */
export interface LiveTranscodeVideoConfig {
    /** Width, 2 to 1920 px (default 640; an odd one is rounded up). */
    width: number;
    /** Height, 2 to 1920 px (default 360; an odd one is rounded up). */
    height: number;
    /** `TRANSCODING_VIDEO_CODEC.H264`. */
    codec: TRANSCODING_VIDEO_CODEC;
    /** Frames per second, 1 to 60 (default 15). */
    fps: number;
    /** Seconds between keyframes, 1 to 5 (default 2). */
    gop: number;
    /** Bit rate in kbit/s, 1 to 10000 (default 500). */
    kBitRate: number;
}
/** One user's place in the pushed picture (the vendor's `LiveTranscodeLayoutRegion`). */
export interface LiveTranscodeLayoutRegion {
    /** Opacity in (0, 1] (default 1). */
    alpha?: number;
    /** The publishing user, in this engine's room. */
    userId: string;
    /** Left edge, a share of the width in [0, 1) (default 0). */
    x?: number;
    /** Top edge, a share of the height in [0, 1) (default 0). */
    y?: number;
    /** Stacking order, 0 (bottom) to 100 (default 0). */
    zorder?: number;
    /** Width, a share of the width in (0, 1] (default 1). */
    w?: number;
    /** Height, a share of the height in (0, 1] (default 1). */
    h?: number;
    /** 1 cover and crop (default), 2 fit inside, 3 stretch. */
    renderMode?: number;
    /** 0 audio and video (default), 1 audio only, 2 video only. */
    contentControl?: number;
    /** The screen share rather than the camera. */
    isScreenStream: boolean;
    /** Accepted, not used: regions name users, this one included, by `userId`. */
    isLocalUser?: boolean;
}
/** The layout (the vendor's `LiveTranscodeLayoutConfig`). */
export interface LiveTranscodeLayoutConfig {
    /** The users, at most 17. */
    regions: LiveTranscodeLayoutRegion[];
    /** Data for the app, up to 4 KB: kept by the server, not put into the stream. */
    appData: string;
    /** Background colour `#RRGGBB` (default `#000000`). */
    backgroundColor: string;
}
/** Live transcoding's parameters (the vendor's `LiveTranscodeConfig`). */
export interface LiveTranscodeConfig {
    /** Where to push: `rtmp://host[:port]/app/stream` (rtmps is refused). Cannot change. */
    url: string;
    /** The pushed audio. Cannot change. */
    audio?: Partial<LiveTranscodeAudioConfig>;
    /** The pushed video. */
    video?: Partial<LiveTranscodeVideoConfig>;
    /** The layout. */
    layout?: Partial<LiveTranscodeLayoutConfig>;
}
/** Sends `startLiveTranscoding`; `url` is required. */
export declare function startLiveTranscoding(connection: Connection, inRoom: boolean, transcode: LiveTranscodeConfig): Promise<void>;
/** Sends `updateLiveTranscoding` (layout and video; the URL and audio cannot change). */
export declare function updateLiveTranscoding(connection: Connection, inRoom: boolean, transcode: Partial<LiveTranscodeConfig>): Promise<void>;
/** Sends `stopLiveTranscoding`; stopping what is off does nothing. */
export declare function stopLiveTranscoding(connection: Connection, inRoom: boolean): Promise<void>;
/** The vendor's defaults for every parameter (`url` empty: the caller gives it). */
export declare function defaultTranscoding(): Required<LiveTranscodeConfig>;
