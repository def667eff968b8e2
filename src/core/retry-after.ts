/** The server's own word on when to come back (RFC 9110 §10.2.3 Retry-After). */

/** The longest Retry-After obeyed: a server asking for an hour (or a year) gets a try every 10 minutes. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Retry-After: seconds or an HTTP date, capped at MAX_RETRY_AFTER_MS; undefined when absent or
 * unreadable. `now` is the server's time, as a date is written on the server's clock.
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value?.trim()) return undefined;
  const seconds = Number(value);
  const date = Date.parse(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Number.isNaN(date) ? undefined : date - now;
  return ms === undefined ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * The wait an answer asks for: Retry-After, else the non-standard X-Retry-After that some rate
 * limiters send alone, read the same way and capped the same. A date in it is counted from the
 * answer's own `Date` (both written on the server's clock, so the screen's clock does not enter),
 * else from `serverNow`, the screen's best estimate of the server's time.
 */
export function askedWaitMs(headers: Headers, serverNow: number): number | undefined {
  const date = Date.parse(headers.get('date') ?? '');
  const now = Number.isNaN(date) ? serverNow : date;
  return retryAfterMs(headers.get('retry-after'), now) ?? retryAfterMs(headers.get('x-retry-after'), now);
}
