/**
 * The only bridge between the protocol core and the UI: one class whose `phase` the components
 * render, and whose methods are the intents they send. All timing goes through the injected clock.
 */
import type { AuthorizationServer, Client } from 'oauth4webapi';
import { systemClock, type Clock } from '../core/clock';
import { parseConfig, type Config, type ConfigProblem } from '../core/config';
import { isPassing, loadConfigFile, type ConfigFile } from '../core/config-file';
import { resolveMetadata, routedNet } from '../core/endpoints';
import { createDPoPKeys, dpopWithKeys } from '../core/dpop';
import { ServerTime, withClockSkew } from '../core/server-time';
import { backoff } from '../core/backoff';
import { qrUri, requestDeviceCode, type DeviceCode } from '../core/device-flow';
import { pollForTokens } from '../core/poll';
import { AppError } from '../core/errors';
import { emptyDebugLog, withMetadata, withNote, withRequest, type DebugLog } from '../core/debug-log';
import type { Net, RequestRecord } from '../core/transport';
import { authorizedFetch, callApi, type AuthorizedRequest } from '../core/api';
import { whoIsSignedIn } from '../core/identity';
import { keepFresh } from '../core/refresh-schedule';
import { Tokens, type TokenContext } from '../core/tokens';
import { forgetRemembered } from '../core/remember-db';
import type { Memory, RememberState, Resumption } from '../core/restore';
import type { Notice } from './notice';

/** The API's last answer; after a failed call the last good data stays on screen beside the error. */
export interface ApiResult {
  data?: unknown;
  error?: AppError;
  at: number;
  /** When `data` was fetched: `at` after a good answer, earlier when the last call failed. */
  fetched_at?: number;
}

export type Phase =
  /** `reconnecting`: config `remember` is resuming a sign-in kept through a reboot, as `name`. */
  | { status: 'starting'; reconnecting?: { name?: string } }
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
      /** Why that poll failed (the IdP limiting this screen is said as such). */
      retry_error?: AppError;
      /** Why the previous session ended, when it ended by itself. */
      notice?: Notice;
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
  /** config `remember`'s storage; the page's IndexedDB unless a test passes another. */
  indexedDB?: IDBFactory;
}

/**
 * What the boot path (src/boot) already asked before this session existed, each answer as the
 * promise of the request that got it: config.json, the IdP's metadata, the first code. A missing
 * one was not asked; a rejected one failed and is shown and retried as the session's own failure.
 */
export interface BootHead {
  configFile?: Promise<ConfigFile>;
  metadata?: Promise<AuthorizationServer>;
  code?: Promise<DeviceCode>;
  /** With config `debug`: the boot path's requests, oldest first. */
  requests?: RequestRecord[];
  /** The IdP's clock as the boot path's answers told it (core/server-time.ts): the first poll's DPoP proof needs it. */
  serverTime?: ServerTime;
}

interface Ready {
  config: Config;
  net: Net;
  as: AuthorizationServer;
  client: Client;
  /** clock.now() when config.json and the metadata were read. */
  readAt: number;
}

/** Start-up retries (discovery, asking for a code): 2 s, doubling, at most 60 s. */
const START_BACKOFF = { base: 2_000 };
/** How long the "signing out in N s" warning shows before an idle sign-out. */
export const IDLE_WARNING_MS = 30_000;
/** The signed-in loop's tick: countdowns, idle and session caps are checked this often. */
const TICK_MS = 1_000;

/** In kiosk mode an error that does not retry by itself starts over after this long. */
export const KIOSK_RETRY_MS = 30_000;

/**
 * A screen left running for weeks reads config.json and the IdP's metadata again when they are
 * this old, between sessions (before the next code), never during one.
 */
export const REREAD_MS = 24 * 3600_000;

/** Why a session ended by itself: shown beside the next code. */
class SessionEnd extends Error {
  constructor(readonly notice: Notice) {
    super(notice.code);
  }
}

/** `max_idle_codes` codes expired unused: stop asking the IdP until someone is there. */
class IdlePause extends Error {}

export class Session {
  phase: Phase = $state.raw({ status: 'starting' });
  /** The configuration in force, once valid (shown to operators, never containing secrets). */
  config: Config | undefined = $state.raw();
  /** With config `debug`: the IdP's endpoints and the last requests, for the operator overlay. */
  debug: DebugLog | undefined = $state.raw();
  /** config `remember`: whether this sign-in is kept on disk, or why not (shown in the debug overlay). */
  remembering: RememberState | undefined = $state.raw();

