/**
 * One error type for the whole app: a stable `code` tools and tests can rely on, a sentence for the
 * person at the screen (`message`), and an optional `details` line for the operator. Nothing here
 * may carry a token: callers pass endpoint names and IdP error codes, never request bodies.
 */
export type ErrorCode =
  | 'config' // runtime config missing or invalid
  | 'cors' // the IdP or API refused this app's origin
  | 'network' // no connection
  | 'timeout' // the server did not answer in time
  | 'http' // a 5xx/429 or another unexpected status
  | 'bad_response' // not JSON, wrong types, missing fields, too large
  | 'issuer_mismatch' // discovery document names another issuer
  | 'no_device_endpoint' // the IdP does not offer the device grant
  | 'insecure_uri' // an IdP-sent URL that is neither https nor loopback http
  | 'access_denied' // the person declined
  | 'expired_token' // the device code expired
  | 'invalid_client'
  | 'unauthorized_client'
  | 'invalid_scope'
  | 'invalid_grant' // refresh token revoked or expired
  | 'oauth' // any other OAuth error response
  | 'session_ended'; // signed in, but can no longer stay so

/**
 * Errors worth trying again by themselves: the network or the server may recover. `cors` is one
 * too: a browser cannot tell a CORS refusal from a connection dropped after the server was reached
 * (both are a bare TypeError, and the no-cors probe gets through either way), and a screen nobody
 * watches should heal by itself once the deployer fixes the IdP's allowed origins.
 */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['network', 'timeout', 'http', 'cors']);

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: string;
  /** For `http`: the server's Retry-After, in ms. */
  readonly retryAfterMs?: number;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: string; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }

  get transient(): boolean {
    return TRANSIENT.has(this.code);
  }
}

/** The places a request goes; named in details lines and debug records. */
export type Endpoint = 'discovery' | 'device_authorization' | 'token' | 'revocation' | 'userinfo' | 'api';

const LABEL: Record<Endpoint, string> = {
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

/** Text from a server, shown as text only and never longer than this. */
export function clip(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
