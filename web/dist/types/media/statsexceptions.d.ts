/**
 * Stream exceptions (`onLocalStatsException`, `onRemoteStatsException`): each stats report's
 * figures (statsgetters.ts) are judged against floors an app would call broken, and an
 * exception is reported when a stream falls below one and its `_RECOVER` twin when it comes
 * back, as the vendor does. Pure: figures in, events out; the conductor emits them.
 *
 * The vendor's typings name the codes (`RTCExceptionCodeMap`) but not their numbers; Chorus
 * uses the numbers the industry's web SDKs share for these names (1xxx/2xxx an exception,
 * 3xxx/4xxx its recovery).
 */
import type { LocalStreamStats, RemoteStreamStats } from "./statstypes";
/** The exception names and their codes. */
export declare const RTCExceptionCodeMap: {
    readonly FRAMERATE_INPUT_TOO_LOW: 1001;
    readonly FRAMERATE_SENT_TOO_LOW: 1002;
    readonly SEND_VIDEO_BITRATE_TOO_LOW: 1003;
    readonly RECV_VIDEO_DECODE_FAILED: 1005;
    readonly AUDIO_INPUT_LEVEL_TOO_LOW: 2001;
    readonly AUDIO_OUTPUT_LEVEL_TOO_LOW: 2002;
    readonly SEND_AUDIO_BITRATE_TOO_LOW: 2003;
    readonly FRAMERATE_INPUT_TOO_LOW_RECOVER: 3001;
    readonly FRAMERATE_SENT_TOO_LOW_RECOVER: 3002;
    readonly SEND_VIDEO_BITRATE_TOO_LOW_RECOVER: 3003;
    readonly RECV_VIDEO_DECODE_FAILED_RECOVER: 3005;
    readonly AUDIO_INPUT_LEVEL_TOO_LOW_RECOVER: 4001;
    readonly AUDIO_OUTPUT_LEVEL_TOO_LOW_RECOVER: 4002;
    readonly SEND_AUDIO_BITRATE_TOO_LOW_RECOVER: 4003;
};
/** An exception's name. */
export type ExceptionName = keyof typeof RTCExceptionCodeMap;
/** `onLocalStatsException`'s payload (the vendor's `LocalStatsException`). */
export interface LocalStatsException {
    /** What happened. */
    exception: ExceptionName;
    /** Its code. */
    code: (typeof RTCExceptionCodeMap)[ExceptionName];
    /** Whether the screen stream. */
    isScreen: boolean;
}
/** `onRemoteStatsException`'s payload (the vendor's `RemoteStatsException`). */
export interface RemoteStatsException extends LocalStatsException {
    /** The publisher. */
    userId: string;
}
/** Remembers each stream's conditions and says what changed. */
export declare class StatsExceptions {
    private conditions;
    /**
     * The exceptions (and recoveries) of one report: `local` and `remote` are the report's
     * figures, `sends`/`receives` say which kinds each stream carries.
     */
    judge(local: {
        stats: LocalStreamStats;
        sends: {
            audio: boolean;
            video: boolean;
        };
    }[], remote: {
        stats: RemoteStreamStats;
        receives: {
            audio: boolean;
            video: boolean;
        };
    }[]): {
        local: LocalStatsException[];
        remote: RemoteStatsException[];
    };
    /** Forgets every stream (out of the room). */
    clear(): void;
    private changes;
}
