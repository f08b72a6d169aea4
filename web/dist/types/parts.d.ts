/**
 * The engine's parts and their wiring: the signalling {@link Connection}, the room
 * ({@link RoomSession}), the login ({@link LoginSession}), media ({@link MediaConductor}) and
 * device tests ({@link DeviceTests}), and what happens between them (server events, a
 * reconnect, a lost connection, tearing down), and the subscribe {@link FallbackSettings}. {@link RTCEngine} extends it with the app-facing
 * API; of that API only `destroy` lives here, as it is the wiring's undoing. It imports nothing
 * of the engine's face, so the two concerns stay apart.
 */
import { ReconnectReason } from "./generated/protocol";
import { Emitter } from "./emitter";
import { Connection } from "./signal/connection";
import { type RequestOptions, type ServerEvent } from "./signal/client";
import { RoomSession } from "./room/session";
import { MediaConductor } from "./media/conductor";
import { LoginSession } from "./room/login";
import { FallbackSettings } from "./room/fallback";
import { DeviceTests } from "./media/devicetest";
import type { RTCAutoPlayPolicy } from "./enums/values";
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
/** An engine's parts, wired; events come through {@link Emitter}'s face. */
export declare abstract class EngineParts extends Emitter {
    /** The app this engine belongs to. */
    readonly appId: string;
    protected readonly connection: Connection;
    protected readonly media: MediaConductor;
    protected readonly messageOptions: RequestOptions;
    protected readonly session: RoomSession;
    protected readonly rtm: LoginSession;
    protected destroyed: boolean;
    protected business: string;
    protected parameters: Map<string, unknown>;
    protected readonly deviceTests: DeviceTests;
    /** Device plugging, for the device state events. */
    private readonly deviceWatch;
    protected readonly transports: TransportWatch;
    protected readonly extensions: ExtensionHost;
    protected joinRoomParams: ExtraJoinRoomParams;
    protected readonly fallback: FallbackSettings;
    protected readonly cloudProxy: CloudProxy;
    /** Use `VERTC.createEngine`. */
    constructor(appId: string, serverUrl: string, config?: EngineConfig);
    /** Tears the engine down (`VERTC.destroyEngine`). */
    destroy(): void;
    /** Whether the engine is not destroyed. */
    get alive(): boolean;
    protected live(): void;
    /** A server event: the engine's state first, then the app. */
    protected onServerEvent(event: ServerEvent): void;
    /**
     * A new socket after a drop: log in and rejoin as before. NODE_CHANGE when the room went on
     * in a new server session (the old one's node is gone, or the server had ended it).
     */
    protected restore(): Promise<ReconnectReason | undefined>;
    protected onLost(why: string): void;
    protected closeIfIdle(): void;
}