  #deps: SessionDeps;
  #head: BootHead | undefined;
  #run: AbortController | undefined;
  #ready: Ready | undefined;
  #tokens: Tokens | undefined;
  /** config `remember` (docs/remember.md): a lazy chunk, loaded only when the config asks for it. */
  #memory: Promise<Memory> | undefined;
  #notice: Notice | undefined;
  #lastActivity = 0;
  /** Codes in a row that expired with nobody using them (config `max_idle_codes`). */
  #idleCodes = 0;

  constructor(deps: Partial<SessionDeps> & Pick<SessionDeps, 'url'>) {
    this.#deps = {
      fetch: (...args) => fetch(...args),
      clock: systemClock,
      random: Math.random,
      indexedDB: globalThis.indexedDB,
      ...deps,
    };
  }

  /** The injected clock: the UI's countdowns read time from it too. */
  get clock(): Clock {
    return this.#deps.clock;
  }

  /** The page's URL, whose query the config is read from (the UI takes `lang` from it before config is valid). */
  get url(): URL {
    return this.#deps.url;
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
  #fromBoot<K extends 'configFile' | 'metadata' | 'code' | 'serverTime'>(step: K): BootHead[K] {
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

  /**
   * Sign out: tokens are wiped and the next code is asked for at once; revocation runs in the
   * background (bounded, and surviving the page: tokens.ts), so a slow IdP never holds up the screen.
   */
  signOut(notice?: Notice): void {
    this.#revokeHeld();
    this.#notice = notice;
    this.phase = { status: 'requesting' };
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

  /**
   * One API request for the embedded app (src/broker/), sent by the core with this session's token;
   * the caller gets status, headers and text, never the token. A refresh the IdP refuses ends the
   * sign-in here as it does for the screen's own calls.
   */
  async appFetch(request: AuthorizedRequest & { url: URL; maxBytes: number }, signal?: AbortSignal) {
    const ready = this.#ready;
    const tokens = this.#tokens;
    if (this.phase.status !== 'signed-in' || !ready || !tokens)
      throw new AppError('session_ended', { reason: 'signed_out' });
    try {
      return await authorizedFetch(ready.net, tokens, request.url, request, signal, request.maxBytes);
    } catch (err) {
      const error = asAppError(err);
      if ((error.code === 'invalid_grant' || error.code === 'session_ended') && this.#tokens === tokens)
        this.signOut(endNotice(error));
      throw error;
    }
  }

  /**
   * Stops all work and signs out at the IdP, best effort (the page is going away: `pagehide`). A
   * sign-in kept by config `remember` is not signed out: the page going away is the reboot it survives.
   */
  stop(): void {
    this.#run?.abort();
    if (this.remembering === 'stored' || this.remembering === 'resumed') {
      this.#tokens?.wipe();
      this.#tokens = undefined;
      return;
    }
    this.#revokeHeld();
  }

  /**
   * Start over from nothing: the page came back from the back/forward cache (`pageshow` with
   * `persisted`), where whatever it showed went stale and `stop()` had signed it out.
   */
  startOver(): void {
    this.#ready = undefined;
    this.#notice = undefined;
    this.#idleCodes = 0;
    this.start();
  }

  /** Signs out what is held: the disk first (config `remember`), then the IdP, in the background. */
  #revokeHeld(): void {
    const tokens = this.#tokens;
    this.#tokens = undefined;
    const memory = this.#memory;
    if (!memory) return void tokens?.revoke();
    // The disk before the IdP: a screen switched off during a slow revocation stays signed out.
    tokens?.wipe();
    void memory
      .then(
        (m) => m.forget(),
        () => undefined,
      )
      .then(() => tokens?.revoke());
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
    let ready: Ready;
    let tokens: Tokens | undefined;
    let resumed: Resumption | undefined;
    do {
      ready = await this.#current(signal);
      resumed = await this.#resume(ready, signal);
      tokens = resumed?.tokens ?? (await this.#obtainTokens(ready, signal));
    } while (!tokens);
    // Tokens that arrive as the run is called off (a new code asked for that very moment) are not dropped alive.
    if (signal.aborted) {
      void tokens.revoke();
      throw signal.reason;
    }
    this.#tokens = tokens;
    try {
      await this.#staySignedIn(ready, tokens, signal, resumed);
    } catch (err) {
      if (signal.aborted) throw err;
      // Ended by itself (revoked, expired, idle, too long): a new code, with the reason beside it.
      this.signOut(endNotice(err));
    }
  }

  /** The config and metadata in force, read again once they are REREAD_MS old. */
  async #current(signal: AbortSignal): Promise<Ready> {
    if (this.#ready && !this.#stale(this.#ready)) return this.#ready;
    this.#ready = this.#withServerTime(await this.#prepare(signal));
    return this.#ready;
  }

  #stale(ready: Ready): boolean {
    return this.#deps.clock.now() - ready.readAt >= REREAD_MS;
  }

  /** Signed in until something ends it: the screen's own loop, and the tokens' refresh schedule beside it. */
  async #staySignedIn(ready: Ready, tokens: Tokens, signal: AbortSignal, resumed?: Resumption): Promise<void> {
    const both = new AbortController();
    const stop = () => both.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([
        this.#signedIn(ready, tokens, both.signal, resumed),
        keepFresh(tokens, ready.net.clock, both.signal),
      ]);
    } finally {
      signal.removeEventListener('abort', stop);
      both.abort();
    }
  }

  /** config.json, retried like every other start-up step while its failure may pass by itself. */
  async #configFile(signal: AbortSignal): Promise<ConfigFile> {
    const { url, fetch, clock } = this.#deps;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off address, not state
    const address = new URL('config.json', url).href;
    const attempt = async () => {
      const loaded = await (this.#fromBoot('configFile') ?? loadConfigFile({ fetch, clock }, address, signal));
      if (loaded.problem && isPassing(loaded.problem)) throw configError([loaded.problem]);
      return loaded;
    };
    return this.#withRetry(signal, attempt, (error) => error.code === 'config');
  }

  async #prepare(signal: AbortSignal): Promise<Ready> {
    this.phase = { status: 'starting' };
    const { url } = this.#deps;
    const readAt = this.#deps.clock.now();
    const { file, problem } = await this.#configFile(signal);
    const parsed = parseConfig(file, url.searchParams, url);
    const problems = [...(problem ? [problem] : []), ...(parsed.ok ? [] : parsed.problems)];
    if (!parsed.ok || problem) throw configError(problems);
    const config = parsed.config;
    this.config = config;
    // config `remember`: its code (and the disk's record) load while discovery runs; off, what an
    // earlier config kept goes.
    if (config.remember) this.#loadMemory().catch(() => undefined);
    else void forgetRemembered(this.#deps.indexedDB);
    const net: Net = {
      fetch: this.#deps.fetch,
      clock: this.#deps.clock,
      appOrigin: url.origin,
      client_id: config.client_id,
      allowHttpHost: config.allow_http_host,
    };
    if (config.debug) {
      this.debug ??= emptyDebugLog();
      net.onRequest = (record) => (this.debug = withRequest(this.debug ?? emptyDebugLog(), record));
    }
    // Discovery or the endpoints from config; in proxy mode the IdP's requests go through the proxy path.
    const as = await this.#withRetry(signal, () => this.#fromBoot('metadata') ?? resolveMetadata(net, config, signal));
    if (this.debug) this.debug = withMetadata(this.debug, as);
    return { config, net: routedNet(net, config, as), as, client: { client_id: config.client_id }, readAt };
  }

  /** config `remember`'s code, loaded once; a load that failed is tried again next time. */
  #loadMemory(): Promise<Memory> {
    const loading = (this.#memory ??= import('../core/restore').then(
      (m) => new m.Memory(this.#deps.indexedDB, (state) => (this.remembering = state)),
    ));
    loading.catch(() => {
      if (this.#memory === loading) this.#memory = undefined;
    });
    return loading;
  }

  /**
   * config `remember`: a sign-in kept through a reboot resumes without a code (restore.ts); one the
   * IdP refused, or past max_session, leaves its reason beside the next code.
   */
  async #resume(ready: Ready, signal: AbortSignal): Promise<Resumption | undefined> {
    if (!ready.config.remember) return undefined;
    const memory = await this.#loadMemory();
    const resumed = await memory.resume(
      ready,
      ready.config,
      {
        retrying: (attempt) => this.#withRetry(signal, attempt),
        reconnecting: (name) => (this.phase = { status: 'starting', reconnecting: { name } }),
      },
      signal,
    );
    if (!resumed || 'tokens' in resumed) return resumed;
    this.#notice =
      resumed.ended === 'max_session'
        ? { code: 'max_session', seconds: ready.config.max_session }
        : endNotice(resumed.ended);
    return undefined;
  }

  /**
   * Codes until someone approves one: an expired code is replaced by itself (RFC 8628 §3.5
   * expired_token). Undefined when config and metadata are due to be read again before the next code.
   */
  async #obtainTokens(ready: Ready, signal: AbortSignal): Promise<Tokens | undefined> {
    const { net, as, client, config } = ready;
    for (;;) {
      this.phase = { status: 'requesting' };
      const flow = { net, as, client, config, random: this.#deps.random };
      const code = await this.#withRetry(signal, () => this.#fromBoot('code') ?? requestDeviceCode(flow, signal));
      const shown = {
        status: 'code',
        user_code: code.user_code,
        verification_uri: code.verification_uri,
        qr_uri: qrUri(code),
        expires_at: code.expires_at,
        notice: this.#notice,
      } as const;
      this.#notice = undefined;
      this.phase = shown;
      // A key per sign-in, made while the code is on screen rather than before it.
      const keys = config.dpop ? await this.#dpopKeys(ready) : undefined;
      const dpop = keys && dpopWithKeys(client, keys, net.serverTime);
      try {
        const response = await pollForTokens({ ...flow, dpop }, code, signal, {
          onRetry: (error, wait) => {
            this.phase = { ...shown, retry_at: net.clock.now() + wait, retry_error: error };
          },
          // The "trying again" hint goes once the IdP answers again.
          onRecovered: () => {
            if (this.phase.status === 'code') this.phase = shown;
          },
        });
        this.#idleCodes = 0;
        this.#refusals = 0;
        // A chunk that failed to load costs this sign-in its memory, never the sign-in.
        const memory = config.remember ? await this.#loadMemory().catch(() => undefined) : undefined;
        const onRefreshed = memory?.keep(ready, config, keys, response);
        return new Tokens({ net, as, client, dpop, random: this.#deps.random, onRefreshed }, response);
      } catch (err) {
        if (err instanceof AppError && err.code === 'cors') {
          await this.#waitOutRefusal(err, signal);
          continue;
        }
        if (err instanceof AppError && err.code === 'expired_token') {
          if (config.max_idle_codes && ++this.#idleCodes >= config.max_idle_codes) throw new IdlePause();
          if (this.#stale(ready)) return undefined;
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
  async #signedIn(ready: Ready, tokens: Tokens, signal: AbortSignal, resumed?: Resumption): Promise<void> {
    const { config, net } = ready;
    const clock = net.clock;
    const ctx: TokenContext = { net, as: ready.as, client: ready.client, dpop: tokens.dpop };
    // The first API call goes out beside the userinfo request, not after it: one round trip less
    // between the approval and the answer on screen.
    let first = config.api ? this.#callApi(ready, tokens, config.api, signal) : undefined;
    first?.catch(() => undefined); // awaited below; a failure that ends the session is thrown there
    // show_user=false: not even asked for, so no userinfo request. Resumed after a reboot: the name is kept.
    const user = config.show_user ? (resumed ? resumed.name : await whoIsSignedIn(ctx, tokens, signal)) : undefined;
    // max_session counts from the sign-in with a code, also across reboots: the start is kept on
    // disk as wall-clock time (the monotonic clock restarts with the page) and mapped onto clock.now().
    const started = resumed ? clock.now() - Math.max(0, clock.wall() - resumed.started_at) : clock.now();
    this.#lastActivity = clock.now();
    if (!resumed)
      void this.#memory?.then(
        (memory) => memory.begin(clock.wall(), user),
        () => undefined,
      );
    this.phase = { status: 'signed-in', user };
    let nextCall = started;
    for (;;) {
      const now = clock.now();
      if (config.max_session && now >= started + config.max_session * 1000) {
        throw new SessionEnd({ code: 'max_session', seconds: config.max_session });
      }
      if (this.phase.status !== 'signed-in') return;
      if (config.idle_timeout) {
        const warnAt = this.#lastActivity + config.idle_timeout * 1000;
        if (now >= warnAt + IDLE_WARNING_MS) throw new SessionEnd({ code: 'idle', seconds: config.idle_timeout });
        if (now >= warnAt && !this.phase.signing_out_at)
          this.phase = { ...this.phase, signing_out_at: warnAt + IDLE_WARNING_MS };
      }
      if (config.api && now >= nextCall) {
        const api = await (first ?? this.#callApi(ready, tokens, config.api, signal));
        first = undefined;
        if (this.phase.status === 'signed-in') this.phase = { ...this.phase, api };
        nextCall = config.api_interval ? clock.now() + config.api_interval * 1000 : Infinity;
      }
      await clock.sleep(TICK_MS, signal);
    }
  }

  /** One API call; a failure that means the sign-in is over ends the session. */
  async #callApi(ready: Ready, tokens: Tokens, api: URL, signal: AbortSignal): Promise<ApiResult> {
    const at = ready.net.clock.now();
    const previous = this.phase.status === 'signed-in' ? this.phase.api : undefined;
    try {
      return { data: await callApi(ready.net, tokens, api, signal), at, fetched_at: at };
    } catch (err) {
      if (signal.aborted) throw err;
      const error = asAppError(err);
      if (error.code === 'invalid_grant') throw new SessionEnd({ code: 'revoked' });
      if (error.code === 'session_ended') throw new SessionEnd({ code: 'ended' });
      return { data: previous?.data, error, at, fetched_at: previous?.fetched_at };
    }
  }

  /**
   * The IdP's clock, estimated from its answers (core/server-time.ts), for oauth4webapi's
   * clockSkew and the DPoP proofs' iat: a TV whose clock is off still signs in.
   */
  #withServerTime(ready: Ready): Ready {
    const serverTime = this.#fromBoot('serverTime') ?? new ServerTime(ready.net.clock);
    return { ...ready, net: { ...ready.net, serverTime }, client: withClockSkew(ready.client, serverTime) };
  }

  /** A DPoP key pair for this sign-in; where the browser cannot make one, Bearer, and the debug overlay says why. */
  #dpopKeys(ready: Ready): Promise<CryptoKeyPair | undefined> {
    return createDPoPKeys(ready.as, {
      onNote: (note) => {
        if (this.debug) this.debug = withNote(this.debug, note);
      },
    });
  }

  /** CORS refusals in a row while polling, for the wait before the next code. */
  #refusals = 0;

  /**
   * The token endpoint refuses this origin (poll.ts CORS_REFUSALS): a person would approve in
   * vain, so the error screen names both origins and the client, and a new code comes after a
   * countdown, so the screen heals by itself once the IdP allows this origin.
   */
  async #waitOutRefusal(error: AppError, signal: AbortSignal): Promise<void> {
    const { clock } = this.#deps;
    const wait = backoff(++this.#refusals, START_BACKOFF, this.#deps.random ?? Math.random);
    this.phase = { status: 'error', error, retry_at: clock.now() + wait };
    await clock.sleep(wait, signal);
  }

  /** Passing failures (network, timeout, 5xx) retry by themselves, with a countdown on screen. */
  async #withRetry<T>(
    signal: AbortSignal,
    attempt: () => Promise<T>,
    passing = (error: AppError) => error.transient,
  ): Promise<T> {
    const { clock } = this.#deps;
    for (let failures = 1; ; failures++) {
      // A run called off (sign-out then stop, a new code) sends nothing more.
      if (signal.aborted) throw signal.reason;
      try {
        return await attempt();
      } catch (err) {
        if (signal.aborted) throw err;
        const error = asAppError(err);
        if (!passing(error)) throw error;
        const wait = backoff(failures, START_BACKOFF, this.#deps.random ?? Math.random, error.retryAfterMs);
        this.phase = { status: 'error', error, retry_at: clock.now() + wait };
        await clock.sleep(wait, signal);
      }
    }
  }
}

function configError(problems: ConfigProblem[]): AppError {
  return new AppError('config', {
    facts: { problems },
    details: 'config.json beside index.html, overridden by URL query parameters',
  });
}

/** Why a session that ended by itself ended, for the notice beside the next code. */
function endNotice(err: unknown): Notice {
  if (err instanceof SessionEnd) return err.notice;
  const error = asAppError(err);
  // The refresh schedule (refresh-schedule.ts) found no valid token to be had any more.
  if (error.code === 'invalid_grant') return { code: 'revoked' };
  if (error.code === 'session_ended') return { code: 'ended' };
  return { code: 'failed', error };
}

function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('bad_response', {
    reason: 'internal',
    cause: err,
    details: err instanceof Error ? err.name : undefined,
  });
}
