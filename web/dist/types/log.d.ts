/**
 * The SDK's console output, at the level `VERTC.setLogConfig` sets: every warning and error
 * the SDK writes goes through here, so "none" silences it and "error" keeps only errors.
 * Depends on nothing, so every module may log.
 */
/** The log levels, as the vendor names them, from quietest to loudest. */
export declare const LOG_LEVELS: readonly ["none", "error", "warning", "info", "trace"];
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Sets what is written from now on. */
export declare function setLogLevel(next: LogLevel): void;
/** The level in force. */
export declare function logLevel(): LogLevel;
/** Writes a warning, unless the level is below "warning". */
export declare function warn(...args: unknown[]): void;
/** Writes an error, unless the level is "none". */
export declare function error(...args: unknown[]): void;
