/**
 * RFC 8628 Device Authorization Grant, the second half: poll the token endpoint (§3.4–3.5) for a
 * code from ./device-flow.ts. The polling rules are a pure function (`afterPoll`) so every branch
 * is testable without a network, and the loop only sleeps on the injected clock.
 */
import {
  deviceCodeGrantRequest,
  None,
  processDeviceCodeResponse,
  ResponseBodyError,
  type TokenEndpointResponse,
} from 'oauth4webapi/later';
import { backoff, BACKOFF_CAP_MS } from './backoff';
import type { DeviceCode, FlowContext } from './device-flow';
import { AppError } from './errors';
import { toAppError } from './oauth-errors';
import { askedWaitMs } from './retry-after';
import { requestOptions, serverNow, type Net } from './transport';
import { withDPoPNonceRetry } from './dpop';
import { processIssued } from './tokens';

export const SLOW_DOWN_MS = 5_000; // RFC 8628 §3.5
export { BACKOFF_CAP_MS };
/**
 * Polls in a row diagnosed as CORS before polling stops as a configuration error. The first may be
 * a connection dropped after the server was reached, which reads the same (errors.ts); a refusal
 * of this origin repeats.
 */
export const CORS_REFUSALS = 2;

export type PollOutcome =
  | { kind: 'pending' }
  /**
   * `interval`: the new interval in ms some IdPs (GitHub) send with slow_down; `retryAfterMs`:
   * the Retry-After some send with it (authentik, as HTTP 429).
   */
  | { kind: 'slow_down'; interval?: number; retryAfterMs?: number }
  | { kind: 'transient'; error: AppError; retryAfterMs?: number };

export interface PollState {
  interval: number;
  /** Transient failures in a row. */
  failures: number;
}

/**
 * The wait before the next poll, counted from when the previous answer arrived.
 * - authorization_pending: the interval.
 * - slow_down: interval += 5 s (or the server's new interval, if longer), kept for all later polls
 *   (RFC 8628 §3.5); this one wait is also no shorter than a Retry-After sent with it.
 * - network error, timeout, 5xx, 429: exponential backoff with jitter, capped, never shorter than the
 *   interval or the server's Retry-After (RFC 8628 §3.5 "SHOULD use exponential backoff").
 */
export function afterPoll(
  state: PollState,
  outcome: PollOutcome,
  random: () => number = Math.random,
): PollState & { wait: number } {
  switch (outcome.kind) {
    case 'pending':
      return { interval: state.interval, failures: 0, wait: state.interval };
    case 'slow_down': {
      // At least +5 s; more when the server names a longer interval (GitHub does, with the error).
      const interval = Math.max(state.interval + SLOW_DOWN_MS, outcome.interval ?? 0);
      return { interval, failures: 0, wait: Math.max(interval, outcome.retryAfterMs ?? 0) };
    }
    case 'transient': {
      const failures = state.failures + 1;
      // The first retry already waits two intervals: a failed poll is no reason to come back sooner.
      const policy = { base: 2 * state.interval, floor: state.interval };
      return { interval: state.interval, failures, wait: backoff(failures, policy, random, outcome.retryAfterMs) };
    }
  }
}

export interface PollHooks {
  /** Each transient failure, with the wait before the next try. */
  onRetry?(error: AppError, wait: number): void;
  /** The IdP answered again (pending or slow_down) after one or more transient failures. */
  onRecovered?(): void;
}

/** What a failed poll means for the loop; errors that end it are thrown. */
function pollOutcome(err: unknown, net: Net, url: string): PollOutcome {
  if (err instanceof ResponseBodyError && err.error === 'authorization_pending') return { kind: 'pending' };
  if (err instanceof ResponseBodyError && err.error === 'slow_down') {
    const seconds = err.cause.interval;
    return {
      kind: 'slow_down',
      interval: typeof seconds === 'number' && Number.isFinite(seconds) ? seconds * 1000 : undefined,
      retryAfterMs: askedWaitMs(err.response.headers, serverNow(net)),
    };
  }
  const error = toAppError(err, { endpoint: 'token', client_id: net.client_id, url });
  if (error.transient) return { kind: 'transient', error, retryAfterMs: error.retryAfterMs };
  throw error;
}

function expired(): AppError {
  return new AppError('expired_token', { facts: { endpoint: 'token' } });
}

/**
 * Polls until tokens arrive. Rejects with AppError `access_denied`, `expired_token` (also when the
 * deadline passes without an answer; the caller then asks for a new code), `cors` when the token
 * endpoint refuses this origin CORS_REFUSALS polls in a row (a person would approve in vain: the
 * caller says so and starts over later), or a fatal error.
 */
export async function pollForTokens(
  ctx: FlowContext,
  code: DeviceCode,
  signal?: AbortSignal,
  hooks: PollHooks = {},
): Promise<TokenEndpointResponse> {
  const { net, as, client } = ctx;
  const clock = net.clock;
  // RFC 8628 §3.5: the first poll waits a full interval too, counted from the code's arrival: a
  // poller that starts later (the app taking over the boot path's code) does not wait it again.
  const first = Math.max(0, code.received_at + code.interval - clock.now());
  let state: PollState & { wait: number } = { interval: code.interval, failures: 0, wait: first };
  let refusals = 0;
  for (;;) {
    const remaining = code.expires_at - clock.now();
    if (remaining <= 0) throw expired();
    if (state.wait >= remaining) {
      await clock.sleep(remaining, signal);
      throw expired();
    }
    await clock.sleep(state.wait, signal);
    // A screen that slept (or whose clock jumped) wakes late: a dead code is not worth a poll.
    if (clock.now() >= code.expires_at) throw expired();

    let outcome: PollOutcome;
    try {
      const send = () =>
        deviceCodeGrantRequest(as, client, None(), code.device_code, {
          ...requestOptions(net, 'token', signal),
          DPoP: ctx.dpop,
        });
      // processIssued: tokens the app refuses after the IdP issued them are revoked, not dropped.
      return await withDPoPNonceRetry(ctx.dpop, send, (res) =>
        processIssued(ctx, res, (issued) => processDeviceCodeResponse(as, client, issued)),
      );
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      outcome = pollOutcome(err, net, as.token_endpoint ?? '');
    }
    refusals = outcome.kind === 'transient' && outcome.error.code === 'cors' ? refusals + 1 : 0;
    if (refusals >= CORS_REFUSALS && outcome.kind === 'transient') throw outcome.error;
    const failedBefore = state.failures > 0;
    state = afterPoll(state, outcome, ctx.random);
    if (outcome.kind === 'transient') hooks.onRetry?.(outcome.error, state.wait);
    else if (failedBefore) hooks.onRecovered?.();
  }
}
