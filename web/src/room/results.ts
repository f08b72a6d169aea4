/**
 * Publish and subscribe results as the app hears of them: `onPublishResult` (with
 * `onAutoPublishResult` for what the room's `isAutoPublish` published), `onSubscribeResult`
 * (with `onAutoSubscribeResult` for what the server subscribed by itself, the room's
 * `isAutoSubscribeAudio`/`Video`) and `onPublishRetry`. The session reports publishes and the
 * app's subscriptions; the media conductor reports what arrives; this module decides what each
 * means and emits. It holds only which streams it has reported, and sends nothing.
 */
import { ErrorCode, StreamIndex } from "../generated/protocol";
import { PublishState, SubscribeState } from "../enums/values";
import type { RoomState } from "./state";

/** `onAutoPublishResult`: what the room's auto publish published, or why it could not. */
export interface AutoPublishResultEvent {
  /** Whether it is the screen stream (auto publish publishes the main stream only). */
  isScreen: boolean;
  /** Published, or failed. */
  state: PublishState;
}

/** `onPublishResult`: a publish (the app's, the room's auto publish, or a retry) took effect or failed. */
export interface PublishResultEvent {
  /** Whether it is the screen stream. */
  isScreen: boolean;
  /** Whether the room's auto publish made it. */
  isAutoPublish: boolean;
  /** Why it failed; absent on success. */
  errorCode?: ErrorCode;
}

/** `onAutoSubscribeResult`: the server subscribed this user to a stream by itself. */
export interface AutoSubscribeResultEvent {
  /** Whose stream. */
  userId: string;
  /** Whether it is the screen stream. */
  isScreen: boolean;
  /** Chorus fires it once the stream's media arrives, so always SUBSCRIBE_SUCC. */
  state: SubscribeState;
}

/** `onSubscribeResult`: a subscription took effect or failed. */
export interface SubscribeResultEvent {
  /** Whose stream. */
  userId: string;
  /** Whether it is the screen stream. */
  isScreen: boolean;
  /** Whether the server subscribed by itself (auto subscribe) rather than the app. */
  isAutoSubscribe: boolean;
  /** Why it failed; absent on success. */
  errorCode?: ErrorCode;
}

/**
 * `onPublishRetry`: Chorus publishes a stream again on its own, on a new media transport: after
 * the signalling socket dropped and the room was rejoined, or after the publisher transport
 * failed. `onPublishResult` follows with how it went.
 */
export interface PublishRetryEvent {
  /** Whether it is the screen stream. */
  screen: boolean;
}

/**
 * `onSubscribeRetry`: never fired. The vendor's SDK retries a subscription that failed; Chorus
 * does not retry subscriptions on its own (after a drop the server offers the subscriber
 * transport again, and a failed `subscribeStream` rejects for the app to retry).
 */
export interface SubscribeRetryEvent {
  /** Whose stream. */
  userId: string;
  /** Whether it is the screen stream. */
  screen: boolean;
}

/** How a publish came about. */
export type PublishCause = "app" | "auto" | "retry";

/** A stream received (or asked for): `index:userId`. */
function key(userId: string, index: StreamIndex): string {
  return `${index}:${userId}`;
}

/** A track that arrived: whose, which stream, which kind. */
export interface ArrivedTrack {
  /** The publisher. */
  userId: string;
  /** Main or screen. */
  index: StreamIndex;
  /** Audio or video. */
  kind: "audio" | "video";
}

/** Reports publish and subscribe results of one engine. */
export class StreamResults {
  /** Streams received now. */
  private received = new Set<string>();
  /** Streams the app subscribed to in this room session (reported when it asked). */
  private asked = new Set<string>();

  constructor(
    private readonly emit: (event: string, payload: unknown) => void,
    private readonly room: () => RoomState | null,
  ) {}

  /** A publish of stream `index` took effect (no `error`) or failed. */
  published(index: StreamIndex, cause: PublishCause, error?: { code?: unknown }): void {
    const isScreen = index === StreamIndex.STREAM_INDEX_SCREEN;
    const errorCode = error ? codeOf(error) : undefined;
    if (cause === "auto") {
      const state = error ? PublishState.PUBLISH_FAIL : PublishState.PUBLISH_SUCC;
      this.emit("onAutoPublishResult", { isScreen, state } satisfies AutoPublishResultEvent);
    }
    const result: PublishResultEvent = { isScreen, isAutoPublish: cause === "auto" };
    if (errorCode) result.errorCode = errorCode;
    this.emit("onPublishResult", result);
  }

  /** Chorus publishes stream `index` again on its own. */
  retrying(index: StreamIndex): void {
    this.emit("onPublishRetry", { screen: index === StreamIndex.STREAM_INDEX_SCREEN } satisfies PublishRetryEvent);
  }

  /** The app's subscription to `userId`'s stream `index` was accepted (no `error`) or refused. */
  subscribed(userId: string, index: StreamIndex, error?: { code?: unknown }): void {
    if (!error) this.asked.add(key(userId, index));
    const result: SubscribeResultEvent = {
      userId,
      isScreen: index === StreamIndex.STREAM_INDEX_SCREEN,
      isAutoSubscribe: false,
    };
    if (error) result.errorCode = codeOf(error);
    this.emit("onSubscribeResult", result);
  }

  /**
   * What the subscriber transport receives now. A stream that starts arriving without the app
   * having asked for it was subscribed by the server's auto subscribe: reported here.
   */
  arrived(tracks: Iterable<ArrivedTrack>): void {
    const room = this.room();
    const now = new Map<string, ArrivedTrack>();
    for (const t of tracks) now.set(key(t.userId, t.index), t);
    for (const [k, t] of now) {
      if (this.received.has(k) || this.asked.has(k) || !room) continue;
      const config = room.config;
      if (!(t.kind === "audio" ? config.isAutoSubscribeAudio : config.isAutoSubscribeVideo)) continue;
      const isScreen = t.index === StreamIndex.STREAM_INDEX_SCREEN;
      const state = SubscribeState.SUBSCRIBE_SUCC;
      this.emit("onAutoSubscribeResult", { userId: t.userId, isScreen, state } satisfies AutoSubscribeResultEvent);
      this.emit("onSubscribeResult", {
        userId: t.userId,
        isScreen,
        isAutoSubscribe: true,
      } satisfies SubscribeResultEvent);
    }
    this.received = new Set(now.keys());
  }

  /** The room session ended: what is received and asked for starts over. */
  reset(): void {
    this.received.clear();
    this.asked.clear();
  }
}

/** An error's contract code (UNEXPECTED_ERROR for one without). */
function codeOf(error: { code?: unknown }): ErrorCode {
  const code = error.code;
  return typeof code === "string" && Object.values(ErrorCode).includes(code as ErrorCode)
    ? (code as ErrorCode)
    : ErrorCode.UNEXPECTED_ERROR;
}
