/**
 * Argument checks shared by the engine's methods: ids, extraInfo, media types, stream indexes.
 * They fail at once with INVALID_PARAMS and say what a valid value looks like; the limits are
 * the contract's, generated from crates/proto.
 */
import { MediaType, StreamIndex } from "./generated/protocol";
/** Throws INVALID_PARAMS unless `id` is a valid room or user id. */
export declare function checkId(id: unknown, what: string, method: string): void;
/** Throws INVALID_PARAMS when `extraInfo` is over the contract's limit. */
export declare function checkExtraInfo(extraInfo: string | undefined, method: string): void;
/** Returns `mediaType` if it is a {@link MediaType}, else throws INVALID_PARAMS. */
export declare function checkMediaType(mediaType: unknown, method: string): MediaType;
/** Returns `index` if it is a {@link StreamIndex}, else throws INVALID_PARAMS. */
export declare function checkIndex(index: unknown, method: string): StreamIndex;
/** The signalling URL of `serverUrl` for `appId`. */
export declare function signalUrl(serverUrl: string, appId: string): string;
