/**
 * What the app asked to receive in the room: the streams it subscribed to itself
 * (`subscribeStream` / `subscribeScreen`, with their media types), the simulcast layer it
 * chose per user (`setRemoteSimulcastStreamType`) and what it paused
 * (`pauseAllSubscribedStream`), so that a rejoin which could not resume asks for them again.
 * Pure data: the session sends the requests.
 *
 * The server keeps a subscription while its publisher is away, but refuses one to a stream not
 * published (STREAM_NOT_EXIST), and after a rejoin as a new session the others come back one by
 * one. So the layers and the pause are asked for at once (the server keeps a choice about
 * someone not back yet, and a pause covers what is subscribed later), and each subscription
 * when its stream is published again. The native SDK
 * (crates/sdk/src/room.rs) restores the same way.
 */
import { MediaType, StreamIndex, type SimulcastStreamType } from "../generated/protocol";

/** Subscribed media per stream index (0 main, 1 screen), as masks. */
type Masks = [number, number];

/** A subscribe request to make again. */
export interface Resubscribe {
  /** The publisher. */
  userId: string;
  /** Main or screen. */
  index: StreamIndex;
  /** What to subscribe to. */
  mediaType: MediaType;
}

/** The app's own subscriptions and layer choices in one room. */
export class Reception {
  private subscribed = new Map<string, Masks>();
  private layers = new Map<string, SimulcastStreamType>();
  /** The media types paused, as a mask. */
  private paused = 0;
  /** After a rejoin: subscriptions not asked for again yet. */
  private pending = new Map<string, Masks>();

  /** The app subscribed to (`on`) or unsubscribed from `mediaType` of `userId`'s stream `index`. */
  subscription(userId: string, index: StreamIndex, mediaType: MediaType, on: boolean): void {
    for (const map of on ? [this.subscribed] : [this.subscribed, this.pending]) {
      const masks = map.get(userId) ?? [0, 0];
      masks[index] = on ? masks[index] | mediaType : masks[index] & ~mediaType;
      if (masks[0] || masks[1]) map.set(userId, masks);
      else map.delete(userId);
    }
  }

  /** The app chose `layer` of `userId`'s video. */
  layer(userId: string, layer: SimulcastStreamType): void {
    this.layers.set(userId, layer);
  }

  /** The app paused (`on`) or resumed what it receives of `mediaType`. */
  pause(mediaType: MediaType, on: boolean): void {
    this.paused = on ? this.paused | mediaType : this.paused & ~mediaType;
  }

  /**
   * The engine rejoined as a new session, which receives nothing yet: every subscription waits
   * for its stream to be published again. Answers the layer choices to make again now, and
   * what to pause again (0: nothing).
   */
  rejoined(): { layers: [string, SimulcastStreamType][]; paused: number } {
    this.pending = new Map([...this.subscribed].map(([user, [main, screen]]) => [user, [main, screen]]));
    return { layers: [...this.layers], paused: this.paused };
  }

  /** `userId` published `mediaType` on `index`: what of it to subscribe to again, if anything. */
  published(userId: string, index: StreamIndex, mediaType: MediaType): Resubscribe | null {
    const masks = this.pending.get(userId);
    const again = (masks?.[index] ?? 0) & mediaType;
    if (!masks || !again) return null;
    masks[index] &= ~again;
    if (!masks[0] && !masks[1]) this.pending.delete(userId);
    return { userId, index, mediaType: again };
  }
}
