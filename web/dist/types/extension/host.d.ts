/**
 * Extensions (`registerExtension`): app-supplied processors that turn a captured track into the
 * track that is sent, the vendor's pre-processing extensions (its AI noise suppression and
 * beauty extensions are of this kind). The host runs every registered extension over each
 * captured track in registration order and tells the media conductor which track to send in
 * its place; it knows nothing of transports or of the room.
 *
 * An extension is an object with:
 * - `name` (unique among those registered) and, optionally, `type` (1: pre-processing, the
 *   one kind Chorus runs; it is the default) and `version`;
 * - `isSupported()`: whether it can run in this browser (false: NOT_SUPPORTED);
 * - `init(config)`, optional, awaited once at registration;
 * - `effect(source, track)`: the track to send in place of `track` (the same one to leave it
 *   as it is), where `source` is `{streamIndex, kind}`;
 * - `on(event, fn)`, optional (an event emitter's): `"reset-audio-effect"` /
 *   `"reset-video-effect"` make the host run the extensions over that kind's tracks again,
 *   e.g. after the extension was turned on or off;
 * - `destroy()`, optional, called when the engine is destroyed.
 */
import { StreamIndex } from "../generated/protocol";
/** Audio or video. */
type Kind = "audio" | "video";
/** Which captured track an extension processes. */
export interface ExtensionSource {
    /** Main or screen. */
    streamIndex: StreamIndex;
    /** Audio or video. */
    kind: Kind;
}
/** The vendor's `RTCExtension` (its typings say `any`): see the module docs. */
export interface RTCExtension {
    /** Unique among the registered extensions. */
    name: string;
    /** 1: pre-processing (the default and the only kind Chorus runs). */
    type?: number;
    /** The extension's version (informational). */
    version?: string;
    /** Whether it can run in this browser. */
    isSupported(): boolean | Promise<boolean>;
    /** Called once at registration. */
    init?(config: Record<string, unknown>): void | Promise<void>;
    /** The track to send in place of `track`. */
    effect(source: ExtensionSource, track: MediaStreamTrack): MediaStreamTrack | Promise<MediaStreamTrack>;
    /** Subscribes to the extension's events (see the module docs). */
    on?(event: string, fn: (...args: unknown[]) => void): unknown;
    /** Frees what it holds. */
    destroy?(): void;
}
/** `onLocalStreamTrackChangedByExtension`: the track sent for a captured one changed. */
export interface TrackChangedByExtensionEvent {
    /** Main or screen. */
    streamIndex: StreamIndex;
    /** Audio or video. */
    type: Kind;
}
/** What the host needs from the engine. */
export interface ExtensionHooks {
    /** The track to send for `index`/`kind` changed: send it. */
    changed(index: StreamIndex, kind: Kind): void;
    /** Emits an engine event. */
    emit(event: string, payload: unknown): void;
}
/** An engine's extensions. */
export declare class ExtensionHost {
    private readonly hooks;
    private readonly extensions;
    /** By `index:kind`. */
    private readonly processed;
    constructor(hooks: ExtensionHooks);
    /** Registers `extension` and runs it over what is captured now. */
    register(extension: RTCExtension): Promise<void>;
    /** Whether any extension is registered. */
    get active(): boolean;
    /**
     * The track to send for the captured `track` of `index`/`kind`: the extensions' output, or
     * null while they work on it (then {@link ExtensionHooks.changed} follows).
     */
    outgoing(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): MediaStreamTrack | null;
    /** Destroys every extension. */
    destroy(): void;
    private rerun;
    private rerunTrack;
    /** Runs the extensions over `track` and has the result sent. */
    private run;
}
export {};
