/**
 * Tokens kept fresh on their own schedule, whatever else the screen does: with `api` unset or
 * `api_interval=0` nothing else would ever refresh them, and a revoked sign-in would still look
 * signed in. The only loop around `Tokens.dueAt`, sleeping on the injected clock.
 */
import type { Clock } from './clock';
import { AppError } from './errors';
import type { Tokens } from './tokens';

/**
 * The longest sleep between two looks at the clock. A screen that slept (timers paused while the
 * wall clock went on) finds its refresh overdue within this long of waking, not a token lifetime
 * later; and a token that came without expires_in may be replaced (an API's 401) by one with it.
 */
export const RECHECK_MS = 60_000;

/** The least time between two refreshes from this loop. */
export const MIN_GAP_MS = 1_000;

/**
 * Refreshes whenever the tokens are due (`dueAt`), until the sign-in cannot go on: rejects with
 * `invalid_grant` (revoked or expired at the IdP), `session_ended` (expired with no refresh token),
 * or another error that is not passing. Passing failures (network, 5xx) are retried on the tokens'
 * own backoff, and the current token is used meanwhile. Never resolves; an abort rejects.
 */
export async function keepFresh(tokens: Tokens, clock: Clock, signal: AbortSignal): Promise<never> {
  for (;;) {
    const due = tokens.dueAt;
    const now = clock.now();
    if (due === undefined || now < due) {
      await clock.sleep(Math.min(RECHECK_MS, due === undefined ? RECHECK_MS : due - now), signal);
      continue;
    }
    try {
      // Refreshes (or ends the sign-in) as the holder's rules say; a passing failure moves dueAt to the next try.
      await tokens.accessToken();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (!(err instanceof AppError && err.transient)) throw err;
    }
    // Never two refreshes back to back, even from an IdP whose tokens expire at once (expires_in 0).
    await clock.sleep(MIN_GAP_MS, signal);
  }
}
