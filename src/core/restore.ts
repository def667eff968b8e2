/**
 * config `remember` at the protocol level (docs/remember.md): which sign-ins may be kept, and how a
 * screen that rebooted resumes one with a refresh proved by the stored key instead of a new code.
 * remember.ts does the storage; the session decides when to call these.
 */
import type { AuthorizationServer, Client, TokenEndpointResponse } from 'oauth4webapi';
import type { Config } from './config';
import { dpopWithKeys } from './dpop';
import type { AppError, ErrorCode } from './errors';
import { toAppError } from './http';
import { RememberedSession, type NotStoredReason, type RecordStore, type RememberedRecord } from './remember';
import { refreshGrant, revokeToken, Tokens, type TokenContext } from './tokens';

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
): RememberedSession | NotStoredReason {
  if (!config.dpop) return 'dpop-off';
  if (!keys) return 'no-dpop-at-idp';
  // oauth4webapi lower-cases token_type; "bearer" means the IdP ignored the proof (RFC 9449 §5).
  if (response.token_type !== 'dpop') return 'bearer-token';
  if (!response.refresh_token) return 'no-refresh-token';
  if (!store) return 'no-indexeddb';
  const record = {
    issuer: as.issuer,
    client_id: client.client_id,
    keys,
    refresh_token: response.refresh_token,
    started_at: 0,
  };
  return new RememberedSession(store, record, false);
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
    dpop: dpopWithKeys(ctx.client, remembered.keys),
    onRefreshed: remembered.refreshed,
  };
  let response: TokenEndpointResponse;
  try {
    response = await refreshGrant(bound, remembered.refresh_token, signal);
  } catch (err) {
    if (signal?.aborted) throw err;
    const error = toAppError(err, 'token', ctx.net);
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
  await revokeToken(ctx, token, 'refresh_token');
}
