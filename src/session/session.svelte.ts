/**
 * The only bridge between the protocol core and the UI: one class whose `phase` the components
 * render, and whose methods are the intents they send. All timing goes through the injected clock.
 */
import type { AuthorizationServer, Client } from 'oauth4webapi';
import { systemClock, type Clock } from '../core/clock';
import { loadConfigFile, parseConfig, type Config } from '../core/config';
import { discover } from '../core/discovery';
import { createDPoP } from '../core/dpop';
import { pollForTokens, requestDeviceCode, BACKOFF_CAP_MS } from '../core/device-flow';
import { AppError } from '../core/errors';
import type { Net } from '../core/http';
import { callApi } from '../core/api';
import { whoIsSignedIn } from '../core/identity';
import { Tokens, type TokenContext } from '../core/tokens';

export type ApiResult = { ok: true; data: unknown } | { ok: false; error: AppError };

export type Phase =
  | { status: 'starting' }
  | { status: 'requesting' }
  | {
      status: 'code';
      user_code: string;
      verification_uri: string;
      /** verification_uri_complete, else verification_uri (RFC 8628 §3.3.1). */
      qr_uri: string;
      expires_at: number;
      /** A poll failed for a passing reason; the next try is at this time. */
      retry_at?: number;
    }
  | { status: 'signed-in'; user?: string; api?: ApiResult }
  | { status: 'error'; error: AppError; retry_at?: number };

export interface SessionDeps {
  fetch: typeof fetch;
  clock: Clock;
  /** The page's URL: its query overrides config.json, its origin is named in CORS diagnoses. */
  url: URL;
  random?: () => number;
}

interface Ready {
  config: Config;
  net: Net;
  as: AuthorizationServer;
  client: Client;
}

const RETRY_MIN_MS = 2_000;

export class Session {
  phase: Phase = $state.raw({ status: 'starting' });
  /** The configuration in force, once valid (shown to operators, never containing secrets). */
  config: Config | undefined = $state.raw();

  #deps: SessionDeps;
  #run: AbortController | undefined;
  #ready: Ready | undefined;
  #tokens: Tokens | undefined;

  constructor(deps: Partial<SessionDeps> & Pick<SessionDeps, 'url'>) {
    this.#deps = { fetch: (...args) => fetch(...args), clock: systemClock, random: Math.random, ...deps };
  }

  /** Start (or start over): config, discovery, a code. */
  start(): void {
    this.#restart((signal) => this.#main(signal));
  }

  /** The retry button: start over with a fresh code, re-reading the config if it was the problem. */
  retry(): void {
    if (this.phase.status === 'error' && this.phase.error.code === 'config') this.#ready = undefined;
    this.start();
  }

  /** Sign out: tokens are wiped at once; revocation is best effort; then a new code. */
  async signOut(): Promise<void> {
    const tokens = this.#tokens;
    this.#tokens = undefined;
    this.#run?.abort();
    this.phase = { status: 'requesting' };
    await tokens?.revoke();
    this.start();
  }

  /** Stops all work (tests, page unload). */
  stop(): void {
    this.#run?.abort();
    this.#tokens?.wipe();
    this.#tokens = undefined;
  }

  #restart(body: (signal: AbortSignal) => Promise<void>): void {
    this.#run?.abort();
    const run = new AbortController();
    this.#run = run;
    body(run.signal).catch((err: unknown) => {
      if (run.signal.aborted) return;
      this.phase = { status: 'error', error: asAppError(err) };
    });
  }

  async #main(signal: AbortSignal): Promise<void> {
    const ready = this.#ready ?? (await this.#prepare(signal));
    this.#ready = ready;
    const tokens = await this.#obtainTokens(ready, signal);
    this.#tokens = tokens;
    await this.#signedIn(ready, tokens, signal);
  }

  async #prepare(signal: AbortSignal): Promise<Ready> {
    this.phase = { status: 'starting' };
    const { url } = this.#deps;
    const { file, problem } = await loadConfigFile(this.#deps.fetch, new URL('config.json', url).href);
    const parsed = parseConfig(file, url.searchParams);
    const problems = [...(problem ? [problem] : []), ...(parsed.ok ? [] : parsed.problems)];
    if (!parsed.ok || problem) {
      throw new AppError('config', problems.map((p) => `Setting "${p.key}" ${p.problem}.`).join(' '), {
        details: 'config.json beside index.html, overridden by URL query parameters',
      });
    }
    const config = parsed.config;
    this.config = config;
    const net: Net = { fetch: this.#deps.fetch, clock: this.#deps.clock, appOrigin: url.origin, client_id: config.client_id };
    const as = await this.#withRetry(signal, () => discover(net, config.issuer, signal));
    return { config, net, as, client: { client_id: config.client_id } };
  }

  /** Codes until someone approves one: an expired code is replaced by itself (RFC 8628 §3.5 expired_token). */
  async #obtainTokens(ready: Ready, signal: AbortSignal): Promise<Tokens> {
    const { net, as, client, config } = ready;
    for (;;) {
      this.phase = { status: 'requesting' };
      const flow = { net, as, client, config, random: this.#deps.random };
      const code = await this.#withRetry(signal, () => requestDeviceCode(flow, signal));
      const shown = {
        status: 'code',
        user_code: code.user_code,
        verification_uri: code.verification_uri,
        qr_uri: code.verification_uri_complete ?? code.verification_uri,
        expires_at: code.expires_at,
      } as const;
      this.phase = shown;
      // A key per sign-in, made while the code is on screen rather than before it.
      const dpop = await createDPoP(as, client);
      try {
        const response = await pollForTokens({ ...flow, dpop }, code, signal, {
          onRetry: (_error, wait) => {
            this.phase = { ...shown, retry_at: net.clock.now() + wait };
          },
        });
        return new Tokens({ net, as, client, dpop }, response);
      } catch (err) {
        if (err instanceof AppError && err.code === 'expired_token') continue;
        throw err;
      }
    }
  }

  async #signedIn(ready: Ready, tokens: Tokens, signal: AbortSignal): Promise<void> {
    const ctx: TokenContext = { net: ready.net, as: ready.as, client: ready.client, dpop: tokens.dpop };
    const user = await whoIsSignedIn(ctx, tokens, signal);
    this.phase = { status: 'signed-in', user };
    const api = ready.config.api;
    if (!api) return;
    let result: ApiResult;
    try {
      result = { ok: true, data: await callApi(ready.net, tokens, api, signal) };
    } catch (err) {
      if (signal.aborted) throw err;
      result = { ok: false, error: asAppError(err) };
    }
    this.phase = { status: 'signed-in', user, api: result };
  }

  /** Passing failures (network, timeout, 5xx) retry by themselves, with a countdown on screen. */
  async #withRetry<T>(signal: AbortSignal, attempt: () => Promise<T>): Promise<T> {
    const { clock } = this.#deps;
    for (let failures = 0; ; failures++) {
      try {
        return await attempt();
      } catch (err) {
        if (signal.aborted) throw err;
        const error = asAppError(err);
        if (!error.transient) throw error;
        const backoff = Math.min(BACKOFF_CAP_MS, RETRY_MIN_MS * 2 ** failures) * (1 + 0.2 * (this.#deps.random ?? Math.random)());
        const wait = Math.max(error.retryAfterMs ?? 0, Math.round(backoff));
        this.phase = { status: 'error', error, retry_at: clock.now() + wait };
        await clock.sleep(wait, signal);
      }
    }
  }
}

function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('bad_response', 'Something went wrong.', { cause: err, details: err instanceof Error ? err.name : undefined });
}
