/**
 * What the supported TV engines (Chromium 68, Safari/WebKit 12; docs/tv.md "Supported engines") lack
 * and the bundle calls unguarded. Imported first by main.ts so it runs before Svelte's runtime.
 * `npm run check:dist` (es-check against the browserslist in package.json) names the ES APIs; the
 * web APIs were checked by hand against MDN's tables: see docs/tv.md.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- patching globals is untyped by nature */
const g: any = typeof globalThis !== 'undefined' ? globalThis : self;

// Chrome 71, Safari 12.1: Svelte's runtime reads globalThis.document.
if (typeof globalThis === 'undefined') g.globalThis = g;

// Chrome 71, Safari 12.1: Svelte schedules its effects with it.
if (typeof g.queueMicrotask !== 'function') {
  g.queueMicrotask = (task: () => void) =>
    Promise.resolve()
      .then(task)
      .catch((err: unknown) =>
        setTimeout(() => {
          throw err;
        }),
      );
}

// Chrome 85, Safari 13.1: Svelte's template cloning calls it with a string pattern.
if (!String.prototype.replaceAll) {
  String.prototype.replaceAll = function (this: string, pattern: any, replacement: any): string {
    if (pattern instanceof RegExp) {
      if (!pattern.global) throw new TypeError('replaceAll must be called with a global RegExp');
      return this.replace(pattern, replacement);
    }
    const escaped = String(pattern).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return this.replace(
      new RegExp(escaped, 'g'),
      typeof replacement === 'function' ? replacement : () => String(replacement),
    );
  } as any;
}

// Chrome 73, Safari 12.1: oauth4webapi copies Headers with it.
if (!Object.fromEntries) {
  Object.fromEntries = <T>(entries: Iterable<readonly [PropertyKey, T]>) => {
    const out: Record<PropertyKey, T> = {};
    for (const [k, v] of entries) out[k] = v;
    return out;
  };
}

// Safari 12.0 has no AbortController (12.1 has); the app cancels its timers and loops with it.
// Here an abort stops our own work; fetch itself cannot be interrupted on that engine.
if (typeof g.AbortController !== 'function') {
  class Signal {
    aborted = false;
    reason: unknown = undefined;
    onabort: ((e: Event) => void) | null = null;
    #listeners = new Set<(e: Event) => void>();
    addEventListener(type: string, fn: (e: Event) => void) {
      if (type === 'abort') this.#listeners.add(fn);
    }
    removeEventListener(type: string, fn: (e: Event) => void) {
      if (type === 'abort') this.#listeners.delete(fn);
    }
    throwIfAborted() {
      if (this.aborted) throw this.reason;
    }
    _abort(reason: unknown) {
      if (this.aborted) return;
      this.aborted = true;
      this.reason = reason;
      const event = new Event('abort');
      for (const fn of [...this.#listeners]) fn.call(this, event);
      this.#listeners.clear();
      this.onabort?.(event);
    }
  }
  g.AbortSignal = Signal;
  g.AbortController = class {
    readonly signal = new Signal();
    abort(reason?: unknown) {
      this.signal._abort(reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason);
    }
  };
} else if (!('reason' in AbortSignal.prototype)) {
  // Chrome 98, Safari 15.4: abort(reason) ignores its argument; the core rethrows signal.reason.
  const abort = AbortController.prototype.abort;
  AbortController.prototype.abort = function (this: AbortController, reason?: unknown) {
    if (!this.signal.aborted) {
      Object.defineProperty(this.signal, 'reason', {
        value: reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason,
        configurable: true,
      });
    }
    abort.call(this);
  };
}

export {};
