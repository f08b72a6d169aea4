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
export const VISIBILITY_REPORT_MS = 30_000;

/** Smallest side, in CSS pixels, at which a player still counts as seen. */
const MIN_SIDE_PX = 2;

/** The visibility of `view`'s element. */
export function visibilityOf(view: VideoPlayerView): PlayerVisibility {
  const descriptor: PlayerVisibility["descriptor"] = { mediaType: MediaType.VIDEO, streamIndex: view.index };
  if (view.userId) descriptor.userId = view.userId;
  if (view.playerId !== undefined) descriptor.playerId = view.playerId;
  return { descriptor, status: statusOf(view.el) };
}

function statusOf(el: HTMLElement): VisibilityStatus[] {
  if (!el.isConnected) return [VisibilityStatus.PLAYER_INVISIBLE_BY_UNMOUNT];
  // A player hidden by its style has no layout worth judging.
  if (hiddenByStyle(el)) return [VisibilityStatus.PLAYER_INVISIBLE_BY_STYLE];
  const out: VisibilityStatus[] = [];
  const rect = el.getBoundingClientRect();
  if (rect.width < MIN_SIDE_PX || rect.height < MIN_SIDE_PX) out.push(VisibilityStatus.PLAYER_INVISIBLE_BY_SIZE);
  const viewW = document.documentElement.clientWidth || window.innerWidth;
  const viewH = document.documentElement.clientHeight || window.innerHeight;
  const inside = rect.right > 0 && rect.bottom > 0 && rect.left < viewW && rect.top < viewH;
  if (!inside) out.push(VisibilityStatus.PLAYER_INVISIBLE_BY_POSITION);
  else if (out.length === 0 && covered(el, rect, viewW, viewH)) out.push(VisibilityStatus.PLAYER_INVISIBLE_BY_COVERED);
  return out.length ? out : [VisibilityStatus.PLAYER_VISIBLE];
}

/** Whether `el` or an ancestor is hidden by `display`, `visibility` or `opacity`. */
function hiddenByStyle(el: HTMLElement): boolean {
  const own = getComputedStyle(el);
  if (own.visibility === "hidden" || own.visibility === "collapse") return true;
  for (let node: Element | null = el; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.display === "none" || Number(style.opacity) === 0) return true;
  }
  return false;
}

/**
 * Whether something else is on top of `el` at each of five points (its centre and the centres
 * of its quarters) that lie in the viewport: covered only where all of them are.
 */
function covered(el: HTMLElement, rect: DOMRect, viewW: number, viewH: number): boolean {
  const points: [number, number][] = [
    [0.5, 0.5],
    [0.25, 0.25],
    [0.75, 0.25],
    [0.25, 0.75],
    [0.75, 0.75],
  ];
  let seen = 0;
  let checked = 0;
  for (const [fx, fy] of points) {
    const x = rect.left + rect.width * fx;
    const y = rect.top + rect.height * fy;
    if (x < 0 || y < 0 || x >= viewW || y >= viewH) continue;
    checked++;
    const top = document.elementFromPoint(x, y);
    if (top && (top === el || el.contains(top))) seen++;
  }
  return checked > 0 && seen === 0;
}

/** Reports every video player's visibility every {@link VISIBILITY_REPORT_MS} while there are any. */
export class VisibilityReports {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly players: () => VideoPlayerView[],
    private readonly report: (all: PlayerVisibility[]) => void,
  ) {}

  /** The players changed: starts or stops the reports. */
  update(): void {
    const any = this.players().length > 0;
    if (any && !this.timer) this.timer = setInterval(() => this.tick(), VISIBILITY_REPORT_MS);
    if (!any) this.stop();
  }

  /** Stops the reports. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const all = this.players();
    if (all.length === 0) return this.stop();
    this.report(all.map(visibilityOf));
  }
}
