/**
 * config `remember` at the protocol level (docs/remember.md): which sign-ins may be kept, and how a
 * screen that rebooted resumes one with a refresh proved by the stored key instead of a new code.
 * remember.ts does the storage; the session decides when to call these.
 */
import type { AuthorizationServer, Client, TokenEndpointResponse } from 'oauth4webapi';
import type { Config } from './config';
import { dpopWithKeys } from './dpop';
import { AppError, type ErrorCode } from './errors';
import { toAppError } from './oauth-errors';
import {
  openRecordStore,
  RememberedSession,
  type NotStoredReason,
  type RecordStore,
  type RememberedRecord,
} from './remember';

import { refreshGrant, revokeTokens, Tokens, type TokenContext } from './tokens';

/** What the debug overlay says about remembering: kept, resumed after a reboot, or why not. */
export type RememberState = 'stored' | 'resumed' | NotStoredReason;

/**
 * After a code was approved: the sign-in to keep (written once it is on screen), or why nothing will
 * be. Only a refresh token bound to our key is worth keeping (RFC 9449 §5 binds a public client's
 * refresh token to the proof's key); a Bearer one would be a password on disk.
 */
export function keepable(
  store: RecordStore | undefined,
  config: Pick<Config, 'dpop'>,
  as: AuthorizationServer,
  client: Client,
  keys: CryptoKeyPair | undefined,
  response: TokenEndpointResponse,
): { session?: RememberedSession; reason?: NotStoredReason } {
  if (!config.dpop) return { reason: 'dpop-off' };
  if (!keys) return { reason: 'no-dpop-at-idp' };
  // oauth4webapi lower-cases token_type; "bearer" means the IdP ignored the proof (RFC 9449 §5).
  if (response.token_type !== 'dpop') return { reason: 'bearer-token' };
  if (!response.refresh_token) return { reason: 'no-refresh-token' };
  if (!store) return { reason: 'no-indexeddb' };
  const record = {
    issuer: as.issuer,
    client_id: client.client_id,
    keys,
    refresh_token: response.refresh_token,
    started_at: 0,
  };
  return { session: new RememberedSession(store, record, false) };
}

/**
 * Before asking for a code: the remembered sign-in of this issuer and client. A record of another
 * one (the config changed) is wiped: its key and token are of no use here and should not linger.
 * `read` is the store's read when the caller started it early (alongside config and discovery).
 */
export async function recall(
  store: RecordStore | undefined,
  as: AuthorizationServer,
  client: Client,
  read: Promise<RememberedRecord | undefined> | undefined = store?.read(),
): Promise<RememberedSession | undefined> {
  const record = await read?.catch(() => undefined);
  if (!store || !record) return undefined;
  if (record.issuer !== as.issuer || record.client_id !== client.client_id) {
    await store.clear().catch(() => undefined);
    return undefined;
  }
  return new RememberedSession(store, record, true);
}

/**
 * The IdP's word that the remembered grant is over (revoked, expired, used elsewhere, client gone):
 * RFC 6749 §5.2. Anything else (network, 5xx, an unreadable answer from a captive portal, a DPoP
 * proof refused while the clock is still wrong after a power cut) may pass, so the record stays.
 */
const REFUSALS: ReadonlySet<ErrorCode> = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

export const isRefusal = (error: AppError): boolean => REFUSALS.has(error.code);

/**
 * One refresh with a fresh proof from the stored key (RFC 9449 §5), then a token holder whose later
 * rotations are written back. A refusal wipes the record before it is thrown; any other failure
 * keeps it, for the caller to retry: the remembered session may still be good, so nothing here
 * ever falls back to a code by itself.
 */
export async function resume(
  ctx: Pick<TokenContext, 'net' | 'as' | 'client'>,
  remembered: RememberedSession,
  signal?: AbortSignal,
): Promise<Tokens> {
  const bound: TokenContext = {
    ...ctx,
    dpop: dpopWithKeys(ctx.client, remembered.keys, ctx.net.serverTime),
    onRefreshed: remembered.refreshed,
  };
  let response: TokenEndpointResponse;
  try {
    response = await refreshGrant(bound, remembered.refresh_token, signal);
  } catch (err) {
    if (signal?.aborted) throw err;
    const error = toAppError(err, { endpoint: 'token', client_id: ctx.net.client_id });
    if (isRefusal(error)) await remembered.forget();
    throw error;
  }
  await remembered.refreshed({ refresh_token: response.refresh_token, bound: response.token_type === 'dpop' });
  return new Tokens(bound, response);
}

