/**
 * The IdP's clock, as this screen estimates it. A TV's own clock may be minutes or years off (no
 * battery-backed clock, NTP not through yet at boot, set by hand), while the IdP judges a DPoP
 * proof's `iat` by its own clock (RFC 9449 §4.3 check 11, §11.1) and oauth4webapi judges the ID
 * token's `exp`/`nbf` (RFC 7519 §4.1.4–4.1.5) by the device's. With the offset both go right:
 * oauth4webapi gets it as `clockSkew` (whole seconds added to `Date.now()`), DPoP proofs carry
 * the IdP's time as `iat`.
 *
 * Sources, best first:
 * - The `Date` header (RFC 9110 §6.6.1) of answers to the IdP's POST endpoints, which no cache
 *   answers. Readable same-origin (proxy mode) or when the IdP lists `Date` in
 *   Access-Control-Expose-Headers: it is not a CORS-safelisted response header.
 * - Else the `iat` of the ID token in a token answer, read before oauth4webapi validates the
 *   answer. Sound for this use: the ID token comes over TLS straight from the token endpoint, in
 *   answer to this screen's own single-use device code or refresh token, which is the trust OIDC
 *   Core §3.1.3.7 (6) puts in it in place of a signature check, and the same server and channel a
 *   `Date` header would come from. What it gives up: `exp` is then checked against the token's
 *   own `iat` (a token issued already expired is still refused), not against an independent
 *   clock; a stale token cannot arrive on that channel anyway. So it is only a fallback, and never
 *   replaces an estimate from `Date`.
 *
 * The estimate is anchored to the monotonic clock, not the wall clock: when the wall clock steps
 * later (NTP comes through, someone sets the time), the IdP's time stays right and the skew
 * follows the step. Every new answer replaces it, so it heals after a device suspend too.
 */
import { clockSkew, type Client } from 'oauth4webapi';
import type { Clock } from './clock';

export type ServerTimeSource = 'date' | 'id_token';

/** The claims of a JWS compact serialisation, unverified; undefined for anything else (JWE included). */
function unverifiedClaims(jwt: unknown): Record<string, unknown> | undefined {
  if (typeof jwt !== 'string') return undefined;
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const base64 = parts[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export class ServerTime {
  readonly #clock: Clock;
  /** The IdP's time minus clock.now(), in ms. */
  #offset: number | undefined;
  #source: ServerTimeSource | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Where the estimate came from; undefined while no answer has told the IdP's time. */
  get source(): ServerTimeSource | undefined {
    return this.#source;
  }

  /** The IdP's time now (epoch ms), or undefined before any answer told it. */
  now(): number | undefined {
    return this.#offset === undefined ? undefined : this.#clock.now() + this.#offset;
  }

  /** oauth4webapi's `clockSkew`: whole seconds to add to the device's wall clock; 0 while unknown. */
  skewSeconds(): number {
    const server = this.now();
    return server === undefined ? 0 : Math.round((server - this.#clock.wall()) / 1000);
  }

  /** The `Date` header of an answer to a request sent at `sentAt` and received at `receivedAt` (clock.now()). */
  fromDate(value: string | null, sentAt: number, receivedAt: number): void {
    const date = value ? Date.parse(value) : NaN;
    if (Number.isFinite(date)) this.#set(date, sentAt, receivedAt, 'date');
  }

  /** The ID token of a token answer, when no `Date` header has been readable. */
  fromIdToken(idToken: unknown, sentAt: number, receivedAt: number): void {
    if (this.#source === 'date') return;
    const claims = unverifiedClaims(idToken);
    const iat = claims?.iat;
    if (typeof iat !== 'number' || !Number.isFinite(iat)) return;
    // A token whose lifetime is not positive says nothing reliable about the time.
    if (typeof claims?.exp === 'number' && claims.exp <= iat) return;
    this.#set(iat * 1000, sentAt, receivedAt, 'id_token');
  }

  /**
   * Both stamps are whole seconds written somewhere between sending and receiving: the middle of
   * that second is taken for the middle of the round trip (off by at most half of each).
   */
  #set(stamp: number, sentAt: number, receivedAt: number, source: ServerTimeSource): void {
    this.#offset = stamp + 500 - (sentAt + receivedAt) / 2;
    this.#source = source;
  }
}

/** The client as oauth4webapi sees it, its `clockSkew` read from the estimate at every check. */
export function withClockSkew(client: Client, time: ServerTime): Client {
  return Object.defineProperty({ ...client }, clockSkew, { get: () => time.skewSeconds(), enumerable: true });
}
