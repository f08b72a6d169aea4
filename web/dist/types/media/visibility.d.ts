/**
 * Player visibility (`getLocalVideoPlayerVisibility`, `getRemotePlayerVisibility`,
 * `onPlayerVisibility`): whether each video player can be seen on the page and, if not, every
 * reason why, read from the page as it is laid out now. Reports go out every 30 s while any
 * video player exists, as the vendor's do. Depends on the players' view only.
 */
import { MediaType, StreamIndex } from "../generated/protocol";
import { VisibilityStatus } from "../enums/values";
import type { VideoPlayerView } from "./players";
/**
 * A player's visibility (the vendor's `PlayerVisibility`). `descriptor.streamId` is the id of a
 * WTN stream, for its player (`getWTNVideoPlayerVisibility`), which has no user id.
 */
export interface PlayerVisibility {
    /** Which player. */
    descriptor: {
        /** Whose stream (for a local player, the id the app gave it, or absent). */
        userId?: string;
        /** Always video: only video has players that can be seen. */
        mediaType: MediaType.VIDEO;
        /** Main or screen. */
        streamIndex?: StreamIndex;
        /** A WTN stream's id, for its player only (see above). */
        streamId?: string;
        /** The player, when not the default one. */
        playerId?: string;
    };
    /** `[PLAYER_VISIBLE]`, or every reason the player cannot be seen. */
    status: VisibilityStatus[];
}
/** How often `onPlayerVisibility` reports, as the vendor's SDK does. */
export declare const VISIBILITY_REPORT_MS = 30000;
/** The visibility of `view`'s element. */
export declare function visibilityOf(view: VideoPlayerView): PlayerVisibility;
/** Reports every video player's visibility every {@link VISIBILITY_REPORT_MS} while there are any. */
export declare class VisibilityReports {
    private readonly players;
    private readonly report;
    private timer;
    constructor(players: () => VideoPlayerView[], report: (all: PlayerVisibility[]) => void);
    /** The players changed: starts or stops the reports. */
    update(): void;
    /** Stops the reports. */
    stop(): void;
    private tick;
}
