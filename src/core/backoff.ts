/**
 * The one backoff rule, for every wait after a passing failure: polling (RFC 8628 §3.5 "SHOULD use
 * exponential backoff"), start-up retries (discovery, device authorization) and refresh retries.
 */

export const BACKOFF_CAP_MS = 60_000;
/** Up to this fraction is added at random, so screens that lost the network together do not return together. */
export const BACKOFF_JITTER = 0.2;

export interface BackoffPolicy {
  /** The wait after the first failure, before jitter. */
  base: number;
  /** The ceiling of the jittered wait. */
  cap?: number;
  /** Never wait less than this. */
  floor?: number;
}

/**
 * The wait after the `failures`-th failure in a row (1 = the first): base × 2^(failures − 1), plus
 * jitter, then capped (after the jitter, so the cap is a real ceiling), then raised to the floor
 * and to the server's Retry-After (which may exceed the cap: the server knows best).
 * `random` returns [0, 1); it is injected so tests are exact.
 */
export function backoff(failures: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const { base, cap = BACKOFF_CAP_MS, floor = 0 } = policy;
  const grown = base * 2 ** Math.max(0, failures - 1);
  const jittered = Math.min(cap, Math.round(grown * (1 + BACKOFF_JITTER * random())));
  return Math.max(floor, retryAfterMs ?? 0, jittered);
}