/**
 * A remembered sign-in that reached `max_session` while the screen was off: ended without a refresh
 * (no network needed to know it is over). The disk first, then the IdP (RFC 7009).
 */
export async function expire(
  ctx: Pick<TokenContext, 'net' | 'as' | 'client'>,
  remembered: RememberedSession,
): Promise<void> {
  const token = remembered.refresh_token;
  await remembered.forget();
  await revokeTokens(ctx, { refresh_token: token });
}

/** What the session lends `Memory.resume`: its retry loop and its screen. */
export interface ResumeHooks {
  /** Runs `attempt` until it succeeds or fails for good (the session's backoff, with a countdown). */
  retrying<T>(attempt: () => Promise<T>): Promise<T>;
  /** Shown while the refresh is under way: "Reconnecting as {name}…". */
  reconnecting(name: string | undefined): void;
}

/** A remembered sign-in, signed in again: its tokens, and the name and start it began with. */
export interface Resumption {
  tokens: Tokens;
  name?: string;
  started_at: number;
}

/**
 * How a boot with a remembered record went (undefined: nothing remembered for this IdP). `ended`:
 * the remembered session is over, past `max_session` or refused by the IdP (the reason).
 */
export type Resumed = Resumption | { ended: 'max_session' | AppError };

/**
 * config `remember` for one screen: the store, the sign-in being remembered, and what the debug
 * overlay says about it. The session loads this module only when the config asks for `remember`.
 */
export class Memory {
  #store: RecordStore | undefined;
  /** The read started when this memory was made (alongside discovery), used by the first resume. */
  #firstRead: Promise<RememberedRecord | undefined> | undefined;
  #current: RememberedSession | undefined;
  #onState: (state: RememberState | undefined) => void;

  constructor(factory: IDBFactory | undefined, onState: (state: RememberState | undefined) => void) {
    this.#store = openRecordStore(factory);
    this.#firstRead = this.#store?.read();
    this.#firstRead?.catch(() => undefined);
    this.#onState = onState;
  }

  /**
   * Before asking for a code. Past `max_session` (counted from the sign-in with a code) the record
   * is ended without a refresh; otherwise one refresh, retried through `hooks` while it fails for a
   * passing reason (never a code while the remembered session may still be good).
   */
  async resume(
    ctx: Pick<TokenContext, 'net' | 'as' | 'client'>,
    config: Pick<Config, 'max_session' | 'show_user'>,
    hooks: ResumeHooks,
    signal: AbortSignal,
  ): Promise<Resumed | undefined> {
    const read = this.#firstRead ?? this.#store?.read();
    this.#firstRead = undefined;
    const remembered = await recall(this.#store, ctx.as, ctx.client, read);
    if (!remembered) return undefined;
    if (config.max_session && ctx.net.clock.wall() >= remembered.started_at + config.max_session * 1000) {
      await expire(ctx, remembered);
      return { ended: 'max_session' };
    }
    const name = config.show_user ? remembered.name : undefined;
    try {
      const tokens = await hooks.retrying(() => {
        hooks.reconnecting(name);
        return resume(ctx, remembered, signal);
      });
      this.#current = remembered;
      this.#onState('resumed');
      return { tokens, name: remembered.name, started_at: remembered.started_at };
    } catch (err) {
      if (!signal.aborted && err instanceof AppError && isRefusal(err)) return { ended: err };
      throw err;
    }
  }

  /**
   * After a code was approved: remembers the sign-in when it may be (see `keepable`), else tells
   * the overlay why not. Returns what the token holder tells of each refresh.
   */
  keep(
    ctx: Pick<TokenContext, 'as' | 'client'>,
    config: Pick<Config, 'dpop'>,
    keys: CryptoKeyPair | undefined,
    response: TokenEndpointResponse,
  ): TokenContext['onRefreshed'] {
    const kept = keepable(this.#store, config, ctx.as, ctx.client, keys, response);
    this.#current = kept.session;
    this.#onState(kept.reason);
    return kept.session?.refreshed;
  }

  /** The kept sign-in is on screen: its first write, with when it began and whom to name. */
  async begin(started_at: number, name: string | undefined): Promise<void> {
    const current = this.#current;
    if (!current || current.resumed) return;
    const why = await current.begin(started_at, name);
    if (this.#current === current) this.#onState(why ?? 'stored');
  }

  /** Sign-out: the record is gone when this resolves; no write for this sign-in starts after it. */
  async forget(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    this.#onState(undefined);
    await current?.forget();
  }
}
