/**
 * The SDK-wide settings on `VERTC`: parameters (`setParameter`/`getParameter`) and the log
 * configuration (`setLogConfig`, `downloadLog`). Engine-independent, so it imports nothing of
 * the SDK but the error helpers and the log: an app may set these before any engine exists.
 */
import { ErrorCode } from "./generated/protocol";
import { rtcError } from "./errors";
import { LOG_LEVELS, logLevel, setLogLevel, type LogLevel } from "./log";

export type { LogLevel };

/** `setLogConfig`'s argument. */
export interface LogConfig {
  /** How much the SDK logs (default "warning"). */
  logLevel?: LogLevel;
  /** The vendor's log file size in MB; Chorus keeps no log file, so it is only kept. */
  LogfileSize?: number;
}

const params = new Map<string, unknown>();
let logfileSize = 0;

/** Sets a global SDK parameter; none changes Chorus's behaviour yet, each is kept for `getParameter`. */
export function setParameter(key: string, value: unknown): undefined {
  params.set(key, value);
  return undefined;
}

/** The value last given to `setParameter` for `key`, or undefined. */
export function getParameter(key: string): {} | undefined {
  return (params.get(key) ?? undefined) as {} | undefined;
}

/**
 * Sets the log level, which decides what the SDK writes to the console from now on ("none"
 * nothing, "error" errors only, "warning" and louder also warnings; the default is "warning"),
 * and the log file size, which is only kept: Chorus writes no log file. A level that is not
 * one of the vendor's is INVALID_PARAMS.
 */
export function setLogConfig(config: LogConfig): void {
  if (typeof config !== "object" || config === null)
    throw rtcError(ErrorCode.INVALID_PARAMS, "setLogConfig: pass {logLevel?, LogfileSize?}");
  if (config.logLevel !== undefined && !LOG_LEVELS.includes(config.logLevel))
    throw rtcError(ErrorCode.INVALID_PARAMS, `setLogConfig: logLevel must be one of ${LOG_LEVELS.join(", ")}`);
  if (config.LogfileSize !== undefined && !(typeof config.LogfileSize === "number" && config.LogfileSize >= 0))
    throw rtcError(ErrorCode.INVALID_PARAMS, "setLogConfig: LogfileSize must be a number of MB, 0 or more");
  if (config.logLevel !== undefined) setLogLevel(config.logLevel);
  if (config.LogfileSize !== undefined) logfileSize = config.LogfileSize;
}

/** The log configuration in force. */
export function logConfig(): Readonly<Required<LogConfig>> {
  return { logLevel: logLevel(), LogfileSize: logfileSize };
}

/**
 * The vendor downloads its local log file here. Chorus keeps no log file (its logs are the
 * browser console's, and the server's), so there is nothing to download: a no-op.
 */
export function downloadLog(_key?: string): void {}
