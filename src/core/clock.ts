/** Time is a dependency, so tests can jump minutes in a line and no test sleeps on real time. */
export interface Clock {
  /**
   * Milliseconds on a monotonic clock (epoch-like, but only differences mean anything): every
   * duration and deadline (poll waits, code expiry, idle, max_session, countdowns). An NTP step at
   * boot or someone setting the TV's time does not move it, so it fires nothing.
   */
  now(): number;
  /**
   * The device's wall clock (`Date.now()`, which oauth4webapi reads too), which may be minutes or
   * years off and may jump. Only for comparing with times a server wrote (server-time.ts).
   */
  wall(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * setTimeout fires at once for a delay beyond 2^31 - 1 ms (HTML timers keep it in a signed 32-bit
 * int), so a huge Retry-After would become a tight loop. Longer sleeps end after 24.8 days instead.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `performance.timeOrigin` is Safari 16+; older engines get the same origin from the wall clock,
 * read once when this module loads.
 */
const FALLBACK_ORIGIN = Date.now() - performance.now();

export const systemClock: Clock = {
  // HR-Time §4: performance.now() is monotonic and unaffected by system clock adjustments.
  now: () => (performance.timeOrigin ?? FALLBACK_ORIGIN) + performance.now(),
  wall: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(MAX_TIMER_MS, Math.max(0, ms)),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * A timeout on the clock that also follows an outer signal (AbortSignal.any is too new for TV
 * browsers). `done()` stops the timer, so no sleeper outlives the request.
 */
export function deadline(clock: Clock, ms: number, outer?: AbortSignal) {
  const controller = new AbortController();
  const stop = new AbortController();
  let timedOut = false;
  clock.sleep(ms, stop.signal).then(
    () => {
      timedOut = true;
      controller.abort();
    },
    () => undefined,
  );
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done: () => {
      stop.abort();
      outer?.removeEventListener('abort', onOuter);
    },
  };
}
