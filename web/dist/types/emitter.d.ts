/**
 * A minimal event emitter for `engine.on/off`. A throwing handler is logged and skipped so an
 * app bug cannot break the SDK's own bookkeeping that runs after an emit.
 */
/** Any event handler. */
export type Handler = (...args: any[]) => void;
/** Named events with any number of handlers each. */
export declare class Emitter {
    private handlers;
    /** Adds `handler` for `event`. */
    on(event: string, handler: Handler): void;
    /** Removes `handler` for `event`, or every handler of `event` when none is given. */
    off(event: string, handler?: Handler): void;
    /** Calls every handler of `event` with `args` (one payload object for most events). */
    emit(event: string, ...args: unknown[]): void;
    /** Forgets every handler. */
    clear(): void;
}
