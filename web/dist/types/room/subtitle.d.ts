/**
 * Subtitles: the server recognises (and, in translation mode, translates) what each speaker in
 * the room says and sends it to every member who turned subtitles on, as
 * `onSubtitleMessageReceived` (an array of the vendor's `SubtitleMessage`);
 * `onSubtitleStateChanged` says when they started, stopped, changed settings or failed with a
 * `SUBTITLE_*` code. The server owns the state; this module checks the calls and sends them.
 */
import { type StartSubtitleParams, type UpdateSubtitleParams } from "../generated/protocol";
import type { Connection } from "../signal/connection";
/** The vendor's `RTCSubtitleConfig`: the mode, and the language(s) to translate into. */
export type RTCSubtitleConfig = StartSubtitleParams;
/** The vendor's `UpdateSubtitleConfig`: the language the speakers speak. */
export type UpdateSubtitleConfig = UpdateSubtitleParams;
/**
 * Sends `startSubtitle`. Not in a room: SUBTITLE_NOT_TURNED_ON (as the server says); a mode
 * that is not the vendor's, or translation without `targetLanguage`: INVALID_PARAMS.
 */
export declare function startSubtitle(connection: Connection, inRoom: boolean, config: RTCSubtitleConfig): Promise<void>;
/** Sends `updateSubtitleConfig`. Subtitles off: SUBTITLE_NOT_TURNED_ON. */
export declare function updateSubtitleConfig(connection: Connection, config: UpdateSubtitleConfig): Promise<void>;
/** Sends `stopSubtitle`; the vendor's method returns nothing, so a failure is only logged. */
export declare function stopSubtitle(connection: Connection, onError: (error: unknown) => void): void;
