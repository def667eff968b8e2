/**
 * The token holder: in memory only, never logged, never stored (config `remember` gets a DPoP-bound
 * refresh token through `onRefreshed`, see remember.ts). Refresh per RFC 6749 §6 (single
 * flight, rotation kept atomic), revocation per RFC 7009. Nothing else in the app sees a token
 * string except the request it is attached to.
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
} from 'oauth4webapi';
import { AppError } from './errors';
import { withDPoPNonceRetry } from './dpop';
import { requestOptions, toAppError, type Net } from './http';

export interface TokenContext {
  net: Net;
  as: AuthorizationServer;
  client: Client;
  dpop?: DPoPHandle;
  /**
   * config `remember`: told after each refresh answer is held, so a rotated refresh token can be
   * written to disk (remember.ts). The only way a token string leaves this file except on a request.
   */
  onRefreshed?(answer: { refresh_token?: string; bound: boolean }): Promise<void>;
}

/**
 * RFC 6749 §6: grant_type=refresh_token, refresh_token, client_id; nothing else. With a DPoP handle
 * the request carries a fresh proof (RFC 9449 §5), retried once with the server's nonce.
 */
export function refreshGrant(
  ctx: TokenContext,
  refreshToken: string,
  signal?: AbortSignal,
): Promise<TokenEndpointResponse> {
  const { net, as, client, dpop } = ctx;
  const send = () =>
    refreshTokenGrantRequest(as, client, None(), refreshToken, { ...requestOptions(net, 'token', signal), DPoP: dpop });
  return withDPoPNonceRetry(dpop, send, (res) => processRefreshTokenResponse(as, client, res));
}

/** RFC 7009 §2.1: one token, with its type as a hint. */
export async function revokeToken(
  ctx: Pick<TokenContext, 'net' | 'as' | 'client'>,
  token: string,
  hint: 'refresh_token' | 'access_token',
): Promise<void> {
  const { net, as, client } = ctx;
  if (!as.revocation_endpoint) return;
  try {
    const res = await revocationRequest(as, client, None(), token, {
      ...requestOptions(net, 'revocation'),
      additionalParameters: { token_type_hint: hint },
    });
    await processRevocationResponse(res);
  } catch {
    // Best effort: the screen is signed out either way, and nothing of the token remains here.
  }
}

/**
 * Refresh this long before expiry: 10 % of the lifetime, at most 60 s, and at least 2 s, because
 * IdPs write `exp` in whole seconds counted before the answer travelled, so a token can die up to a
 * second before `expires_in` says.
 */
export function refreshMargin(lifetimeMs: number): number {
  return Math.min(lifetimeMs / 2, Math.max(2_000, Math.min(60_000, lifetimeMs / 10)));
}

const REFRESH_RETRY_MIN_MS = 2_000;
const REFRESH_RETRY_MAX_MS = 60_000;

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

  get canRefresh(): boolean {
    return !!this.#held?.refresh_token;
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
        throw new AppError('session_ended', 'The sign-in has ended. Sign in again with a new code.', {
          details: 'access token expired and the IdP gave no refresh token',
        });
      }
    }
    return this.#need().access_token;
  }

  #need(): Held {
    if (!this.#held) throw new AppError('session_ended', 'Signed out.');
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
      throw new AppError('session_ended', 'The sign-in has ended. Sign in again with a new code.', {
        details: 'the IdP gave no refresh token',
      });
    }
    if (this.#lastError && net.clock.now() < this.#retryAt) throw this.#lastError;
    let response: TokenEndpointResponse;
    try {
      response = await refreshGrant(this.#ctx, refreshToken);
    } catch (err) {
      const error = toAppError(err, 'token', net);
      if (error.transient) {
        this.#failures++;
        this.#lastError = error;
        this.#retryAt =
          net.clock.now() +
          Math.max(
            error.retryAfterMs ?? 0,
            Math.min(REFRESH_RETRY_MAX_MS, REFRESH_RETRY_MIN_MS * 2 ** (this.#failures - 1)),
          );
      } else {
        // invalid_grant and the like: this sign-in is over.
        this.wipe();
      }
      throw error;
    }
    // The holder may have been wiped (sign-out) while the request was in flight.
    if (!this.#held) throw new AppError('session_ended', 'Signed out.');
    this.#failures = 0;
    this.#lastError = undefined;
    this.#hold(response);
    this.refreshes++;
    await this.#ctx.onRefreshed?.({ refresh_token: response.refresh_token, bound: response.token_type === 'dpop' });
  }

  /**
   * RFC 7009: revoke the refresh token (which, per §2.1, may take the access token with it), then the
   * access token. Memory is wiped first, whatever the IdP answers.
   */
  async revoke(): Promise<void> {
    const held = this.#held;
    this.wipe();
    if (!held) return;
    if (held.refresh_token) await revokeToken(this.#ctx, held.refresh_token, 'refresh_token');
    await revokeToken(this.#ctx, held.access_token, 'access_token');
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
