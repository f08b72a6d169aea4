/**
 * The SDK's console output, at the level `VERTC.setLogConfig` sets: every warning and error
 * the SDK writes goes through here, so "none" silences it and "error" keeps only errors.
 * Depends on nothing, so every module may log.
 */

/** The log levels, as the vendor names them, from quietest to loudest. */
export const LOG_LEVELS = ["none", "error", "warning", "info", "trace"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

let level: LogLevel = "warning";

/** Sets what is written from now on. */
export function setLogLevel(next: LogLevel): void {
  level = next;
}

/** The level in force. */
export function logLevel(): LogLevel {
  return level;
}

function allows(wanted: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(wanted);
}

/** Writes a warning, unless the level is below "warning". */
export function warn(...args: unknown[]): void {
  if (allows("warning")) console.warn("[chorus]", ...args);
}

/** Writes an error, unless the level is "none". */
export function error(...args: unknown[]): void {
  if (allows("error")) console.error("[chorus]", ...args);
}
