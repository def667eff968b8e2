/**
 * The token holder: in memory only, never logged, never stored (config `remember` gets a DPoP-bound
 * refresh token through `onRefreshed`, see remember.ts). Refresh per RFC 6749 §6 (single
 * flight, rotation kept atomic), revocation per RFC 7009. Nothing else in the app sees a token
 * string except the request it is attached to. No token is dropped while still valid at the IdP:
 * whatever the screen will not use (signed out, refused after issuance, arrived too late) is revoked.
 */
import {
  getValidatedIdTokenClaims,
  None,
  processRefreshTokenResponse,
  processRevocationResponse,
  refreshTokenGrantRequest,
  revocationRequest,
  type AuthorizationServer,
  type Client,
  type DPoPHandle,
  type IDToken,
  type TokenEndpointResponse,
} from 'oauth4webapi/later';
import { backoff } from './backoff';
import { AppError } from './errors';
import { withDPoPNonceRetry } from './dpop';
import { toAppError } from './oauth-errors';
import { DEFAULT_TIMEOUT_MS } from './body';
import { requestOptions, type Net } from './transport';

export interface TokenContext {
  net: Net;
  as: AuthorizationServer;
  client: Client;
  dpop?: DPoPHandle;
  /** [0, 1) for the retry jitter; injected so tests are exact. */
  random?: () => number;
  /**
   * config `remember`: told after each refresh answer is held, so a rotated refresh token can be
   * written to disk (remember.ts). The only way a token string leaves this file except on a request.
   */
  onRefreshed?(answer: { refresh_token?: string; bound: boolean }): Promise<void>;
}

/**
 * RFC 6749 §6: grant_type=refresh_token, refresh_token, client_id; nothing else. With a DPoP handle
 * the request carries a fresh proof (RFC 9449 §5), retried once with the server's nonce. Tokens in
 * an answer the app refuses are revoked (processIssued).
 */
export function refreshGrant(
  ctx: TokenContext,
  refreshToken: string,
  signal?: AbortSignal,
): Promise<TokenEndpointResponse> {
  const { net, as, client, dpop } = ctx;
  const send = () =>
    refreshTokenGrantRequest(as, client, None(), refreshToken, { ...requestOptions(net, 'token', signal), DPoP: dpop });
  return withDPoPNonceRetry(dpop, send, (res) =>
    processIssued(ctx, res, (issued) => processRefreshTokenResponse(as, client, issued)),
  );
}

/**
 * Refresh this long before expiry: 10 % of the lifetime, at most 60 s, and at least 2 s, because
 * IdPs write `exp` in whole seconds counted before the answer travelled, so a token can die up to a
 * second before `expires_in` says.
 */
export function refreshMargin(lifetimeMs: number): number {
  return Math.min(lifetimeMs / 2, Math.max(2_000, Math.min(60_000, lifetimeMs / 10)));
}

/** Refresh retries after a passing failure: 2 s, doubling, at most 60 s. */
const REFRESH_BACKOFF = { base: 2_000, cap: 60_000 };

/** A revocation nobody waits for still ends: a hanging IdP cannot keep requests open for long. */
export const REVOKE_TIMEOUT_MS = 5_000;

/** What revocation needs: where to send it and as whom. */
export type RevokeContext = Pick<TokenContext, 'net' | 'as' | 'client'>;

/** Tokens as an answer carried them. */
interface Issued {
  access_token?: string;
  refresh_token?: string;
}

/**
 * RFC 7009: revokes the refresh token (which, per §2.1, may take the access token with it) and the
 * access token. Both requests leave at once and with `keepalive`, so they outlive a page that is
 * going away (no second turn after the first answer), each bounded by REVOKE_TIMEOUT_MS. Never
 * rejects: revocation is best effort, and nothing of the tokens is kept here either way.
 */
