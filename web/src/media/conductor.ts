/**
 * The media conductor (the native SDK has one by the same name): one per engine, it ties capture, the two transports, players and stats to
 * the room. Tracks flow to the publisher when captured and published; received tracks flow to
 * players; the transports live exactly as long as one server session of the room.
 */
import type { ActiveSpeakerEvent } from "../payloads";
import { ErrorCode, MediaType, StreamIndex, type SubscriberOfferEvent } from "../generated/protocol";
import { asRtcError, rtcError } from "../errors";
import type { RoomState } from "../room/state";
import { LocalMedia, type Kind } from "./capture";
import { Players } from "./players";
import { snapshot } from "./snapshot";
import { Publisher, type Call } from "./publisher";
import {
  localAudioStats,
  localVideoStats,
  Rates,
  remoteTrackStats,
  STATS_INTERVAL_MS,
  watchFirstFrame,
  isScreen,
} from "./stats";
import { Subscriber, remoteKey, type RemoteTrack } from "./subscriber";
import { ActiveSpeaker, audioLevel, grade, LinkMeter, toVolume, type SpeakerVolume } from "./quality";
import { VideoParts } from "./videoparts";
import { warn } from "../log";

/** What the conductor needs from the engine. */
export interface HubHooks {
  /** Sends a signalling request. */
  call: Call;
  /** Emits an engine event. */
  emit(event: string, ...args: unknown[]): void;
  /** The room, when joined. */
  room(): RoomState | null;
}

const LINES: [StreamIndex, Kind][] = [
  [StreamIndex.STREAM_INDEX_MAIN, "audio"],
  [StreamIndex.STREAM_INDEX_MAIN, "video"],
  [StreamIndex.STREAM_INDEX_SCREEN, "video"],
];

/** The media type bit of a kind. */
export function maskOf(kind: Kind): MediaType {
  return kind === "audio" ? MediaType.AUDIO : MediaType.VIDEO;
}

/** An engine's media. */
export class MediaConductor {
  /** Local sources. */
  readonly capture = new LocalMedia();
  /** Video and audio players. */
  readonly players: Players;
  private publisher: Publisher | null = null;
  private subscriber: Subscriber | null = null;
  private remote = new Map<string, RemoteTrack>();
  private watchers = new Map<string, () => void>();
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private rates = new Rates();
  /** Whether a publisher transport set up from now on sends the camera as simulcast layers. */
  simulcast = false;
  private uplink = new LinkMeter();
  private downlink = new LinkMeter();
  private audioReportMs = 0;
  private audioTimer: ReturnType<typeof setInterval> | null = null;
  private activeSpeaker = new ActiveSpeaker();
  /** Encoding, mirroring, visibility, placeholders and the events of players and local tracks. */
  readonly video: VideoParts;

  constructor(private readonly hooks: HubHooks) {
    this.video = new VideoParts(
      () => this.players.videoPlayers(),
      { emit: hooks.emit, roomId: () => hooks.room()?.roomId },
      (userId, index, kind) => this.remoteReceiver(userId, index, kind),
    );
    this.players = new Players({
      autoplayFailed: (p) => hooks.emit("onAutoplayFailed", p),
      playerEvent: (p) => hooks.emit("onPlayerEvent", p),
      videoChanged: (view) => this.video.playerChanged(view),
    });
  }

