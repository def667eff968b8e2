/**
 * The only bridge between the protocol core and the UI: one class whose `phase` the components
 * render, and whose methods are the intents they send. All timing goes through the injected clock.
 */
import type { AuthorizationServer, Client } from 'oauth4webapi';
import { systemClock, type Clock } from '../core/clock';
import { loadConfigFile, parseConfig, type Config } from '../core/config';
import { resolveMetadata, routedNet } from '../core/endpoints';
import { createDPoP } from '../core/dpop';
import { pollForTokens, requestDeviceCode, BACKOFF_CAP_MS, type DeviceCode } from '../core/device-flow';
import { AppError } from '../core/errors';
import { emptyDebugLog, withMetadata, withRequest, type DebugLog } from '../core/debug-log';
import type { Net, RequestRecord } from '../core/http';
import { callApi } from '../core/api';
import { whoIsSignedIn } from '../core/identity';
import { Tokens, type TokenContext } from '../core/tokens';

/** The API's last answer; after a failed call the last good data stays on screen beside the error. */
export interface ApiResult {
  data?: unknown;
  error?: AppError;
  at: number;
}

export type Phase =
  | { status: 'starting' }
  | { status: 'requesting' }
  /** Codes stopped after `max_idle_codes` of them expired unused; any key or tap asks for a new one. */
  | { status: 'idle'; expired: number }
  | {
      status: 'code';
      user_code: string;
      verification_uri: string;
      /** verification_uri_complete, else verification_uri (RFC 8628 §3.3.1). */
      qr_uri: string;
      expires_at: number;
      /** A poll failed for a passing reason; the next try is at this time. */
      retry_at?: number;
      /** Why the previous session ended, when it ended by itself. */
      notice?: string;
    }
  | {
      status: 'signed-in';
      /** Who is signed in; undefined when config `show_user` is off. */
      user?: string;
      api?: ApiResult;
      /** Set while the idle warning is up: sign-out happens at this time unless someone acts. */
      signing_out_at?: number;
    }
  | { status: 'error'; error: AppError; retry_at?: number };

export interface SessionDeps {
  fetch: typeof fetch;
  clock: Clock;
  /** The page's URL: its query overrides config.json, its origin is named in CORS diagnoses. */
  url: URL;
  random?: () => number;
}

/**
 * What the boot path (src/boot) already asked before this session existed, each answer as the
 * promise of the request that got it: config.json, the IdP's metadata, the first code. A missing
 * one was not asked; a rejected one failed and is shown and retried as the session's own failure.
 */
export interface BootHead {
  configFile?: ReturnType<typeof loadConfigFile>;
  metadata?: Promise<AuthorizationServer>;
  code?: Promise<DeviceCode>;
  /** With config `debug`: the boot path's requests, oldest first. */
  requests?: RequestRecord[];
}

interface Ready {
  config: Config;
  net: Net;
  as: AuthorizationServer;
  client: Client;
}

const RETRY_MIN_MS = 2_000;
/** How long the "signing out in N s" warning shows before an idle sign-out. */
export const IDLE_WARNING_MS = 30_000;
/** The signed-in loop's tick: countdowns, idle and session caps are checked this often. */
const TICK_MS = 1_000;

/** In kiosk mode an error that does not retry by itself starts over after this long. */
export const KIOSK_RETRY_MS = 30_000;

/** Why a session ended by itself: shown beside the next code. */
class SessionEnd extends Error {}

/** `max_idle_codes` codes expired unused: stop asking the IdP until someone is there. */
class IdlePause extends Error {}

export class Session {
  phase: Phase = $state.raw({ status: 'starting' });
  /** The configuration in force, once valid (shown to operators, never containing secrets). */
  config: Config | undefined = $state.raw();
  /** With config `debug`: the IdP's endpoints and the last requests, for the operator overlay. */
  debug: DebugLog | undefined = $state.raw();

  #deps: SessionDeps;
  #head: BootHead | undefined;
  #run: AbortController | undefined;
  #ready: Ready | undefined;
  #tokens: Tokens | undefined;
  #notice: string | undefined;
  #lastActivity = 0;
  /** Codes in a row that expired with nobody using them (config `max_idle_codes`). */
  #idleCodes = 0;

  constructor(deps: Partial<SessionDeps> & Pick<SessionDeps, 'url'>) {
    this.#deps = { fetch: (...args) => fetch(...args), clock: systemClock, random: Math.random, ...deps };
  }

