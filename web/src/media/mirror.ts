/**
 * Render mirroring (`setLocalVideoMirrorType`, `setRemoteVideoMirrorType`): a player shows its
 * picture flipped left to right when its stream is set to `MIRROR_TYPE_RENDER`. Only what is
 * shown flips (a CSS transform on the player's element); what is captured, sent and snapshotted
 * stays as it is, as the vendor's Web SDK does (browsers cannot mirror what they encode).
 * Depends on the players' view only, so the players need not know about mirroring.
 */
import { ErrorCode, StreamIndex } from "../generated/protocol";
import { MirrorType } from "../enums/values";
import { rtcError } from "../errors";
import type { VideoPlayerView } from "./players";

/** The mirror settings of an engine's streams; local ones apply to the main stream. */
export class Mirrors {
  /** The local camera's type (the screen stream is never mirrored). Default: none. */
  private local = MirrorType.MIRROR_TYPE_NONE;
  /** Remote streams' types by `index:userId`. */
  private remote = new Map<string, MirrorType>();

  constructor(private readonly players: () => VideoPlayerView[]) {}

  /** Sets the local camera's type and applies it to its players. */
  setLocal(type: MirrorType): void {
    this.local = check(type, "setLocalVideoMirrorType");
    this.refresh();
  }

  /** Sets the type of `userId`'s stream `index` and applies it to its players. */
  setRemote(userId: string, index: StreamIndex, type: MirrorType): void {
    const checked = check(type, "setRemoteVideoMirrorType");
    if (checked === MirrorType.MIRROR_TYPE_NONE) this.remote.delete(key(userId, index));
    else this.remote.set(key(userId, index), checked);
    this.refresh();
  }

  /** Applies the type of `view`'s stream to it (a player just bound or given a track). */
  apply(view: VideoPlayerView): void {
    const type =
      view.owner === ""
        ? view.index === StreamIndex.STREAM_INDEX_MAIN
          ? this.local
          : MirrorType.MIRROR_TYPE_NONE
        : (this.remote.get(key(view.owner, view.index)) ?? MirrorType.MIRROR_TYPE_NONE);
    view.el.style.transform = type === MirrorType.MIRROR_TYPE_RENDER ? "scaleX(-1)" : "";
  }

  private refresh(): void {
    for (const view of this.players()) this.apply(view);
  }
}

function key(userId: string, index: StreamIndex): string {
  return `${index}:${userId}`;
}

function check(type: MirrorType, method: string): MirrorType {
  if (type !== MirrorType.MIRROR_TYPE_NONE && type !== MirrorType.MIRROR_TYPE_RENDER)
    throw rtcError(
      ErrorCode.INVALID_PARAMS,
      `${method}: pass MirrorType.MIRROR_TYPE_NONE (0) or MirrorType.MIRROR_TYPE_RENDER (1)`,
    );
  return type;
}