  /** A local track changed: players and the publisher follow. */
  trackChanged(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void {
    if (kind === "video") this.players.localTrack(index, track);
    this.video.localTrack(index, kind, track);
    void this.syncTracks();
  }

  /** Sends what is captured again, e.g. after a placeholder picture was set. */
  resync(): Promise<void> {
    return this.syncTracks();
  }

  /** The publisher's sender of `index`/`kind`, while a publisher transport is up. */
  sender(index: StreamIndex, kind: Kind): RTCRtpSender | undefined {
    return this.publisher?.sender(index, kind);
  }

  /** A room session started (a join or a rejoin). */
  joined(): void {
    this.statsTimer ??= setInterval(() => void this.reportStats(), STATS_INTERVAL_MS);
    this.startAudioReport();
  }

  /**
   * Reports audio levels every `intervalMs` in a room (`onAudioVolumeIndication`, and
   * `onActiveSpeaker` when the loudest remote speaker changes); 0 or less turns it off.
   */
  setAudioReport(intervalMs: number): void {
    this.audioReportMs = intervalMs > 0 ? Math.max(100, intervalMs) : 0;
    if (this.audioTimer) clearInterval(this.audioTimer);
    this.audioTimer = null;
    if (this.hooks.room()) this.startAudioReport();
  }

  /** The room session ended: transports go, remote players empty. */
  left(): void {
    this.publisher?.close();
    this.publisher = null;
    this.subscriber?.close();
    this.subscriber = null;
    this.setRemote(new Map());
    this.players.clearRemote();
    this.video.events.reset();
    this.video.jitter.reset();
    for (const index of [StreamIndex.STREAM_INDEX_MAIN, StreamIndex.STREAM_INDEX_SCREEN])
      this.video.dummies.idle(index);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    if (this.audioTimer) clearInterval(this.audioTimer);
    this.audioTimer = null;
    this.activeSpeaker.reset();
  }

  /**
   * What is published changed: sets up the publisher transport when something is published
   * and none is up, then sends what is captured. Resolves once media can flow.
   */
  async publishChanged(): Promise<void> {
    const room = this.hooks.room();
    if (!room) throw rtcError(ErrorCode.NOT_CONNECTED_YET, "publishing needs a room; call joinRoom first");
    if (!room.published[0] && !room.published[1]) {
      await this.syncTracks();
      return;
    }
    let publisher = this.publisher;
    if (!publisher) {
      publisher = new Publisher(this.hooks.call, this.video.encoding.sendEncodings() ?? this.simulcast);
      publisher.maxKbps = this.capture.encoderConfig.maxKbps;
      publisher.onTrackSet = (index, kind, sender) => this.video.encoding.tune(index, sender);
      this.publisher = publisher;
      const p = publisher;
      p.onFailed = (why) => this.publisherFailed(p, why);
      p.ready.catch(() => {
        // A failed setup is retried by the next publish.
        if (this.publisher === p) {
          p.close();
          this.publisher = null;
        }
      });
    }
    await publisher.ready;
    await this.syncTracks();
  }

  /** A connected publisher transport failed: a new one takes over what is published. */
  private publisherFailed(p: Publisher, why: string): void {
    if (this.publisher !== p) return;
    warn(`the publisher transport ${why}; setting up a new one`);
    this.publisher = null;
    void this.republish(0);
  }

  /** Sets up a publisher transport again, retrying while signalling cannot reach the server. */
  private async republish(attempt: number): Promise<void> {
    if (!this.hooks.room() || this.publisher) return;
    try {
      await this.publishChanged();
    } catch (e) {
      warn("republish:", (e as Error).message);
      if (attempt < 8) setTimeout(() => void this.republish(attempt + 1), 500 * 2 ** Math.min(attempt, 4));
    }
  }

  /** Whether the publisher transport is set up (or being set up). */
  get publishing(): boolean {
    return this.publisher !== null;
  }

  /**
   * The SFU offers the subscriber transport. An offer for a new transport (the SFU remakes one
   * that failed: new ICE credentials and DTLS session) gets a new connection; a browser cannot
   * move an established DTLS session over.
   */
  subscriberOffer(offer: SubscriberOfferEvent): void {
    if (!this.hooks.room()) return;
    if (this.subscriber && !this.subscriber.continues(offer.sdp)) {
      this.subscriber.close();
      this.subscriber = null;
    }
    if (!this.subscriber) {
      const sub = new Subscriber(this.hooks.call);
      sub.onTracks = (tracks) => {
        if (this.subscriber === sub) this.setRemote(tracks);
      };
      sub.onError = (e) => warn("subscriber transport:", e.message);
      sub.rewrite = (sdp, tracks) => this.video.sync.rewrite(sdp, tracks);
      this.subscriber = sub;
    }
    void this.subscriber.handleOffer(offer);
  }

  /** The receiver of `userId`'s `kind` on `index`, if received. */
  remoteReceiver(userId: string, index: StreamIndex, kind: Kind): RTCRtpReceiver | undefined {
    return this.remote.get(remoteKey(userId, index, kind))?.receiver;
  }

  /** The received track of `userId`'s `kind` on `index`. */
  remoteTrack(userId: string, index: StreamIndex, kind: Kind): MediaStreamTrack | null {
    return this.remote.get(remoteKey(userId, index, kind))?.track ?? null;
  }

  /** The current picture of `userId`'s video on `index` (the local one for null). */
  async snapshot(userId: string | null, index: StreamIndex): Promise<ImageData> {
    const track = userId === null ? this.capture.track(index, "video") : this.remoteTrack(userId, index, "video");
    const method = userId === null ? "takeLocalSnapshot" : "takeRemoteSnapshot";
    if (!track && userId === null)
      throw rtcError(
        ErrorCode.INVOKED_BEFORE_CAPTURE,
        `${method}: stream ${index} captures no video; start capture first`,
      );
    if (!track)
      throw rtcError(
        ErrorCode.STREAM_NOT_EXIST,
        `${method}: no video of ${userId} on stream ${index} is being received`,
      );
    return snapshot(track).catch((e) => Promise.reject(asRtcError(e, ErrorCode.UNEXPECTED_ERROR, method)));
  }

  /** Stops everything. */
  destroy(): void {
    this.left();
    this.video.destroy();
    this.capture.destroy();
    this.players.destroy();
  }

  private async syncTracks(): Promise<void> {
    const room = this.hooks.room();
    const publisher = this.publisher;
    if (!room || !publisher) return;
    try {
      await publisher.ready;
    } catch {
      return;
    }
    await Promise.all(
      LINES.map(([index, kind]) => {
        const on = (room.published[index] & maskOf(kind)) !== 0;
        const captured = this.capture.track(index, kind);
        // The placeholder picture fills in for the camera while it is off and the video published.
        const placeholder = kind === "video" && on && !captured ? this.video.dummies.track(index) : null;
        if (kind === "video" && !placeholder) this.video.dummies.idle(index);
        return publisher.setTrack(index, kind, on ? (captured ?? placeholder) : null);
      }),
    );
  }

  private setRemote(tracks: Map<string, RemoteTrack>): void {
    const before = this.remote;
    this.remote = tracks;
    for (const [key, t] of before) {
      if (tracks.get(key)?.track === t.track) continue;
      this.watchers.get(key)?.();
      this.watchers.delete(key);
      if (!tracks.has(key)) this.route(t, null);
    }
    for (const [key, t] of tracks) {
      if (before.get(key)?.track === t.track) continue;
      this.route(t, t.track);
      const event = t.kind === "video" ? "onRemoteVideoFirstFrame" : "onRemoteAudioFirstFrame";
      this.watchers.set(
        key,
        watchFirstFrame(t, (size) => {
          this.watchers.delete(key);
          const payload =
            t.kind === "video"
              ? { userId: t.userId, isScreen: isScreen(t.index), ...size }
              : { userId: t.userId, isScreen: isScreen(t.index) };
          this.hooks.emit(event, payload);
          // The vendor's older names of the same moments, still fired by its SDK.
          if (t.kind === "video") this.hooks.emit("onVideoFirstFrameDecoded", { userId: t.userId, ...size });
          else this.hooks.emit("onAudioFirstFrameDecoded", { userId: t.userId, isScreen: isScreen(t.index) });
        }),
      );
    }
  }

  private route(t: RemoteTrack, track: MediaStreamTrack | null): void {
    if (t.kind === "video") this.players.remoteTrack(t.userId, t.index, track);
    else this.players.remoteAudio(t.userId, t.index, track);
  }

  private startAudioReport(): void {
    if (this.audioReportMs > 0) this.audioTimer ??= setInterval(() => void this.reportAudio(), this.audioReportMs);
  }

  private async reportAudio(): Promise<void> {
    const room = this.hooks.room();
    if (!room) return;
    const speakers: SpeakerVolume[] = [];
    const local = this.publisher?.sender(StreamIndex.STREAM_INDEX_MAIN, "audio");
    if (local?.track && room.published[StreamIndex.STREAM_INDEX_MAIN] & MediaType.AUDIO) {
      const level = await audioLevel(local, "audio").catch(() => null);
      if (level !== null) speakers.push({ userId: room.userId, volume: toVolume(level) });
    }
    const remote: SpeakerVolume[] = [];
    for (const t of this.remote.values()) {
      if (t.kind !== "audio" || t.index !== StreamIndex.STREAM_INDEX_MAIN) continue;
      const level = await audioLevel(t.receiver, "audio").catch(() => null);
      if (level !== null) remote.push({ userId: t.userId, volume: toVolume(level) });
    }
    if (this.hooks.room() !== room) return;
    this.hooks.emit("onAudioVolumeIndication", [...speakers, ...remote]);
    const speaker = this.activeSpeaker.update(remote);
    if (speaker !== null) {
      const userInfo = room.users.get(speaker)?.userInfo ?? { userId: speaker };
      const payload: ActiveSpeakerEvent = { ...userInfo, roomId: room.roomId };
      this.hooks.emit("onActiveSpeaker", payload);
    }
  }

  private async reportStats(): Promise<void> {
    const room = this.hooks.room();
    if (!room) return;
    const publisher = this.publisher;
    this.uplink.begin();
    this.downlink.begin();
    if (publisher) {
      for (const index of [StreamIndex.STREAM_INDEX_MAIN, StreamIndex.STREAM_INDEX_SCREEN]) {
        if (!room.published[index]) continue;
        const audio = await this.senderStats(publisher, index, "audio");
        const video = await this.senderStats(publisher, index, "video");
        const audioStats = audio ? localAudioStats(audio, this.rates, `l${index}a`) : undefined;
        const videoStats = video ? localVideoStats(video, this.rates, `l${index}v`) : undefined;
        if (audioStats || videoStats)
          this.hooks.emit("onLocalStreamStats", { isScreen: isScreen(index), audioStats, videoStats });
      }
    }
    const streams = new Map<string, { userId: string; index: StreamIndex; audio?: RemoteTrack; video?: RemoteTrack }>();
    for (const t of this.remote.values()) {
      const key = `${t.index}:${t.userId}`;
      const s = streams.get(key) ?? { userId: t.userId, index: t.index };
      s[t.kind] = t;
      streams.set(key, s);
    }
    for (const s of streams.values()) {
      const audioStats = s.audio && (await this.receiverStats(s.audio));
      const videoStats = s.video && (await this.receiverStats(s.video));
      this.hooks.emit("onRemoteStreamStats", { userId: s.userId, isScreen: isScreen(s.index), audioStats, videoStats });
    }
    if (this.hooks.room() !== room) return;
    this.hooks.emit("onNetworkQuality", grade(this.uplink.end()), grade(this.downlink.end()));
  }

  /** A sending track's stats report, counted into the uplink's quality (null: not sending). */
  private async senderStats(publisher: Publisher, index: StreamIndex, kind: Kind): Promise<RTCStatsReport | null> {
    const sender = publisher.sender(index, kind);
    if (!sender?.track) return null;
    const report = await sender.getStats().catch(() => null);
    if (report) this.uplink.add(`${index}${kind}`, report, "up");
    return report;
  }

  /** A received track's figures, its report counted into the downlink's quality. */
  private async receiverStats(t: RemoteTrack): Promise<object | undefined> {
    const report = await t.receiver.getStats().catch(() => null);
    if (!report) return undefined;
    this.downlink.add(remoteKey(t.userId, t.index, t.kind), report, "down");
    return remoteTrackStats(t, report, this.rates);
  }
}
