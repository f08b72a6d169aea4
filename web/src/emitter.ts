/**
 * A minimal event emitter for `engine.on/off`. A throwing handler is logged and skipped so an
 * app bug cannot break the SDK's own bookkeeping that runs after an emit.
 */

/** Any event handler. */
export type Handler = (...args: any[]) => void;

/** Named events with any number of handlers each. */
export class Emitter {
  private handlers = new Map<string, Set<Handler>>();

  /** Adds `handler` for `event`. */
  on(event: string, handler: Handler): void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler);
  }

  /** Removes `handler` for `event`, or every handler of `event` when none is given. */
  off(event: string, handler?: Handler): void {
    if (handler) this.handlers.get(event)?.delete(handler);
    else this.handlers.delete(event);
  }

  /** Calls every handler of `event` with `args` (one payload object for most events). */
  emit(event: string, ...args: unknown[]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(...args);
      } catch (e) {
        console.error(`[chorus] a handler of ${event} threw`, e);
      }
    }
  }

  /** Forgets every handler. */
  clear(): void {
    this.handlers.clear();
  }
}
