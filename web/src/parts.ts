/**
 * The engine's parts and their wiring: the signalling {@link Connection}, the room
 * ({@link RoomSession}), the login ({@link LoginSession}), media ({@link MediaConductor}) and
 * device tests ({@link DeviceTests}), and what happens between them (server events, a
 * reconnect, a lost connection, tearing down), and the subscribe {@link FallbackSettings}. {@link RTCEngine} extends it with the app-facing
 * API; of that API only `destroy` lives here, as it is the wiring's undoing. It imports nothing
 * of the engine's face, so the two concerns stay apart.
 */
import { ConnectionState, ErrorCode, ReconnectReason, StreamIndex } from "./generated/protocol";
import { Emitter } from "./emitter";
import { rtcError } from "./errors";
import { warn } from "./log";
import { dispatchServerEvent } from "./dispatch";
import { Connection } from "./signal/connection";
import { signalUrl } from "./validate";
import { DEFAULT_REQUEST_TIMEOUT_MS, type RequestOptions, type ServerEvent } from "./signal/client";
import { messageOptions } from "./room/messages";
import { RoomSession } from "./room/session";
import { MediaConductor } from "./media/conductor";
import { LoginSession } from "./room/login";
import { FallbackSettings } from "./room/fallback";
import { DeviceTests } from "./media/devicetest";
import { DeviceWatch } from "./media/devicewatch";
import type { ConnectionStateChangeEvent, TrackEndedEvent } from "./payloads";
import type { RTCAutoPlayPolicy } from "./enums/values";
import { StreamResults } from "./room/results";
import { TransportWatch } from "./media/transport";
import { ExtensionHost } from "./extension/host";
import { CloudProxy } from "./cloudproxy";

/** Options of `createEngine`. */
export interface EngineConfig {
  /** The Chorus server, e.g. `https://rtc.example.com` (default: where the SDK was loaded from). */
  serverUrl?: string;
  /** How long a request may go unanswered before it fails with TIME_OUT, in ms (default 60 s). */
  requestTimeoutMs?: number;
  /** How long a message may go unanswered before it fails with USER_MESSAGE_TIMEOUT (default 10 s). */
  messageTimeoutMs?: number;
  /**
   * The vendor's autoplay policy. Accepted; Chorus's players always behave as AUTO_PLAY, the
   * vendor's default (the other policies are still to do).
   */
  autoPlayPolicy?: RTCAutoPlayPolicy;
  /** The vendor's data centre choice. Accepted and unused: `serverUrl` picks the Chorus server. */
  expectedIDC?: string;
}

/** The vendor's extra join parameters (`setJoinRoomParams`). */
export interface ExtraJoinRoomParams {
  /** The vendor's service type. */
  serviceType?: string;
  /** The vendor's tenant. */
  tenantId?: string;
  /** Anything else. */
  [key: string]: any;
}

const SCREEN = StreamIndex.STREAM_INDEX_SCREEN;

/** An engine's parts, wired; events come through {@link Emitter}'s face. */
export abstract class EngineParts extends Emitter {
  /** The app this engine belongs to. */
  readonly appId: string;
  protected readonly connection: Connection;
  protected readonly media: MediaConductor;
  protected readonly messageOptions: RequestOptions;
  protected readonly session: RoomSession;
  protected readonly rtm: LoginSession;
  protected destroyed = false;
  protected business = "";
  protected parameters = new Map<string, unknown>();
  protected readonly deviceTests: DeviceTests;
  /** Device plugging, for the device state events. */
  private readonly deviceWatch: DeviceWatch;
  protected readonly transports: TransportWatch;
  protected readonly extensions: ExtensionHost;
  protected joinRoomParams: ExtraJoinRoomParams = {};
  protected readonly fallback: FallbackSettings;
  protected readonly cloudProxy: CloudProxy;