export async function revokeTokens(ctx: RevokeContext, issued: Issued): Promise<void> {
  const { net, as, client } = ctx;
  if (!as.revocation_endpoint) return;
  const door: Net = {
    ...net,
    timeoutMs: Math.min(net.timeoutMs ?? DEFAULT_TIMEOUT_MS, REVOKE_TIMEOUT_MS),
    // oauth4webapi hands its customFetch no keepalive of its own: the door's fetch adds it.
    fetch: (input, init) => net.fetch(input, { ...init, keepalive: true }),
  };
  const hints = ['refresh_token', 'access_token'] as const;
  await Promise.all(
    hints.map(async (hint) => {
      const token = issued[hint];
      if (!token) return;
      try {
        const res = await revocationRequest(as, client, None(), token, {
          ...requestOptions(door, 'revocation'),
          additionalParameters: { token_type_hint: hint },
        });
        await processRevocationResponse(res);
      } catch {
        // Best effort: the screen is signed out either way.
      }
    }),
  );
}

/**
 * oauth4webapi's processing of a token answer, plus one rule: when it refuses an answer that
 * carries tokens (an ID token that fails validation, an unknown token_type), those tokens were
 * issued all the same and stay valid at the IdP, so they are revoked in the background before the
 * error goes on.
 */
export async function processIssued<T>(
  ctx: RevokeContext,
  response: Response,
  process: (response: Response) => Promise<T>,
): Promise<T> {
  const copy = response.ok ? response.clone() : undefined;
  try {
    const result = await process(response);
    void copy?.body?.cancel();
    return result;
  } catch (err) {
    if (copy) void tokensIn(copy).then((issued) => revokeTokens(ctx, issued));
    throw err;
  }
}

async function tokensIn(response: Response): Promise<Issued> {
  try {
    const body = (await response.json()) as Record<string, unknown> | null;
    const text = (key: keyof Issued) => (typeof body?.[key] === 'string' ? body[key] : undefined);
    return { access_token: text('access_token'), refresh_token: text('refresh_token') };
  } catch {
    return {};
  }
}

interface Held {
  access_token: string;
  refresh_token?: string;
  /** Epoch ms; undefined when the IdP gave no expires_in. */
  expires_at?: number;
  refresh_at?: number;
  /** token_type DPoP: the access token is bound to our key and must travel with a proof. */
  bound: boolean;
}

export class Tokens {
  #ctx: TokenContext;
  #held: Held | undefined;
  #refreshing: Promise<void> | undefined;
  #failures = 0;
  /** Claims of the validated ID token (oauth4webapi checks iss, aud, azp, exp, iat). */
  readonly idTokenClaims: IDToken | undefined;
  /** How many refreshes succeeded; shown in diagnostics and used by tests. */
  refreshes = 0;

  constructor(ctx: TokenContext, response: TokenEndpointResponse) {
    this.#ctx = ctx;
    this.idTokenClaims = getValidatedIdTokenClaims(response);
    this.#hold(response);
  }

