/**
 * What the engine knows of the room it is in: how it joined, who else is there and what they
 * publish, what it publishes itself, and (in {@link Roster} and {@link Reception}) what the app
 * was told and asked for. Server events update it here before the app hears of
 * them, so a handler that calls back into the engine sees the new state.
 */
import { MediaType, StreamIndex, type JoinRoomParams, type RoomConfig, type UserInfo } from "../generated/protocol";
import type { ServerEvent } from "../signal/client";
import { Roster } from "./roster";
import { Reception } from "./reception";
/** A bit mask of {@link MediaType} (audio 1, video 2). */
export type MediaMask = number;
/** Another user in the room. */
export interface RemoteUser {
    /** Who. */
    userInfo: UserInfo;
    /** What each stream publishes: index 0 main, 1 screen. */
    published: [MediaMask, MediaMask];
}
/** A joined room. */
export declare class RoomState {
    params: JoinRoomParams;
    /** Others in the room, by user id. */
    readonly users: Map<string, RemoteUser>;
    /** What this engine publishes per stream index. */
    readonly published: [MediaMask, MediaMask];
    /** Whether others can see this user. */
    visible: boolean;
    /** This stay's id for `getCallId`: Chorus's server names no call, so the SDK makes one. */
    readonly callId: string;
    /** The others as the app was told of them, which a rejoin that could not resume must not repeat. */
    readonly roster: Roster;
    /** What the app asked to receive, asked for again after such a rejoin. */
    readonly reception: Reception;
    constructor(params: JoinRoomParams);
    /** The room id. */
    get roomId(): string;
    /** The local user id. */
    get userId(): string;
    /** The room config of the join, defaults filled in. */
    get config(): Required<Pick<RoomConfig, "isAutoPublish" | "isAutoSubscribeAudio" | "isAutoSubscribeVideo">> & RoomConfig;
    /** Applies a server event that changes the room; other events leave it as it is. */
    apply({ event, data }: ServerEvent): void;
    /** Whether `userId` publishes `mediaType` (any of it) on `index`. */
    remotePublishes(userId: string, index: StreamIndex, mediaType: MediaType): boolean;
}
