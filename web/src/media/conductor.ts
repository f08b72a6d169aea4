/**
 * The media conductor (the native SDK has one by the same name): one per engine, it ties capture, the two transports, players and stats to
 * the room. Tracks flow to the publisher when captured and published; received tracks flow to
 * players; the transports live exactly as long as one server session of the room.
 */
import type { SEIMessageEvent, SEIStreamUpdateEvent } from "../payloads";
import { SEIStreamEventType } from "../enums/values";
import { ErrorCode, MediaType, StreamIndex, type SubscriberOfferEvent } from "../generated/protocol";
import { asRtcError, rtcError } from "../errors";
import type { RoomState } from "../room/state";
import { LocalMedia, type Kind } from "./capture";
import { Players } from "./players";
import { snapshot } from "./snapshot";
import { Publisher, type Call } from "./publisher";
import { STATS_INTERVAL_MS, watchFirstFrame, isScreen } from "./stats";
import { figures, StatsBook, StatsDeltas, type StatsRound } from "./statsgetters";
import { SeiChannel, type ReceiverOwner } from "./sei";
import { SeiCarrier } from "./seicarrier";
import { StatsExceptions } from "./statsexceptions";
import { Subscriber, remoteKey, type RemoteTrack } from "./subscriber";
import { grade, LinkMeter } from "./quality";
import { AudioHub } from "./audiohub";
import { Volumes, type RemoteAudio } from "./volume";
import { AudioFrames } from "./audioframes";
import { AudioReports } from "./audioreport";
import { AudioProfile } from "./audioprofile";
import { VideoParts } from "./videoparts";
import { warn } from "../log";
import type { StreamResults } from "../room/results";
import type { TransportRole } from "./transport";

/** What the conductor needs from the engine. */
export interface HubHooks {
  /** Sends a signalling request. */
  call: Call;
  /** Emits an engine event. */
  emit(event: string, ...args: unknown[]): void;
  /** The room, when joined. */
  room(): RoomState | null;
  /** Publish and subscribe results, for the app's events. */
  results: StreamResults;
  /** A media transport was made (for the transport's events and the engine's `peerConnection`). */
  transport(pc: RTCPeerConnection, role: TransportRole): void;
  /** The track to send for a captured one (an extension's output; null while it is made). */
  outgoing(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): MediaStreamTrack | null;
  /** Publishes (or unpublishes) `mediaType` of `index` as the app's publishStream would. */
  publish(index: StreamIndex, mediaType: MediaType, on: boolean): Promise<void>;
  /** The configuration of a new media transport: its ICE servers and policy. */
  ice(): RTCConfiguration;
}

