/** Any event handler. */
export type Handler = (...args: any[]) => void;
/** An event name, as eventemitter3 takes them. */
export type EventName = string | symbol;
/** Named events with any number of handlers each, in the order they were added. */
export declare class Emitter {
    private events;
    /** Adds `fn` for `event`, called with `this` = `context`. */
    on(event: EventName, fn: Handler, context?: unknown): this;
    /** The same as {@link on}. */
    addListener(event: EventName, fn: Handler, context?: unknown): this;
    /** Adds `fn` for the next `event` only. */
    once(event: EventName, fn: Handler, context?: unknown): this;
    /**
     * Removes `event`'s registrations of `fn` (all of `event`'s when no `fn` is given); with
     * `context`, only those with that context; with `once`, only those added with `once`.
     */
    off(event: EventName, fn?: Handler, context?: unknown, once?: boolean): this;
    /** The same as {@link off}. */
    removeListener(event: EventName, fn?: Handler, context?: unknown, once?: boolean): this;
    /** Removes every handler of `event`, or of every event. */
    removeAllListeners(event?: EventName): this;
    /** Calls every handler of `event` with `args`; whether there was any. */
    emit(event: EventName, ...args: any[]): boolean;
    /** The vendor's emit that never throws: {@link emit} already never does. */
    safeEmit(event: EventName, ...args: any[]): boolean;
    /** Calls every handler of `event` in turn, awaiting each one's promise (a rejection is logged). */
    asyncEmit(event: EventName, ...args: any[]): Promise<void>;
    /** The handlers of `event`, in order. */
    listeners(event: EventName): Handler[];
    /** How many handlers `event` has. */
    listenerCount(event: EventName): number;
    /** The events that have handlers. */
    eventNames(): EventName[];
    /** Forgets every handler (the same as `removeAllListeners()`). */
    clear(): void;
    private add;
}
