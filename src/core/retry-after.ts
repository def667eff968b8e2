/** The server's own word on when to come back (RFC 9110 §10.2.3 Retry-After). */

/** The longest Retry-After obeyed: a server asking for an hour (or a year) gets a try every 10 minutes. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Retry-After: seconds or an HTTP date, capped at MAX_RETRY_AFTER_MS; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value?.trim()) return undefined;
  const seconds = Number(value);
  const date = Date.parse(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Number.isNaN(date) ? undefined : date - now;
  return ms === undefined ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}