  /** Use `VERTC.createEngine`. */
  constructor(appId: string, serverUrl: string, config: EngineConfig = {}) {
    super();
    this.appId = appId;
    this.messageOptions = messageOptions(config.messageTimeoutMs ?? 10_000);
    this.cloudProxy = new CloudProxy((event, payload) => this.emit(event, payload));
    this.connection = new Connection(
      () => signalUrl(this.cloudProxy.serverUrl(serverUrl), appId),
      config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      {
        event: (event) => this.onServerEvent(event),
        // Chorus's reasons are its own words (the console gets them); the event carries only
        // the vendor's ReconnectReason, when one applies (see ConnectionStateChangeEvent).
        state: (state, reason, vendorReason) => {
          if (reason) warn(`connection ${ConnectionState[state]}: ${reason}`);
          // A new socket: the server hears the fallback settings before anything else on it.
          if (
            state === ConnectionState.CONNECTION_STATE_CONNECTED ||
            state === ConnectionState.CONNECTION_STATE_RECONNECTED
          )
            this.fallback.connected();
          const event: ConnectionStateChangeEvent = vendorReason ? { state, reason: vendorReason } : { state };
          this.emit("onConnectionStateChanged", event);
        },
        restore: () => this.restore(),
        lost: (why) => this.onLost(why),
        needed: () => !this.destroyed && (this.session.room !== null || this.rtm.loggedIn),
      },
    );
    const results = new StreamResults(
      (event, payload) => this.emit(event, payload),
      () => this.session.room,
    );
    this.transports = new TransportWatch({
      userId: () => this.session.room?.userId,
      emit: (event, ...args) => this.emit(event, ...args),
    });
    this.extensions = new ExtensionHost({
      changed: (index, kind) => this.media.trackChanged(index, kind, this.media.capture.track(index, kind)),
      emit: (event, payload) => this.emit(event, payload),
    });
    this.fallback = new FallbackSettings(this.connection);
    this.media = new MediaConductor({
      call: (method, params) => this.connection.request(method, params),
      emit: (event, ...args) => this.emit(event, ...args),
      room: () => this.session.room,
      results,
      transport: (pc, role) => this.transports.watch(pc, role),
      outgoing: (index, kind, track) => this.extensions.outgoing(index, kind, track),
      publish: (index, mediaType, on) =>
        on
          ? this.session.publish(index, mediaType, "sendSEIMessage")
          : this.session.unpublish(index, mediaType, "sendSEIMessage"),
      ice: () => this.cloudProxy.rtcConfig(),
    });
    this.session = new RoomSession(this.connection, this.media, {
      live: () => this.live(),
      closeIfIdle: () => this.closeIfIdle(),
      results,
      answered: (iceServers, startedAt) => this.cloudProxy.answered(iceServers, startedAt),
      announce: (event) => this.onServerEvent(event),
    });
    this.rtm = new LoginSession(
      this.connection,
      () => this.closeIfIdle(),
      () => this.messageOptions,
    );
    this.deviceWatch = new DeviceWatch((event, info) => this.emit(event, info));
    this.media.capture.onChange = (index, kind, track) => {
      // A capture may have just been allowed: the device list shows ids from now on.
      if (track) this.deviceWatch.resnap();
      this.session.captureChanged(index, kind, track);
    };
    this.media.capture.onEnded = (index, kind) =>
      this.emit("onTrackEnded", { kind, isScreen: index === SCREEN, streamIndex: index } satisfies TrackEndedEvent);
    this.deviceTests = new DeviceTests({
      volume: (volume) => this.emit("onAudioPlaybackDeviceTestVolume", volume),
      sinkId: () => this.media.players.outputId,
      micId: () => this.media.capture.deviceId("audio"),
    });
  }

  // ----- internals -----

  /** Tears the engine down (`VERTC.destroyEngine`). */
  destroy(): void {
    if (this.destroyed) return;
    this.session.abandon();
    this.destroyed = true;
    this.rtm.forget();
    this.deviceTests.destroy();
    this.deviceWatch.destroy();
    this.extensions.destroy();
    this.media.destroy();
    this.connection.close();
    this.removeAllListeners();
  }

  /** Whether the engine is not destroyed. */
  get alive(): boolean {
    return !this.destroyed;
  }

  protected live(): void {
    if (this.destroyed) throw rtcError(ErrorCode.INVALID_ENGINE, "this engine was destroyed; create a new one");
  }

  /** A server event: the engine's state first, then the app. */
  protected onServerEvent(event: ServerEvent): void {
    dispatchServerEvent(event, {
      room: () => this.session.room,
      subscriberOffer: (offer) => this.media.subscriberOffer(offer),
      removedFromRoom: () => {
        this.session.exit();
        this.closeIfIdle();
      },
      loginEnded: () => {
        this.rtm.forget();
        this.closeIfIdle();
      },
      emit: (name, payload) => this.emit(name, payload),
    });
    this.session.heard(event);
    // A stream ban on this user: the room state dropped what it covers; stop sending it too.
    const { event: name, data } = event;
    if ((name === "onVideoStreamBanned" || name === "onAudioStreamBanned") && data.banned) {
      if (data.uid === this.session.room?.userId) this.media.publishChanged().catch(() => {});
    }
  }

  /**
   * A new socket after a drop: log in and rejoin as before. NODE_CHANGE when the room went on
   * in a new server session (the old one's node is gone, or the server had ended it).
   */
  protected async restore(): Promise<ReconnectReason | undefined> {
    await this.rtm.restore();
    return (await this.session.restore()) ? ReconnectReason.NODE_CHANGE : undefined;
  }

  protected onLost(why: string): void {
    const wasInRoom = this.session.exit() !== null;
    this.rtm.forget();
    this.emit("onError", {
      errorCode: ErrorCode.RECONNECT_FAILED,
      message: `lost the connection to the server (${why}); join again${wasInRoom ? "" : " or log in again"}`,
    });
  }

  protected closeIfIdle(): void {
    if (
      !this.session.room &&
      !this.rtm.loggedIn &&
      !this.session.joining &&
      this.connection.state !== ConnectionState.CONNECTION_STATE_DISCONNECTED
    )
      this.connection.close();
  }
}