const LINES: [StreamIndex, Kind][] = [
  [StreamIndex.STREAM_INDEX_MAIN, "audio"],
  [StreamIndex.STREAM_INDEX_MAIN, "video"],
  [StreamIndex.STREAM_INDEX_SCREEN, "video"],
  [StreamIndex.STREAM_INDEX_SCREEN, "audio"],
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
  /** The latest figures, sampled every second, for the stats getters. */
  readonly stats = new StatsBook();
  private getterDeltas = new StatsDeltas();
  private eventDeltas = new StatsDeltas();
  private exceptions = new StatsExceptions();
  private statsTick = 0;
  /** Whether a publisher transport set up from now on sends the camera as simulcast layers. */
  simulcast = false;
  private uplink = new LinkMeter();
  private downlink = new LinkMeter();
  /** The engine's Web Audio context. */
  readonly audioHub = new AudioHub();
  /** Capture, playback and in-ear monitoring volumes, and levels. */
  readonly volumes: Volumes;
  /** Audio frame callbacks. */
  readonly audioFrames: AudioFrames;
  /** Audio level reports. */
  readonly audioReports: AudioReports;
  /** Audio capture and encoding settings. */
  readonly audioProfile = new AudioProfile();
  /** Audio mixing, once the app asked for it: it may send a mix in place of the microphone. */
  mixing: { sendTrack(mic: MediaStreamTrack | null): MediaStreamTrack | null; destroy(): void } | null = null;
  /** SEI messages in the sent and received video. */
  private readonly sei = new SeiChannel(
    (receiver) => this.ownerOf(receiver),
    (from, sei) => this.seiReceived(from, sei),
    (from, black) => this.blackChanged(from, black),
  );
  /** The black-frame video that carries SEI while no camera video is sent. */
  private readonly carrier: SeiCarrier;
  /** Received streams that are black-frame carriers now (`index:userId`). */
  private blackStreams = new Set<string>();
  /** Encoding, mirroring, visibility, placeholders and the events of players and local tracks. */
  readonly video: VideoParts;

  constructor(private readonly hooks: HubHooks) {
    const MAIN = StreamIndex.STREAM_INDEX_MAIN;
    this.carrier = new SeiCarrier({
      published: () => hooks.room()?.published[MAIN] ?? null,
      sender: () => this.publisher?.sender(MAIN, "video"),
      resync: () => this.syncTracks(),
      publish: (on) => hooks.publish(MAIN, MediaType.VIDEO, on),
      mark: (sender, on) => this.sei.markBlack(sender, on),
      send: (sender, message, repeatCount, multi) => this.sei.send(sender, message, repeatCount, multi),
    });
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
    this.volumes = new Volumes(this.audioHub, {
      local: (index) => this.capture.track(index, "audio"),
      remote: () => this.remoteAudio(),
      sendChanged: () => void this.syncTracks(),
      muteElement: (userId, index, muted) => this.players.muteAudio(userId, index, muted),
    });
    this.audioFrames = new AudioFrames(this.audioHub, (index, userId) =>
      userId === "" ? this.volumes.output(index) : this.remoteTrack(userId, index, "audio"),
    );
    this.audioReports = new AudioReports(this.volumes, {
      room: () => hooks.room(),
      emit: (event, ...args) => hooks.emit(event, ...args),
      hasLocal: (index) => this.capture.track(index, "audio") !== null,
      remote: () => this.remoteAudio(),
    });
    this.capture.audioConstraints = () => this.audioProfile.constraints();
  }

  /** The audio tracks received now. */
  private remoteAudio(): RemoteAudio[] {
    return [...this.remote.values()].filter((t) => t.kind === "audio");
  }

  /** Local or received audio tracks changed, or an audio setting: the Web Audio graph follows. */
  audioChanged(): void {
    this.volumes.reconcile();
    this.audioFrames.reconcile();
    if (this.audioHub.started) this.audioHub.prune(this.volumes.inUse());
  }

  /** A local track changed: players and the publisher follow. */
  trackChanged(index: StreamIndex, kind: Kind, track: MediaStreamTrack | null): void {
    if (kind === "video") this.players.localTrack(index, track);
    else this.audioChanged();
    // The camera takes over from the black-frame carrier: a voice call became a video call.
    if (index === StreamIndex.STREAM_INDEX_MAIN && kind === "video" && track) this.carrier.end(false);
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
    // The getters' figures every second, the events every other second.
    this.statsTimer ??= setInterval(() => void this.sampleStats(), STATS_INTERVAL_MS / 2);
    this.audioReports.joined();
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
    this.audioReports.left();
    this.stats.clear();
    this.exceptions.clear();
    this.sei.reset();
    this.carrier.reset();
    this.blackStreams.clear();
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
      publisher = new Publisher(
        this.hooks.call,
        this.video.encoding.sendEncodings() ?? this.simulcast,
        this.audioProfile.stereo,
        (sender) => this.sei.prepare(sender),
        this.video.encoding.camera.preferCodecName,
        this.hooks.ice(),
      );
      publisher.maxKbps = this.capture.encoderConfig.maxKbps;
      publisher.onTrackSet = (index, kind, sender) => this.video.encoding.tune(index, sender);
      this.publisher = publisher;
      this.hooks.transport(publisher.pc, "publisher");
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
    const room = this.hooks.room();
    const indexes = [StreamIndex.STREAM_INDEX_MAIN, StreamIndex.STREAM_INDEX_SCREEN].filter((i) => room?.published[i]);
    for (const index of indexes) this.hooks.results.retrying(index);
    void this.republish(0).then((ok) => {
      if (ok && this.hooks.room() === room) for (const index of indexes) this.hooks.results.published(index, "retry");
    });
  }

  /**
   * Sets up a publisher transport again, retrying while signalling cannot reach the server;
   * whether one is up in the end.
   */
  private async republish(attempt: number): Promise<boolean> {
    if (!this.hooks.room() || this.publisher) return false;
    try {
      await this.publishChanged();
      return true;
    } catch (e) {
      warn("republish:", (e as Error).message);
      if (attempt >= 8) return false;
      await new Promise((r) => setTimeout(r, 500 * 2 ** Math.min(attempt, 4)));
      return this.republish(attempt + 1);
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
      const sub = new Subscriber(this.hooks.call, this.hooks.ice());
      this.hooks.transport(sub.pc, "subscriber");
      sub.onTracks = (tracks) => {
        if (this.subscriber === sub) this.setRemote(tracks);
      };
      sub.onError = (e) => warn("subscriber transport:", e.message);
      sub.onVideoReceiver = (receiver) => this.sei.watch(receiver);
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
    this.sei.close();
    this.video.destroy();
    this.capture.destroy();
    this.players.destroy();
    this.audioFrames.destroy();
    this.volumes.destroy();
    this.audioHub.destroy();
    this.mixing?.destroy();
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
        const raw = this.capture.track(index, kind);
        // The placeholder picture fills in for the camera while it is off and the video published.
        // So does the black-frame carrier of SEI when there is no placeholder.
        const placeholder =
          kind === "video" && on && !raw
            ? (this.video.dummies.track(index) ??
              (index === StreamIndex.STREAM_INDEX_MAIN ? this.carrier.track() : null))
            : null;
        if (kind === "video" && !placeholder) this.video.dummies.idle(index);
        if (!on || placeholder) return publisher.setTrack(index, kind, on ? placeholder : null);
        // Capture, then its volume, then the extensions; the mix goes out in place of the
        // microphone, added last so the extensions never process it.
        const captured = kind === "audio" ? this.volumes.output(index) : raw;
        let track = this.hooks.outgoing(index, kind, captured);
        if (this.mixing && index === StreamIndex.STREAM_INDEX_MAIN && kind === "audio")
          track = this.mixing.sendTrack(track);
        return publisher.setTrack(index, kind, track);
      }),
    );
    await this.applyAudioProfile();
  }

  private setRemote(tracks: Map<string, RemoteTrack>): void {
    const before = this.remote;
    this.remote = tracks;
    this.hooks.results.arrived(tracks.values());
    for (const [key, t] of before) {
      if (tracks.get(key)?.track === t.track) continue;
      if (t.kind === "video") {
        this.sei.unwatch(t.receiver);
        this.blackChanged(t, false);
      }
      this.watchers.get(key)?.();
      this.watchers.delete(key);
      if (!tracks.has(key)) this.route(t, null);
    }
    for (const [key, t] of tracks) {
      if (before.get(key)?.track === t.track) continue;
      this.route(t, t.track);
      if (t.kind === "video" && this.sei.isBlack(t.receiver)) this.blackChanged(t, true);
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
    this.audioChanged();
  }

  /** Applies the audio encoder's cap to the audio senders. */
  async applyAudioProfile(): Promise<void> {
    const publisher = this.publisher;
    if (!publisher) return;
    for (const [index, kind] of LINES)
      if (kind === "audio") await this.audioProfile.apply(publisher.sender(index, kind));
  }

  private route(t: RemoteTrack, track: MediaStreamTrack | null): void {
    if (t.kind === "video") this.players.remoteTrack(t.userId, t.index, track);
    else this.players.remoteAudio(t.userId, t.index, track);
  }

  /**
   * Queues `message` for the next `repeatCount + 1` frames of the video sent on `index`
   * (checked by the caller); `multi` lets a frame carry several messages.
   */
  sendSei(index: StreamIndex, message: Uint8Array, repeatCount: number, multi: boolean): void {
    const room = this.hooks.room();
    if (!room)
      throw rtcError(ErrorCode.NOT_CONNECTED_YET, "sendSEIMessage: SEI travels in published video; join a room first");
    const sender = this.publisher?.sender(index, "video");
    const sending = !!sender?.track && (room.published[index] & MediaType.VIDEO) !== 0;
    if (
      index === StreamIndex.STREAM_INDEX_MAIN &&
      !this.capture.track(index, "video") &&
      (this.carrier.active || !sending)
    )
      return this.carrier.sendMessage(message, repeatCount, multi);
    if (!sender?.track || !sending)
      throw rtcError(
        ErrorCode.STREAM_NOT_EXIST,
        `sendSEIMessage: no video is published on stream ${index}; SEI travels in the video frames`,
      );
    const codec = sender.getParameters().codecs?.[0]?.mimeType;
    if (codec && codec.toLowerCase() !== "video/h264")
      throw rtcError(ErrorCode.NOT_SUPPORTED, `sendSEIMessage: SEI needs H.264 video; this stream sends ${codec}`);
    this.sei.send(sender, message, repeatCount, multi);
  }

  /** The frame rate of the video sent on `index` (0 when unknown). */
  sentFrameRate(index: StreamIndex): number {
    return this.publisher?.sender(index, "video")?.track?.getSettings().frameRate ?? 0;
  }

  /** A received stream became, or stopped being, a black-frame carrier. */
  private blackChanged(from: ReceiverOwner, black: boolean): void {
    const key = `${from.index}:${from.userId}`;
    if (black === this.blackStreams.has(key)) return;
    if (black) this.blackStreams.add(key);
    else this.blackStreams.delete(key);
    const payload: SEIStreamUpdateEvent = {
      userId: from.userId,
      isScreen: isScreen(from.index),
      type: black ? SEIStreamEventType.BLACK : SEIStreamEventType.NORMAL,
    };
    this.hooks.emit("onSEIStreamUpdate", payload);
  }

  private ownerOf(receiver: RTCRtpReceiver): ReceiverOwner | null {
    for (const t of this.remote.values()) if (t.receiver === receiver && t.kind === "video") return t;
    return null;
  }

  private seiReceived(from: ReceiverOwner, sei: Uint8Array): void {
    const room = this.hooks.room();
    if (!room) return;
    const payload: SEIMessageEvent = {
      remoteStreamKey: { roomId: room.roomId, userId: from.userId, streamIndex: from.index },
      sei,
    };
    this.hooks.emit("onSEIMessageReceived", payload);
  }

  /**
   * Samples the senders' and receivers' reports: the getters' figures each time, the stats
   * events and the network quality every other time (each over its own interval).
   */
  private async sampleStats(): Promise<void> {
    const room = this.hooks.room();
    if (!room) return;
    const report = this.statsTick++ % 2 === 1;
    if (report) {
      this.uplink.begin();
      this.downlink.begin();
    }
    const round: StatsRound = { local: [], remote: [] };
    const publisher = this.publisher;
    if (publisher) {
      for (const index of [StreamIndex.STREAM_INDEX_MAIN, StreamIndex.STREAM_INDEX_SCREEN]) {
        if (!room.published[index]) continue;
        const audio = await this.senderStats(publisher, index, "audio", report);
        const video = await this.senderStats(publisher, index, "video", report);
        if (!audio && !video) continue;
        const track = publisher.sender(index, "audio")?.track ?? null;
        round.local.push({ index, audio: audio && { report: audio, track }, video });
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
      const audio = s.audio ? await this.receiverStats(s.audio, report) : null;
      const video = s.video ? await this.receiverStats(s.video, report) : null;
      round.remote.push({ userId: s.userId, index: s.index, audio, video });
    }
    if (this.hooks.room() !== room) return;
    this.stats.set(figures(round, this.getterDeltas));
    if (!report) return;
    const f = figures(round, this.eventDeltas);
    for (const s of f.local) this.hooks.emit("onLocalStreamStats", s);
    for (const s of f.remote) this.hooks.emit("onRemoteStreamStats", s);
    const exceptions = this.exceptions.judge(
      f.local.map((stats, i) => ({ stats, sends: { audio: !!round.local[i].audio, video: !!round.local[i].video } })),
      f.remote.map((stats, i) => ({
        stats,
        receives: { audio: !!round.remote[i].audio, video: !!round.remote[i].video },
      })),
    );
    for (const e of exceptions.local) this.hooks.emit("onLocalStatsException", e);
    for (const e of exceptions.remote) this.hooks.emit("onRemoteStatsException", e);
    this.hooks.emit("onNetworkQuality", grade(this.uplink.end()), grade(this.downlink.end()));
  }

  /** A sending track's stats report, counted into the uplink's quality (null: not sending). */
  private async senderStats(
    publisher: Publisher,
    index: StreamIndex,
    kind: Kind,
    link: boolean,
  ): Promise<RTCStatsReport | null> {
    const sender = publisher.sender(index, kind);
    if (!sender?.track) return null;
    const report = await sender.getStats().catch(() => null);
    if (report && link) this.uplink.add(`${index}${kind}`, report, "up");
    return report;
  }

  /** A received track's report, counted into the downlink's quality when `link`. */
  private async receiverStats(t: RemoteTrack, link: boolean): Promise<RTCStatsReport | null> {
    const report = await t.receiver.getStats().catch(() => null);
    if (report && link) this.downlink.add(remoteKey(t.userId, t.index, t.kind), report, "down");
    return report;
  }
}
