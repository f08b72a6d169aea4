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
import { ErrorCode, StreamIndex } from "../generated/protocol";
import { rtcError } from "../errors";
import { warn } from "../log";

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

/** What one captured track became. */
interface Processed {
  source: MediaStreamTrack;
  /** The track to send; null while the extensions work on it. */
  output: MediaStreamTrack | null;
}

/** The captured tracks that can be sent: main audio and video, screen video. */
const SENT: [StreamIndex, Kind][] = [
  [StreamIndex.STREAM_INDEX_MAIN, "audio"],
  [StreamIndex.STREAM_INDEX_MAIN, "video"],
  [StreamIndex.STREAM_INDEX_SCREEN, "video"],
];

/** The pre-processing type, the vendor's number for it. */
const PRE_PROCESSING = 1;

/** An engine's extensions. */
export class ExtensionHost {
  private readonly extensions: RTCExtension[] = [];
  /** By `index:kind`. */
  private readonly processed = new Map<string, Processed>();

  constructor(private readonly hooks: ExtensionHooks) {}

  /** Registers `extension` and runs it over what is captured now. */
  async register(extension: RTCExtension): Promise<void> {
    if (!extension || typeof extension !== "object" || typeof extension.name !== "string" || !extension.name)
      throw rtcError(ErrorCode.INVALID_PARAMS, "registerExtension: pass an extension object with a name");
    if (typeof extension.effect !== "function" || typeof extension.isSupported !== "function")
      throw rtcError(ErrorCode.INVALID_PARAMS, `registerExtension: ${extension.name} has no effect() or isSupported()`);
    if ((extension.type ?? PRE_PROCESSING) !== PRE_PROCESSING)
      throw rtcError(ErrorCode.NOT_SUPPORTED, `registerExtension: ${extension.name} is not a pre-processing extension`);
    if (this.extensions.some((e) => e.name === extension.name))
      throw rtcError(ErrorCode.INVALID_PARAMS, `registerExtension: ${extension.name} is already registered`);
    let supported = false;
    try {
      supported = await extension.isSupported();
    } catch {
      supported = false;
    }
    if (!supported)
      throw rtcError(ErrorCode.NOT_SUPPORTED, `registerExtension: ${extension.name} cannot run in this browser`);
    await extension.init?.({});
    this.extensions.push(extension);
    for (const kind of ["audio", "video"] as Kind[]) extension.on?.(`reset-${kind}-effect`, () => this.rerun(kind));
    // What is sent now goes through the extensions from now on.
    this.processed.clear();
    for (const [index, kind] of SENT) this.hooks.changed(index, kind);
  }

  /** Whether any extension is registered. */
  get active(): boolean {
    return this.extensions.length > 0;
  }

  /**
   * The track to send for the captured `track` of `index`/`kind`: the extensions' output, or
   * null while they work on it (then {@link ExtensionHooks.changed} follows).
   */
  outgoing(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): MediaStreamTrack | null {
    if (!track || !this.active) return track;
    const k = `${index}:${kind}`;
    const done = this.processed.get(k);
    if (done?.source === track) return done.output;
    void this.run(index, kind, track);
    return null;
  }

  /** Destroys every extension. */
  destroy(): void {
    for (const e of this.extensions.splice(0)) {
      try {
        e.destroy?.();
      } catch (error) {
        warn(`extension ${e.name}: destroy failed`, error);
      }
    }
    this.processed.clear();
  }

  private rerun(kind: Kind): void {
    for (const { source } of [...this.processed.values()]) if (source.kind === kind) this.rerunTrack(source);
  }

  private rerunTrack(source: MediaStreamTrack): void {
    for (const [k, p] of this.processed) {
      if (p.source !== source) continue;
      const [index, kind] = k.split(":");
      void this.run(Number(index) as StreamIndex, kind as Kind, source);
    }
  }

  /** Runs the extensions over `track` and has the result sent. */
  private async run(index: StreamIndex, kind: Kind, track: MediaStreamTrack): Promise<void> {
    const k = `${index}:${kind}`;
    const before = this.processed.get(k);
    const was = before?.source === track ? before.output : null;
    const entry: Processed = { source: track, output: was };
    this.processed.set(k, entry);
    let output = track;
    try {
      for (const e of this.extensions) output = await e.effect({ streamIndex: index, kind }, output);
    } catch (error) {
      warn(`an extension failed on the ${kind} track; it is sent as captured`, error);
      output = track;
    }
    if (this.processed.get(k) !== entry) return;
    entry.output = output;
    this.hooks.changed(index, kind);
    // Sending the captured track as it is, as before any extension ran, changes nothing for the app.
    if (was !== output && !(was === null && output === track))
      this.hooks.emit("onLocalStreamTrackChangedByExtension", {
        streamIndex: index,
        type: kind,
      } satisfies TrackChangedByExtensionEvent);
  }
}
