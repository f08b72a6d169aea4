import { type LogLevel } from "./log";
export type { LogLevel };
/** `setLogConfig`'s argument. */
export interface LogConfig {
    /** How much the SDK logs (default "warning"). */
    logLevel?: LogLevel;
    /** The vendor's log file size in MB; Chorus keeps no log file, so it is only kept. */
    LogfileSize?: number;
}
/** Sets a global SDK parameter; none changes Chorus's behaviour yet, each is kept for `getParameter`. */
export declare function setParameter(key: string, value: unknown): undefined;
/** The value last given to `setParameter` for `key`, or undefined. */
export declare function getParameter(key: string): {} | undefined;
/**
 * Sets the log level, which decides what the SDK writes to the console from now on ("none"
 * nothing, "error" errors only, "warning" and louder also warnings; the default is "warning"),
 * and the log file size, which is only kept: Chorus writes no log file. A level that is not
 * one of the vendor's is INVALID_PARAMS.
 */
export declare function setLogConfig(config: LogConfig): void;
/** The log configuration in force. */
export declare function logConfig(): Readonly<Required<LogConfig>>;
/**
 * The vendor downloads its local log file here. Chorus keeps no log file (its logs are the
 * browser console's, and the server's), so there is nothing to download: a no-op.
 */
export declare function downloadLog(_key?: string): void;
