/**
 * The engine's event emitter: the API of eventemitter3 4, which the vendor's engine extends
 * (`on`/`addListener`, `once`, `off`/`removeListener` with its `context` and `once` filters,
 * `removeAllListeners`, `emit`, `listeners`, `listenerCount`, `eventNames`), plus the vendor's
 * `safeEmit` and `asyncEmit`. One difference, on purpose: a throwing handler is logged and
 * skipped, so an app bug cannot break the SDK's own bookkeeping that runs after an emit.
 * Depends only on the log.
 */
import { error } from "./log";

/** Any event handler. */
export type Handler = (...args: any[]) => void;

/** An event name, as eventemitter3 takes them. */
export type EventName = string | symbol;

/** One registration: the handler, the `this` it is called with, whether it runs once. */
interface Listener {
  fn: Handler;
  context: unknown;
  once: boolean;
}

/** Named events with any number of handlers each, in the order they were added. */
export class Emitter {
  // Each emit walks the array it found; changes replace the array, so an emit in progress
  // is not disturbed by handlers that add or remove others (as in eventemitter3).
  private events = new Map<EventName, Listener[]>();

  /** Adds `fn` for `event`, called with `this` = `context`. */
  on(event: EventName, fn: Handler, context?: unknown): this {
    return this.add(event, fn, context, false);
  }

  /** The same as {@link on}. */
  addListener(event: EventName, fn: Handler, context?: unknown): this {
    return this.add(event, fn, context, false);
  }

  /** Adds `fn` for the next `event` only. */
  once(event: EventName, fn: Handler, context?: unknown): this {
    return this.add(event, fn, context, true);
  }

  /**
   * Removes `event`'s registrations of `fn` (all of `event`'s when no `fn` is given); with
   * `context`, only those with that context; with `once`, only those added with `once`.
   */
  off(event: EventName, fn?: Handler, context?: unknown, once?: boolean): this {
    const listeners = this.events.get(event);
    if (!listeners) return this;
    if (!fn) {
      this.events.delete(event);
      return this;
    }
    const kept = listeners.filter((l) => l.fn !== fn || (once && !l.once) || (context && l.context !== context));
    if (kept.length) this.events.set(event, kept);
    else this.events.delete(event);
    return this;
  }

  /** The same as {@link off}. */
  removeListener(event: EventName, fn?: Handler, context?: unknown, once?: boolean): this {
    return this.off(event, fn, context, once);
  }

  /** Removes every handler of `event`, or of every event. */
  removeAllListeners(event?: EventName): this {
    if (event === undefined) this.events.clear();
    else this.events.delete(event);
    return this;
  }

  /** Calls every handler of `event` with `args`; whether there was any. */
  emit(event: EventName, ...args: any[]): boolean {
    const listeners = this.events.get(event);
    if (!listeners) return false;
    for (const l of listeners) {
      if (l.once) this.off(event, l.fn, undefined, true);
      try {
        l.fn.apply(l.context, args);
      } catch (e) {
        error(`a handler of ${String(event)} threw`, e);
      }
    }
    return true;
  }

  /** The vendor's emit that never throws: {@link emit} already never does. */
  safeEmit(event: EventName, ...args: any[]): boolean {
    return this.emit(event, ...args);
  }

  /** Calls every handler of `event` in turn, awaiting each one's promise (a rejection is logged). */
  async asyncEmit(event: EventName, ...args: any[]): Promise<void> {
    for (const l of this.events.get(event) ?? []) {
      if (l.once) this.off(event, l.fn, undefined, true);
      try {
        await l.fn.apply(l.context, args);
      } catch (e) {
        error(`a handler of ${String(event)} failed`, e);
      }
    }
  }

  /** The handlers of `event`, in order. */
  listeners(event: EventName): Handler[] {
    return (this.events.get(event) ?? []).map((l) => l.fn);
  }

  /** How many handlers `event` has. */
  listenerCount(event: EventName): number {
    return this.events.get(event)?.length ?? 0;
  }

  /** The events that have handlers. */
  eventNames(): EventName[] {
    // Names first, then symbols, as eventemitter3 lists an object's keys.
    const names = [...this.events.keys()];
    return [...names.filter((n) => typeof n === "string"), ...names.filter((n) => typeof n === "symbol")];
  }

  /** Forgets every handler (the same as `removeAllListeners()`). */
  clear(): void {
    this.events.clear();
  }

  private add(event: EventName, fn: Handler, context: unknown, once: boolean): this {
    if (typeof fn !== "function") throw new TypeError("The listener must be a function");
    const listeners = this.events.get(event) ?? [];
    // eventemitter3 calls a handler with the emitter as `this` unless a truthy context is given.
    this.events.set(event, [...listeners, { fn, context: context || this, once }]);
    return this;
  }
}
