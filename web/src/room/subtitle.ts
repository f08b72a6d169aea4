/**
 * Subtitles: the server recognises (and, in translation mode, translates) what each speaker in
 * the room says and sends it to every member who turned subtitles on, as
 * `onSubtitleMessageReceived` (an array of the vendor's `SubtitleMessage`);
 * `onSubtitleStateChanged` says when they started, stopped, changed settings or failed with a
 * `SUBTITLE_*` code. The server owns the state; this module checks the calls and sends them.
 */
import { ErrorCode, SUBTITLE_MODE, type StartSubtitleParams, type UpdateSubtitleParams } from "../generated/protocol";
import { rtcError } from "../errors";
import type { Connection } from "../signal/connection";

/** The vendor's `RTCSubtitleConfig`: the mode, and the language(s) to translate into. */
export type RTCSubtitleConfig = StartSubtitleParams;
/** The vendor's `UpdateSubtitleConfig`: the language the speakers speak. */
export type UpdateSubtitleConfig = UpdateSubtitleParams;

const MODES: readonly number[] = [SUBTITLE_MODE.ASR_ONLY, SUBTITLE_MODE.ASR_AND_TRANSLATION];

/**
 * Sends `startSubtitle`. Not in a room: SUBTITLE_NOT_TURNED_ON (as the server says); a mode
 * that is not the vendor's, or translation without `targetLanguage`: INVALID_PARAMS.
 */
export async function startSubtitle(connection: Connection, inRoom: boolean, config: RTCSubtitleConfig): Promise<void> {
  if (!inRoom) throw rtcError(ErrorCode.SUBTITLE_NOT_TURNED_ON, "startSubtitle: not in a room; join a room first");
  if (!MODES.includes(config?.mode))
    throw rtcError(
      ErrorCode.INVALID_PARAMS,
      "startSubtitle: mode must be SUBTITLE_MODE.ASR_ONLY or ASR_AND_TRANSLATION",
    );
  const target = config.targetLanguage;
  const languages = Array.isArray(target) ? target : target === undefined ? [] : [target];
  if (!languages.every((l) => typeof l === "string"))
    throw rtcError(ErrorCode.INVALID_PARAMS, "startSubtitle: targetLanguage must be a language code or a list of them");
  if (config.mode === SUBTITLE_MODE.ASR_AND_TRANSLATION && languages.length === 0)
    throw rtcError(ErrorCode.INVALID_PARAMS, 'startSubtitle: translation mode needs targetLanguage (such as "fr")');
  const params: StartSubtitleParams = { mode: config.mode };
  if (target !== undefined) params.targetLanguage = target;
  await connection.request("startSubtitle", params);
}

/** Sends `updateSubtitleConfig`. Subtitles off: SUBTITLE_NOT_TURNED_ON. */
export async function updateSubtitleConfig(connection: Connection, config: UpdateSubtitleConfig): Promise<void> {
  if (typeof config?.sourceLanguage !== "string")
    throw rtcError(ErrorCode.INVALID_PARAMS, "updateSubtitleConfig: sourceLanguage must be a language code");
  await connection.request("updateSubtitleConfig", { sourceLanguage: config.sourceLanguage });
}

/** Sends `stopSubtitle`; the vendor's method returns nothing, so a failure is only logged. */
export function stopSubtitle(connection: Connection, onError: (error: unknown) => void): void {
  connection.request("stopSubtitle", {}).catch(onError);
}
