/**
 * The vendor's stream statistics shapes (`LocalAudioStats`, `LocalVideoStats`,
 * `RemoteAudioStats`, `RemoteVideoStats`, the events' and the getters' wrappers of
 * @volcengine/rtc 4.68.4) and their zero values. Fields Chorus cannot measure from the browser
 * carry the documented default (0) and say so in their doc; Chorus adds a few cumulative
 * counters of its own (bytes, packets, frames, audio energy) after the vendor's fields, which an
 * app typed for the vendor's shapes just does not see. Types and constants only.
 */
/** The codec names the vendor's `codecType` allows. */
export type CodecType = "H264" | "VP8";

/** The figures of a sent audio stream (the vendor's `LocalAudioStats`). */
export interface LocalAudioStats {
  /** Uplink loss in the interval, 0..1, as the SFU's receiver reports give it. */
  audioLossRate: number;
  /** Sending bitrate in the interval, kbit/s. */
  sendKBitrate: number;
  /** The capture's sample rate in Hz (48000, the browser's default, when the track does not say). */
  recordSampleRate: number;
  /** The interval these figures cover, ms. */
  statsInterval: number;
  /** Round-trip time to the SFU, ms. */
  rtt: number;
  /** The capture's channel count. */
  numChannels: number;
  /** The encoder's sample rate in Hz. */
  sentSampleRate?: number;
  /** Chorus: bytes sent so far. */
  bytesSent: number;
  /** Chorus: packets sent so far. */
  packetsSent: number;
  /** Chorus: the codec's name ("opus"). */
  codec?: string;
  /** Chorus: the capture's average level over the interval, 0..1 (RMS), when known. */
  inputLevel?: number;
}

/** The figures of a sent video stream (the vendor's `LocalVideoStats`). */
export interface LocalVideoStats {
  /** Sending bitrate in the interval, kbit/s (all simulcast layers together). */
  sentKBitrate: number;
  /** The capture's frame rate. */
  inputFrameRate?: number;
  /** Frames sent per second. */
  sentFrameRate: number;
  /** Frames encoded per second. */
  encoderOutputFrameRate: number;
  /** The local preview's frame rate: the capture's, which is what the preview shows. */
  rendererOutputFrameRate?: number;
  /** The encoder's target bitrate, kbit/s. */
  targetKBitrate?: number;
  /** The interval these figures cover, ms. */
  statsInterval: number;
  /** Uplink loss in the interval, 0..1, as the SFU's receiver reports give it. */
  videoLossRate: number;
  /** Round-trip time to the SFU, ms. */
  rtt: number;
  /** Width of the encoded picture (the largest simulcast layer). */
  encodedFrameWidth: number;
  /** Height of the encoded picture (the largest simulcast layer). */
  encodedFrameHeight: number;
  /** Frames encoded so far. */
  encodedFrameCount: number;
  /** The codec ("H264" also when nothing is sent yet, the codec Chorus prefers). */
  codecType: CodecType;
  /** Whether this is the screen stream. */
  isScreen: boolean;
  /** Chorus: bytes sent so far. */
  bytesSent: number;
  /** Chorus: frames encoded so far (the same as `encodedFrameCount`). */
  framesEncoded: number;
  /** Chorus: the codec's name as the browser gives it ("H264", "VP8"). */
  codec?: string;
}

/** The figures of a received audio stream (the vendor's `RemoteAudioStats`). */
export interface RemoteAudioStats {
  /** Downlink loss in the interval, 0..1. */
  audioLossRate: number;
  /** Receiving bitrate in the interval, kbit/s. */
  receivedKBitrate: number;
  /** Concealment events in the interval (the browser's sign of a stall). */
  stallCount?: number;
  /** Concealed audio in the interval, ms. */
  stallDuration?: number;
  /** Capture-to-playout delay: not measurable in the browser, always 0 (the vendor hides it too). */
  e2eDelay: number;
  /** The round trip of the whole path: Chorus knows only its own leg to the SFU, so the same as `rtt`. */
  totalRtt: number;
  /** The interval these figures cover, ms. */
  statsInterval: number;
  /** Round-trip time to the SFU, ms. */
  rtt: number;
  /** Average jitter-buffer delay in the interval, ms. */
  jitterBufferDelay: number;
  /** Channels of the received codec. */
  numChannels: number;
  /** The received codec's sample rate, Hz. */
  receivedSampleRate: number;
  /** Samples concealed (packet-loss concealment) so far. */
  concealedSamples: number;
  /** Concealment events so far. */
  concealmentEvent: number;
  /** Chorus: bytes received so far. */
  bytesReceived: number;
  /** Chorus: packets received so far. */
  packetsReceived: number;
  /** Chorus: packets lost so far. */
  packetsLost: number;
  /** Chorus: interarrival jitter, s. */
  jitter: number;
  /** Chorus: the audio level now, 0..1. */
  audioLevel: number;
  /** Chorus: audio energy so far. */
  totalAudioEnergy: number;
  /** Chorus: samples received so far. */
  totalSamplesReceived: number;
  /** Chorus: the received audio's average level over the interval, 0..1 (RMS), when known. */
  outputLevel?: number;
  /** Chorus: the codec's name ("opus"). */
  codec?: string;
}

