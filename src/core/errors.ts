/**
 * One error type for the whole app: a stable `code` tools and tests can rely on, a finer `reason`
 * where one code has several causes, the `facts` an explanation names (origins, client_id, status,
 * …), and a technical `details` line for the operator. The words for the person at the screen are
 * the UI's (src/i18n): a sentence written here could not be translated. Nothing here may carry a
 * token: callers pass endpoint names and IdP error codes, never request bodies.
 */
import type { ConfigProblem } from './config.ts';

export const ERROR_CODES = [
  'config', // runtime config missing or invalid
  'cors', // the IdP or API refused this app's origin
  'network', // no connection
  'timeout', // the server did not answer in time
  'http', // a 5xx/429 or another unexpected status
  'bad_response', // not JSON, wrong types, missing fields, too large
  'issuer_mismatch', // discovery document names another issuer
  'no_device_endpoint', // the IdP does not offer the device grant
  'insecure_uri', // an IdP-sent URL that is neither https nor loopback http
  'access_denied', // the person declined
  'expired_token', // the device code expired
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
  'invalid_grant', // refresh token revoked or expired
  'oauth', // any other OAuth error response
  'session_ended', // signed in, but can no longer stay so
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Finer causes under one code, each explained in its own words. */
export const ERROR_REASONS = [
  'offline', // network: the server could not be reached at all
  'lna', // network: a page from a public address may not reach a private one (Local Network Access)
  'cut_off', // network: the answer broke off in the middle
  'too_large', // bad_response: the body passed the size cap
  'not_json', // bad_response: not a JSON object
  'unusable', // bad_response: JSON, but oauth4webapi refused its fields
  'unexpected', // bad_response: anything else while talking to the IdP
  'internal', // bad_response: a failure that is not about the network at all
  'user_code', // bad_response: a user code a person cannot read or type
  'expires_at_once', // bad_response: expires_in not longer than the polling interval
  'uri_too_long', // bad_response: a verification_uri too long to show or put in a readable QR
  'api_failed', // bad_response: the API call failed otherwise
  'busy', // http: 5xx
  'api_status', // http: the API answered another status that is not OK
  'api_refused', // http: the API refused the token (WWW-Authenticate, no error named)
  'api_challenge', // http: the API refused the token, naming an error
  'request', // insecure_uri: an address the app was to send a request to
  'shown', // insecure_uri: an address the screen was to show
  'userinfo', // insecure_uri: an address to show with a user name before "@" (a disguise)
  'no_refresh', // session_ended: the access token expired and there is no refresh token
  'signed_out', // session_ended: the tokens were wiped (sign-out) meanwhile
  'rate_limited', // http: a bare 429, the IdP limiting how often this screen may ask
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

/** The places a request goes; named in details lines and debug records. */
export type Endpoint = 'config' | 'discovery' | 'device_authorization' | 'token' | 'revocation' | 'userinfo' | 'api';

/** What an explanation may name. Every value is text the app or the server chose, never a token. */
export interface ErrorFacts {
  endpoint?: Endpoint;
  /** Origin of the server concerned. */
  origin?: string;
  /** This screen's own origin (CORS, Local Network Access). */
  app_origin?: string;
  client_id?: string;
  /** The scopes asked for (invalid_scope). */
  scope?: string;
  /** HTTP status of the answer. */
  status?: number;
  /** The error the server named (RFC 6749 §5.2, RFC 6750 §3.1), clipped. */
  oauth_error?: string;
  /** The field of an answer concerned (verification_uri, …). */
  field?: string;
  /** issuer_mismatch: the issuer configured and the one discovery named. */
  expected?: string;
  found?: string;
  /** timeout: the limit, in seconds. */
  timeout_s?: number;
  /** too_large: the size cap, in bytes. */
  max_bytes?: number;
  /** config: every problem found, each naming its key. */
  problems?: readonly ConfigProblem[];
}

/**
 * Errors worth trying again by themselves: the network or the server may recover. `cors` is one
 * too: a browser cannot tell a CORS refusal from a connection dropped after the server was reached
 * (both are a bare TypeError, and the no-cors probe gets through either way), and a screen nobody
 * watches should heal by itself once the deployer fixes the IdP's allowed origins.
 */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['network', 'timeout', 'http', 'cors']);

export interface AppErrorOptions {
  reason?: ErrorReason;
  facts?: ErrorFacts;
  cause?: unknown;
  /** A technical line for the operator (English is fine: it is shown as data, marked as details). */
  details?: string;
  /** For `http`: the server's Retry-After, in ms. */
  retryAfterMs?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly reason?: ErrorReason;
  readonly facts: ErrorFacts;
  readonly details?: string;
  readonly retryAfterMs?: number;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    // The message is for logs and test output only: code, reason and details, no sentence.
    super([code, options.reason].filter(Boolean).join('/') + (options.details ? `: ${options.details}` : ''), {
      cause: options.cause,
    });
    this.name = 'AppError';
    this.code = code;
    this.reason = options.reason;
    this.facts = options.facts ?? {};
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }

  get transient(): boolean {
    return TRANSIENT.has(this.code);
  }
}

const LABEL: Record<Endpoint, string> = {
  config: 'config.json',
  discovery: 'discovery document',
  device_authorization: 'device authorization endpoint',
  token: 'token endpoint',
  revocation: 'revocation endpoint',
  userinfo: 'userinfo endpoint',
  api: 'API',
};

/** "token endpoint https://idp.example/token": which endpoint of which server, for details lines (no query). */
export function where(endpoint: Endpoint, url?: string): string {
  if (url === undefined) return LABEL[endpoint];
  try {
    const u = new URL(url);
    return `${LABEL[endpoint]} ${u.origin}${u.pathname}`;
  } catch {
    return `${LABEL[endpoint]} ${clip(url, 80)}`;
  }
}

/** The origin of an address, for facts; the text itself (clipped) when it is no URL. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return clip(url, 80);
  }
}

/** Text from a server, shown as text only and never longer than this. */
export function clip(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