  /**
   * Start from where the boot path got to: each step uses the boot path's answer once instead of
   * asking again, so the code already on screen is the one polled for (same deadline, no second
   * device authorization request), and a failure shows and retries as if the session had met it.
   */
  adopt(head: BootHead): void {
    this.#head = { ...head };
    if (head.requests?.length) this.debug = head.requests.reduce(withRequest, emptyDebugLog());
    this.start();
  }

  /** The boot path's answer for this step, once. */
  #fromBoot<K extends 'configFile' | 'metadata' | 'code'>(step: K): BootHead[K] {
    const answer = this.#head?.[step];
    if (this.#head) this.#head[step] = undefined;
    return answer;
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

  /** "New code": replace the code on screen (or end the idle pause) at once, keeping discovery. */
  newCode(): void {
    if (this.phase.status === 'signed-in' || this.phase.status === 'requesting') return;
    this.#idleCodes = 0;
    this.start();
  }

  /** Sign out: tokens are wiped at once; revocation is best effort; then a new code. */
  async signOut(notice?: string): Promise<void> {
    const tokens = this.#tokens;
    this.#tokens = undefined;
    this.#run?.abort();
    this.phase = { status: 'requesting' };
    await tokens?.revoke();
    this.#notice = notice;
    this.start();
  }

  /** Someone pressed a key or touched the screen: they are here, so no idle sign-out. */
  activity(): void {
    this.#lastActivity = this.#deps.clock.now();
    this.#idleCodes = 0;
    if (this.phase.status === 'idle') {
      this.newCode();
      return;
    }
    if (this.phase.status === 'signed-in' && this.phase.signing_out_at) {
      this.phase = { ...this.phase, signing_out_at: undefined };
    }
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
      if (err instanceof IdlePause) {
        this.phase = { status: 'idle', expired: this.#idleCodes };
        return;
      }
      // Signage has nobody to press "Try again": after any error it starts over by itself.
      const clock = this.#deps.clock;
      const retry_at = this.config?.kiosk ? clock.now() + KIOSK_RETRY_MS : undefined;
      this.phase = { status: 'error', error: asAppError(err), retry_at };
      if (retry_at)
        clock.sleep(KIOSK_RETRY_MS, run.signal).then(
          () => this.retry(),
          () => undefined,
        );
    });
  }

