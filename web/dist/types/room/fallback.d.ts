/**
 * Subscribe fallback settings (`setSubscribeFallbackOption`, `setRemoteUserPriority`): the
 * engine keeps them and the server applies them to what this client receives. The vendor sets
 * them before joining, so they are sent whenever a socket opens (before the join goes out on it)
 * and at once when one is open; a send that fails is only logged, as the vendor's calls answer
 * synchronously. The server's steps come back as `onSimulcastSubscribeFallback`.
 */
import { RemoteUserPriority, SubscribeFallbackOption } from "../generated/protocol";
import type { Connection } from "../signal/connection";
/** Most users a priority is kept for (the server keeps as many). */
export declare const MAX_PRIORITIES = 256;
/** The engine's fallback settings. */
export declare class FallbackSettings {
    private readonly connection;
    private option;
    private readonly priorities;
    constructor(connection: Connection);
    /** Keeps `option` and sends it if connected; false for a value that is not an option. */
    setOption(option: SubscribeFallbackOption): boolean;
    /** Keeps `userId`'s priority and sends it if connected; false for a bad id or priority. */
    setPriority(userId: string, priority: RemoteUserPriority): boolean;
    /** A socket opened: the server hears every setting again. */
    connected(): void;
    private sendOption;
    private sendPriority;
}
