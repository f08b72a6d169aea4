/**
 * Render mirroring (`setLocalVideoMirrorType`, `setRemoteVideoMirrorType`): a player shows its
 * picture flipped left to right when its stream is set to `MIRROR_TYPE_RENDER`. Only what is
 * shown flips (a CSS transform on the player's element); what is captured, sent and snapshotted
 * stays as it is, as the vendor's Web SDK does (browsers cannot mirror what they encode).
 * Depends on the players' view only, so the players need not know about mirroring.
 */
import { StreamIndex } from "../generated/protocol";
import { MirrorType } from "../enums/values";
import type { VideoPlayerView } from "./players";
/** The mirror settings of an engine's streams; local ones apply to the main stream. */
export declare class Mirrors {
    private readonly players;
    /** The local camera's type (the screen stream is never mirrored). Default: none. */
    private local;
    /** Remote streams' types by `index:userId`. */
    private remote;
    constructor(players: () => VideoPlayerView[]);
    /** Sets the local camera's type and applies it to its players. */
    setLocal(type: MirrorType): void;
    /** Sets the type of `userId`'s stream `index` and applies it to its players. */
    setRemote(userId: string, index: StreamIndex, type: MirrorType): void;
    /** Applies the type of `view`'s stream to it (a player just bound or given a track). */
    apply(view: VideoPlayerView): void;
    private refresh;
}