  async #main(signal: AbortSignal): Promise<void> {
    const ready = this.#ready ?? (await this.#prepare(signal));
    this.#ready = ready;
    const tokens = await this.#obtainTokens(ready, signal);
    this.#tokens = tokens;
    try {
      await this.#signedIn(ready, tokens, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      const notice = err instanceof SessionEnd ? err.message : asAppError(err).message;
      // Ended by itself (revoked, expired, idle, too long): a new code, with the reason beside it.
      void this.signOut(notice);
    }
  }

  async #prepare(signal: AbortSignal): Promise<Ready> {
    this.phase = { status: 'starting' };
    const { url } = this.#deps;
    const { file, problem } = await (this.#fromBoot('configFile') ??
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off address, not state
      loadConfigFile(this.#deps.fetch, new URL('config.json', url).href));
    const parsed = parseConfig(file, url.searchParams, url);
    const problems = [...(problem ? [problem] : []), ...(parsed.ok ? [] : parsed.problems)];
    if (!parsed.ok || problem) {
      throw new AppError('config', problems.map((p) => `Setting "${p.key}" ${p.problem}.`).join(' '), {
        details: 'config.json beside index.html, overridden by URL query parameters',
      });
    }
    const config = parsed.config;
    this.config = config;
    const net: Net = {
      fetch: this.#deps.fetch,
      clock: this.#deps.clock,
      appOrigin: url.origin,
      client_id: config.client_id,
    };
    if (config.debug) {
      this.debug ??= emptyDebugLog();
      net.onRequest = (record) => (this.debug = withRequest(this.debug ?? emptyDebugLog(), record));
    }
    // Discovery or the endpoints from config; in proxy mode the IdP's requests go through the proxy path.
    const as = await this.#withRetry(signal, () => this.#fromBoot('metadata') ?? resolveMetadata(net, config, signal));
    if (this.debug) this.debug = withMetadata(this.debug, as);
    return { config, net: routedNet(net, config, as), as, client: { client_id: config.client_id } };
  }

  /** Codes until someone approves one: an expired code is replaced by itself (RFC 8628 §3.5 expired_token). */
  async #obtainTokens(ready: Ready, signal: AbortSignal): Promise<Tokens> {
    const { net, as, client, config } = ready;
    for (;;) {
      this.phase = { status: 'requesting' };
      const flow = { net, as, client, config, random: this.#deps.random };
      const code = await this.#withRetry(signal, () => this.#fromBoot('code') ?? requestDeviceCode(flow, signal));
      const shown = {
        status: 'code',
        user_code: code.user_code,
        verification_uri: code.verification_uri,
        qr_uri: code.verification_uri_complete ?? code.verification_uri,
        expires_at: code.expires_at,
        notice: this.#notice,
      } as const;
      this.#notice = undefined;
      this.phase = shown;
      // A key per sign-in, made while the code is on screen rather than before it.
      const dpop = config.dpop ? await createDPoP(as, client) : undefined;
      try {
        const response = await pollForTokens({ ...flow, dpop }, code, signal, {
          onRetry: (_error, wait) => {
            this.phase = { ...shown, retry_at: net.clock.now() + wait };
          },
          // The "trying again" hint goes once the IdP answers again.
          onRecovered: () => {
            if (this.phase.status === 'code') this.phase = shown;
          },
        });
        this.#idleCodes = 0;
        return new Tokens({ net, as, client, dpop }, response);
      } catch (err) {
        if (err instanceof AppError && err.code === 'expired_token') {
          if (config.max_idle_codes && ++this.#idleCodes >= config.max_idle_codes) throw new IdlePause();
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * Signed in until something ends it: the API is called every `api_interval` (which refreshes
   * tokens ahead of expiry), an idle screen warns then signs out, and `max_session` caps it all.
   * Each tick re-reads the clock, so a screen waking from sleep catches up at once.
   */
  async #signedIn(ready: Ready, tokens: Tokens, signal: AbortSignal): Promise<void> {
    const { config, net } = ready;
    const clock = net.clock;
    const ctx: TokenContext = { net, as: ready.as, client: ready.client, dpop: tokens.dpop };
    const name = await whoIsSignedIn(ctx, tokens, signal);
    const user = config.show_user ? name : undefined;
    const started = clock.now();
    this.#lastActivity = started;
    this.phase = { status: 'signed-in', user };
    let nextCall = started;
    for (;;) {
      const now = clock.now();
      if (config.max_session && now >= started + config.max_session * 1000) {
        throw new SessionEnd('Signed out: the session reached its time limit.');
      }
      if (this.phase.status !== 'signed-in') return;
      if (config.idle_timeout) {
        const warnAt = this.#lastActivity + config.idle_timeout * 1000;
        if (now >= warnAt + IDLE_WARNING_MS)
          throw new SessionEnd('Signed out because nobody used the screen for a while.');
        if (now >= warnAt && !this.phase.signing_out_at)
          this.phase = { ...this.phase, signing_out_at: warnAt + IDLE_WARNING_MS };
      }
      if (config.api && now >= nextCall) {
        const api = await this.#callApi(ready, tokens, config.api, signal);
        if (this.phase.status === 'signed-in') this.phase = { ...this.phase, api };
        nextCall = config.api_interval ? clock.now() + config.api_interval * 1000 : Infinity;
      }
      await clock.sleep(TICK_MS, signal);
    }
  }

  /** One API call; a failure that means the sign-in is over ends the session. */
  async #callApi(ready: Ready, tokens: Tokens, api: URL, signal: AbortSignal): Promise<ApiResult> {
    const at = ready.net.clock.now();
    const previous = this.phase.status === 'signed-in' ? this.phase.api?.data : undefined;
    try {
      return { data: await callApi(ready.net, tokens, api, signal), at };
    } catch (err) {
      if (signal.aborted) throw err;
      const error = asAppError(err);
      if (error.code === 'invalid_grant' || error.code === 'session_ended') {
        throw new SessionEnd(`Signed out: ${error.message}`);
      }
      return { data: previous, error, at };
    }
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
        const backoff =
          Math.min(BACKOFF_CAP_MS, RETRY_MIN_MS * 2 ** failures) * (1 + 0.2 * (this.#deps.random ?? Math.random)());
        const wait = Math.max(error.retryAfterMs ?? 0, Math.round(backoff));
        this.phase = { status: 'error', error, retry_at: clock.now() + wait };
        await clock.sleep(wait, signal);
      }
    }
  }
}

function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('bad_response', 'Something went wrong.', {
    cause: err,
    details: err instanceof Error ? err.name : undefined,
  });
}