  #hold(response: TokenEndpointResponse): void {
    const now = this.#ctx.net.clock.now();
    const lifetime = response.expires_in !== undefined ? response.expires_in * 1000 : undefined;
    // Rotation: a new refresh token replaces the old one; none in the answer keeps the old one (RFC 6749 §6).
    this.#held = {
      access_token: response.access_token,
      refresh_token: response.refresh_token ?? this.#held?.refresh_token,
      expires_at: lifetime !== undefined ? now + lifetime : undefined,
      refresh_at: lifetime !== undefined ? now + lifetime - refreshMargin(lifetime) : undefined,
      // An IdP may advertise DPoP yet issue a Bearer token (RFC 9449 §5): then the API gets Bearer.
      bound: response.token_type === 'dpop',
    };
  }

  get signedIn(): boolean {
    return this.#held !== undefined;
  }

  get expiresAt(): number | undefined {
    return this.#held?.expires_at;
  }

  /**
   * When the holder next needs `accessToken()` called to stay valid: the refresh (or, after a
   * passing failure, its retry) is due, or, with nothing to refresh with, the access token expires
   * and the sign-in ends. Undefined when nothing is ever due (no expires_in) or nothing is held.
   */
  get dueAt(): number | undefined {
    const held = this.#held;
    if (!held) return undefined;
    if (!held.refresh_token) return held.expires_at;
    if (held.refresh_at === undefined) return undefined;
    return this.#lastError ? Math.max(held.refresh_at, this.#retryAt) : held.refresh_at;
  }

  #valid(now: number): boolean {
    const held = this.#held;
    return !!held && (held.expires_at === undefined || now < held.expires_at);
  }

  /**
   * An access token to use now. Refreshes first when inside the margin; when that refresh fails for
   * a passing reason and the current token is still valid, the current token is used.
   */
  async accessToken(): Promise<string> {
    const now = this.#ctx.net.clock.now();
    const held = this.#need();
    if (held.refresh_at !== undefined && now >= held.refresh_at) {
      if (held.refresh_token) {
        try {
          await this.refresh();
        } catch (err) {
          if (!(err instanceof AppError && err.transient && this.#valid(this.#ctx.net.clock.now()))) throw err;
        }
      } else if (!this.#valid(now)) {
        this.wipe();
        throw new AppError('session_ended', {
          reason: 'no_refresh',
          details: 'access token expired and the IdP gave no refresh token',
        });
      }
    }
    return this.#need().access_token;
  }

  #need(): Held {
    if (!this.#held) throw new AppError('session_ended', { reason: 'signed_out' });
    return this.#held;
  }

  /**
   * RFC 6749 §6: grant_type=refresh_token, refresh_token, client_id; nothing else. Concurrent callers
   * share one request (single flight). Transient failures back off: until the next attempt is due,
   * callers get the same error without a request.
   */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#doRefresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  #retryAt = 0;
  #lastError: AppError | undefined;

  async #doRefresh(): Promise<void> {
    const { net } = this.#ctx;
    const refreshToken = this.#need().refresh_token;
    if (!refreshToken) {
      throw new AppError('session_ended', {
        reason: 'no_refresh',
        details: 'the IdP gave no refresh token',
      });
    }
    if (this.#lastError && net.clock.now() < this.#retryAt) throw this.#lastError;
    let response: TokenEndpointResponse;
    try {
      response = await refreshGrant(this.#ctx, refreshToken);
    } catch (err) {
      const error = toAppError(err, { endpoint: 'token', client_id: net.client_id });
      if (error.transient) {
        this.#failures++;
        this.#lastError = error;
        const random = this.#ctx.random ?? Math.random;
        this.#retryAt = net.clock.now() + backoff(this.#failures, REFRESH_BACKOFF, random, error.retryAfterMs);
      } else {
        // invalid_grant and the like: this sign-in is over, and an access token it left may still be valid.
        void this.revoke();
      }
      throw error;
    }
    // Signed out while the request was in flight: the rotated refresh token and the new access
    // token are valid at the IdP, and nobody here will use them.
    if (!this.#held) {
      void revokeTokens(this.#ctx, response);
      throw new AppError('session_ended', { reason: 'signed_out' });
    }
    this.#failures = 0;
    this.#lastError = undefined;
    this.#hold(response);
    this.refreshes++;
    await this.#ctx.onRefreshed?.({ refresh_token: response.refresh_token, bound: response.token_type === 'dpop' });
  }

  /** Signs out: memory is wiped at once, then the IdP is asked to revoke (revokeTokens). */
  async revoke(): Promise<void> {
    const held = this.#held;
    this.wipe();
    if (held) await revokeTokens(this.#ctx, held);
  }

  wipe(): void {
    this.#held = undefined;
    this.#lastError = undefined;
  }

  /** The DPoP handle to use with the access token, when it is DPoP-bound (api.ts, identity.ts). */
  get dpop(): DPoPHandle | undefined {
    return this.#held?.bound ? this.#ctx.dpop : undefined;
  }
}