/** The figures of a received video stream (the vendor's `RemoteVideoStats`). */
export interface RemoteVideoStats {
  /** Width of the decoded picture. */
  width: number;
  /** Height of the decoded picture. */
  height: number;
  /** Downlink loss in the interval, 0..1. */
  videoLossRate: number;
  /** Receiving bitrate in the interval, kbit/s. */
  receivedKBitrate: number;
  /** Frames decoded per second. */
  decoderOutputFrameRate: number;
  /** Frames rendered per second: the browser counts frames decoded for display, so the same. */
  rendererOutputFrameRate?: number;
  /** Freezes in the interval. */
  stallCount?: number;
  /** Frozen time in the interval, ms. */
  stallDuration?: number;
  /** Capture-to-render delay: not measurable in the browser, always 0 (the vendor hides it too). */
  e2eDelay: number;
  /** The round trip of the whole path: Chorus knows only its own leg to the SFU, so the same as `rtt`. */
  totalRtt: number;
  /** Whether this is the screen stream. */
  isScreen: boolean;
  /** The interval these figures cover, ms. */
  statsInterval: number;
  /** Round-trip time to the SFU, ms. */
  rtt: number;
  /** The codec ("H264" also before anything arrives, the codec Chorus prefers). */
  codecType: CodecType;
  /** Chorus: bytes received so far. */
  bytesReceived: number;
  /** Chorus: packets received so far. */
  packetsReceived: number;
  /** Chorus: packets lost so far. */
  packetsLost: number;
  /** Chorus: interarrival jitter, s. */
  jitter: number;
  /** Chorus: frames decoded so far. */
  framesDecoded: number;
  /** Chorus: the codec's name as the browser gives it. */
  codec?: string;
}

/** `onLocalStreamStats`' payload (the vendor's `LocalStreamStats`). */
export interface LocalStreamStats {
  /** The stream's audio (zeros when it sends none). */
  audioStats: LocalAudioStats;
  /** The stream's video (zeros when it sends none). */
  videoStats: LocalVideoStats;
  /** Whether this is the screen stream. */
  isScreen: boolean;
}

/** `onRemoteStreamStats`' payload (the vendor's `RemoteStreamStats`). */
export interface RemoteStreamStats {
  /** The publisher. */
  userId: string;
  /** The stream's audio (zeros when none is received). */
  audioStats: RemoteAudioStats;
  /** The stream's video (zeros when none is received). */
  videoStats: RemoteVideoStats;
  /** Whether this is the screen stream. */
  isScreen: boolean;
}

/** `getLocalAudioStats()`'s result. */
export interface LocalUserAudioStats {
  /** The main stream's audio. */
  mainAudioStats: LocalAudioStats;
  /** The screen stream's audio. */
  screenAudioStats: LocalAudioStats;
}

/** `getLocalVideoStats()`'s result. */
export interface LocalUserVideoStats {
  /** The main stream's video. */
  mainVideoStats: LocalVideoStats;
  /** The screen stream's video. */
  screenVideoStats: LocalVideoStats;
}

/** One entry of `getRemoteAudioStats()`. */
export interface RemoteUserAudioStats {
  /** The main stream's audio. */
  mainAudioStats: RemoteAudioStats;
  /** The screen stream's audio. */
  screenAudioStats: RemoteAudioStats;
}

/** One entry of `getRemoteVideoStats()`. */
export interface RemoteUserVideoStats {
  /** The main stream's video. */
  mainVideoStats: RemoteVideoStats;
  /** The screen stream's video. */
  screenVideoStats: RemoteVideoStats;
}

/** The zero figures of a stream that sends or receives nothing. */
export const empty = {
  localAudio: (): LocalAudioStats => ({
    audioLossRate: 0,
    sendKBitrate: 0,
    recordSampleRate: 48000,
    statsInterval: 0,
    rtt: 0,
    numChannels: 1,
    bytesSent: 0,
    packetsSent: 0,
  }),
  localVideo: (isScreen: boolean): LocalVideoStats => ({
    sentKBitrate: 0,
    sentFrameRate: 0,
    encoderOutputFrameRate: 0,
    statsInterval: 0,
    videoLossRate: 0,
    rtt: 0,
    encodedFrameWidth: 0,
    encodedFrameHeight: 0,
    encodedFrameCount: 0,
    codecType: "H264",
    isScreen,
    bytesSent: 0,
    framesEncoded: 0,
  }),
  remoteAudio: (): RemoteAudioStats => ({
    audioLossRate: 0,
    receivedKBitrate: 0,
    e2eDelay: 0,
    totalRtt: 0,
    statsInterval: 0,
    rtt: 0,
    jitterBufferDelay: 0,
    numChannels: 1,
    receivedSampleRate: 48000,
    concealedSamples: 0,
    concealmentEvent: 0,
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
    jitter: 0,
    audioLevel: 0,
    totalAudioEnergy: 0,
    totalSamplesReceived: 0,
  }),
  remoteVideo: (isScreen: boolean): RemoteVideoStats => ({
    width: 0,
    height: 0,
    videoLossRate: 0,
    receivedKBitrate: 0,
    decoderOutputFrameRate: 0,
    e2eDelay: 0,
    totalRtt: 0,
    isScreen,
    statsInterval: 0,
    rtt: 0,
    codecType: "H264",
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
    jitter: 0,
    framesDecoded: 0,
  }),
};
