/**
 * Subscribe fallback settings (`setSubscribeFallbackOption`, `setRemoteUserPriority`): the
 * engine keeps them and the server applies them to what this client receives. The vendor sets
 * them before joining, so they are sent whenever a socket opens (before the join goes out on it)
 * and at once when one is open; a send that fails is only logged, as the vendor's calls answer
 * synchronously. The server's steps come back as `onSimulcastSubscribeFallback`.
 */
import { ID_PATTERN, RemoteUserPriority, SubscribeFallbackOption } from "../generated/protocol";
import type { Connection } from "../signal/connection";
import { warn } from "../log";

/** Most users a priority is kept for (the server keeps as many). */
export const MAX_PRIORITIES = 256;

/** The engine's fallback settings. */
export class FallbackSettings {
  private option: SubscribeFallbackOption | null = null;
  private readonly priorities = new Map<string, RemoteUserPriority>();

  constructor(private readonly connection: Connection) {}

  /** Keeps `option` and sends it if connected; false for a value that is not an option. */
  setOption(option: SubscribeFallbackOption): boolean {
    if (!Object.values(SubscribeFallbackOption).includes(option)) {
      warn(`setSubscribeFallbackOption: ${JSON.stringify(option)} is not a SubscribeFallbackOption`);
      return false;
    }
    this.option = option;
    if (this.connection.open) this.sendOption(option);
    return true;
  }

  /** Keeps `userId`'s priority and sends it if connected; false for a bad id or priority. */
  setPriority(userId: string, priority: RemoteUserPriority): boolean {
    if (typeof userId !== "string" || !ID_PATTERN.test(userId)) {
      warn(`setRemoteUserPriority: ${JSON.stringify(userId)} is not a user id`);
      return false;
    }
    if (!Object.values(RemoteUserPriority).includes(priority)) {
      warn(`setRemoteUserPriority: ${JSON.stringify(priority)} is not a RemoteUserPriority`);
      return false;
    }
    if (!this.priorities.has(userId) && this.priorities.size >= MAX_PRIORITIES) {
      warn(`setRemoteUserPriority: priorities are kept for at most ${MAX_PRIORITIES} users`);
      return false;
    }
    this.priorities.set(userId, priority);
    if (this.connection.open) this.sendPriority(userId, priority);
    return true;
  }

  /** A socket opened: the server hears every setting again. */
  connected(): void {
    if (this.option !== null) this.sendOption(this.option);
    for (const [userId, priority] of this.priorities) this.sendPriority(userId, priority);
  }

  private sendOption(option: SubscribeFallbackOption): void {
    this.connection
      .request("setSubscribeFallbackOption", { option })
      .catch((e) => warn("setSubscribeFallbackOption:", e.message));
  }

  private sendPriority(userId: string, priority: RemoteUserPriority): void {
    this.connection
      .request("setRemoteUserPriority", { userId, priority })
      .catch((e) => warn("setRemoteUserPriority:", e.message));
  }
}
