/**
 * Volumes: the capture volume of each local stream (`setCaptureVolume`, applied to what is
 * sent), the playback volume of each remote stream (`setPlaybackVolume`, applied to what
 * plays), in-ear monitoring (`setEarMonitorMode`/`setEarMonitorVolume`: the local capture
 * played back locally) and levels (`getAudioVolume`). All of it is Web Audio on the engine's
 * {@link AudioHub}: a stream at 100 % keeps its plain track and element, so nothing changes
 * for apps that never touch a volume. It knows tracks, not rooms or transports.
 */
import { StreamIndex } from "../generated/protocol";
import { type AudioHub, type Level } from "./audiohub";
/** A received audio track and whose it is. */
export interface RemoteAudio {
    /** The publisher. */
    userId: string;
    /** Main or screen. */
    index: StreamIndex;
    /** The received track. */
    track: MediaStreamTrack;
}
/** Where the volumes find tracks and tell what changed. */
export interface VolumeHooks {
    /** The captured (or external) audio track of `index`. */
    local(index: StreamIndex): MediaStreamTrack | null;
    /** The audio tracks received now. */
    remote(): RemoteAudio[];
    /** The track to send on `index` changed (a capture volume came or went). */
    sendChanged(): void;
    /** Mutes (or unmutes) the element playing `userId`'s audio on `index`: Web Audio plays it. */
    muteElement(userId: string, index: StreamIndex, muted: boolean): void;
}
/** Throws INVALID_PARAMS unless `volume` is 0..400; returns it as a gain factor. */
export declare function checkVolume(volume: unknown, method: string): number;
/** An engine's volumes. */
export declare class Volumes {
    private readonly hub;
    private readonly hooks;
    private capture;
    private sends;
    private playback;
    private plays;
    private earMode;
    private earGain;
    private ears;
    constructor(hub: AudioHub, hooks: VolumeHooks);
    /** Sets the capture volume of `index`: `gain` times what is captured is sent. */
    setCapture(index: StreamIndex, gain: number): void;
    /**
     * The track to send on `index`: the captured one, or at a capture volume other than 100 a
     * track of it through a gain node.
     */
    output(index: StreamIndex): MediaStreamTrack | null;
    /** Sets the playback volume of `userId`'s audio on `index`, now or once it plays. */
    setPlayback(userId: string, index: StreamIndex, gain: number): void;
    /** Turns in-ear monitoring of `index` on (`position`) or off (NONE). */
    setEarMode(index: StreamIndex, position: unknown): void;
    /** Sets the in-ear monitoring volume of `index`. */
    setEarVolume(index: StreamIndex, gain: number): void;
    /** The level of the local stream `index` as sent (`userId` undefined) or of a received one. */
    level(index: StreamIndex, userId?: string): Level;
    /** Tracks came or went, or a setting changed: every chain follows. */
    reconcile(): void;
    /** Every track a chain or meter of this engine may use now. */
    inUse(): Set<MediaStreamTrack>;
    /** Removes every chain (leaving the room keeps settings, as the vendor's SDK does). */
    destroy(): void;
}
