/**
 * The one door to the network. Every request gets a timeout, a size cap on the answer, a diagnosis
 * when the browser hides the cause (CORS vs. offline), and provider quirks normalised before
 * oauth4webapi sees the body. Protocol code passes `requestOptions(...)` to oauth4webapi's request
 * functions and `toAppError` turns whatever they throw into an AppError.
 */
import {
  allowInsecureRequests,
  customFetch,
  OperationProcessingError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'oauth4webapi';
import type { Clock } from './clock';
import { isAllowedUrl } from './config';
import { AppError, clip, type ErrorCode } from './errors';
import { normaliseDeviceAuthorization, normaliseToken, normaliseTokenStatus, type JsonObject } from './quirks';

export type Endpoint = 'discovery' | 'device_authorization' | 'token' | 'revocation' | 'userinfo' | 'api';

export interface Net {
  fetch: typeof fetch;
  clock: Clock;
  /** This app's origin, named in CORS diagnoses. */
  appOrigin: string;
  client_id: string;
  timeoutMs?: number;
  maxBytes?: number;
  /** config `allow_http_host`: the one host besides this machine that plain http: may reach. */
  allowHttpHost?: string;
  /** Told of every finished request (config `debug`): what and how long, never a body or a query. */
  onRequest?(record: RequestRecord): void;
}

/** One request as the operator's debug overlay shows it. No body, no query, no header: no token or code. */
export interface RequestRecord {
  /** clock.now() when it was sent. */
  at: number;
  method: string;
  endpoint: Endpoint;
  /** origin + path only. */
  url: string;
  /** The HTTP status the server sent, when it answered. */
  status?: number;
  ms: number;
  /** The OAuth `error` member of the answer (RFC 6749 §5.2), e.g. authorization_pending. */
  oauth_error?: string;
  /** Why it failed, for failures the app saw at this level (timeout, CORS, 5xx, not JSON, …). */
  error?: { code: ErrorCode; details?: string };
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_BYTES = 64 * 1024;

const LABEL: Record<Endpoint, string> = {
  discovery: 'discovery document',
  device_authorization: 'device authorization endpoint',
  token: 'token endpoint',
  revocation: 'revocation endpoint',
  userinfo: 'userinfo endpoint',
  api: 'API',
};

/** "token endpoint https://idp.example/token": which endpoint of which IdP, for details lines. */
const where = (endpoint: Endpoint, url: string) => {
  try {
    const u = new URL(url);
    return `${LABEL[endpoint]} ${u.origin}${u.pathname}`;
  } catch {
    return `${LABEL[endpoint]} ${clip(url, 80)}`;
  }
};

/** The longest Retry-After obeyed: a server asking for an hour (or a year) gets a try every 10 minutes. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Retry-After (RFC 9110 §10.2.3): seconds or an HTTP date, capped at MAX_RETRY_AFTER_MS. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value?.trim()) return undefined;
  const seconds = Number(value);
  const date = Date.parse(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Number.isNaN(date) ? undefined : date - now;
  return ms === undefined ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

export async function readCapped(res: Response, max: number, what: string): Promise<string> {
  const tooLarge = () =>
    new AppError('bad_response', 'The sign-in server sent an answer that is far too large.', {
      details: `${what}: body larger than ${max} bytes`,
    });
  if (Number(res.headers.get('content-length')) > max) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return res.text();
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      // The connection dropped in the middle of the answer: a network failure, worth another try.
      throw new AppError('network', 'The connection to the sign-in server broke off. Trying again.', {
        cause,
        details: `${what}: the answer was cut off`,
      });
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** A timeout that also follows an outer signal (AbortSignal.any is too new for TV browsers). */
function deadline(clock: Clock, ms: number, outer?: AbortSignal) {
  const controller = new AbortController();
  const stop = new AbortController();
  let timedOut = false;
  clock.sleep(ms, stop.signal).then(
    () => {
      timedOut = true;
      controller.abort();
    },
    () => undefined,
  );
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done: () => {
      stop.abort();
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

/**
 * fetch rejects with a bare TypeError for both "offline" and "CORS refused". A no-cors probe tells
 * them apart: if it gets through, the server is there and it is CORS that blocked the real request.
 */
async function diagnose(net: Net, endpoint: Endpoint, url: string, cause: unknown): Promise<AppError> {
  const origin = new URL(url).origin;
  let reachable = false;
  const probe = deadline(net.clock, net.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    await net.fetch(url, { mode: 'no-cors', signal: probe.signal, cache: 'no-store' });
    reachable = true;
  } catch {
    // unreachable: a network problem
  } finally {
    probe.done();
  }
  if (reachable) {
    return new AppError(
      'cors',
      `The server at ${origin} did not allow this screen's address (${net.appOrigin}). Add ${net.appOrigin} to the allowed web origins (CORS) of client "${net.client_id}" in the identity provider.`,
      { cause, details: `${where(endpoint, url)}: request blocked by CORS` },
    );
  }
  if (!isPrivateHost(new URL(net.appOrigin).hostname) && isPrivateHost(new URL(url).hostname)) {
    // Chromium's Local Network Access: a page from a public address may not call a private one
    // without the person's permission, which a screen with nobody at it never gives.
    return new AppError(
      'network',
      `The browser did not let this screen (served from ${net.appOrigin}) reach ${origin} on the local network. Serve the app from the same network as the identity provider, use proxy mode, or allow it with the browser policy for managed devices (docs/deploy.md).`,
      { cause, details: `${where(endpoint, url)}: unreachable from a public origin (Local Network Access?)` },
    );
  }
  return new AppError('network', `Cannot reach ${origin}. Check the screen's network connection.`, {
    cause,
    details: `${where(endpoint, url)}: network error`,
  });
}

/** Loopback, RFC 1918, link-local and unique-local addresses, and .local names: the "local network". */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)
    );
  }
  return host === '::1' || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host);
}

async function normalise(
  net: Net,
  endpoint: Endpoint,
  url: string,
  res: Response,
  seen: { error?: string } = {},
): Promise<Response> {
  const what = where(endpoint, url);
  if (res.status >= 500 || res.status === 429) {
    await res.body?.cancel();
    throw new AppError('http', `The server at ${new URL(url).origin} is busy or failing (HTTP ${res.status}).`, {
      details: `${what}: HTTP ${res.status}`,
      retryAfterMs: retryAfterMs(res.headers.get('retry-after'), net.clock.now()),
    });
  }
  // Revocation answers may be empty; the API's body is read by api.ts.
  if (endpoint === 'revocation' || endpoint === 'api') return res;

  const text = await readCapped(res, net.maxBytes ?? DEFAULT_MAX_BYTES, what);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const type = res.headers.get('content-type') ?? 'no content type';
    throw new AppError('bad_response', 'The sign-in server sent an answer this screen cannot read.', {
      details: `${what}: HTTP ${res.status}, ${clip(type, 60)}, not JSON`,
    });
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new AppError('bad_response', 'The sign-in server sent an answer this screen cannot read.', {
      details: `${what}: the body is not a JSON object`,
    });
  }
  let body = json as JsonObject;
  // The OAuth error code (never a token) for the debug overlay: "authorization_pending", "slow_down", …
  if (typeof body.error === 'string') seen.error = clip(body.error, 40);
  let status = res.status;
  if (endpoint === 'device_authorization') body = normaliseDeviceAuthorization(body);
  if (endpoint === 'token') {
    status = normaliseTokenStatus(status, body);
    body = normaliseToken(body);
  }
  const headers = new Headers(res.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  return new Response(JSON.stringify(body), { status, headers });
}

/** Options for any oauth4webapi request function; `signal` cancels the request from outside. */
export function requestOptions(net: Net, endpoint: Endpoint, signal?: AbortSignal) {
  const send = async (url: string, init: object): Promise<Response> => {
    if (!isAllowedUrl(new URL(url), net.allowHttpHost)) {
      throw new AppError('insecure_uri', 'The sign-in server gave an address that is not secure (https).', {
        details: `${where(endpoint, url)} is not https`,
      });
    }
    const started = net.clock.now();
    let status: number | undefined;
    let failure: unknown;
    const seen: { error?: string } = {};
    const timer = deadline(net.clock, net.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal);
    const timeout = (cause: unknown) =>
      new AppError('timeout', `The server at ${new URL(url).origin} did not answer in time.`, {
        cause,
        details: `${where(endpoint, url)}: no answer within ${(net.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s`,
      });
    try {
      let res: Response;
      try {
        res = await net.fetch(url, { ...(init as RequestInit), signal: timer.signal });
      } catch (cause) {
        if (timer.timedOut()) throw (failure = timeout(cause));
        if (signal?.aborted) throw signal.reason;
        throw (failure = await diagnose(net, endpoint, url, cause));
      }
      status = res.status;
      try {
        return await normalise(net, endpoint, url, res, seen);
      } catch (err) {
        // The deadline covers the whole answer: a body that trickles in forever times out too.
        if (timer.timedOut()) throw (failure = timeout(err));
        if (signal?.aborted) throw signal.reason;
        throw (failure = err);
      }
    } finally {
      timer.done();
      if (net.onRequest && !signal?.aborted) {
        const u = new URL(url);
        net.onRequest({
          at: started,
          method: (init as RequestInit).method ?? 'GET',
          endpoint,
          url: `${u.origin}${u.pathname}`,
          status,
          ms: net.clock.now() - started,
          oauth_error: seen.error,
          error: failure instanceof AppError ? { code: failure.code, details: failure.details } : undefined,
        });
      }
    }
  };
  // http: is allowed by oauth4webapi here and policed by isAllowedUrl above (loopback only).
  return { [customFetch]: send, [allowInsecureRequests]: true } as const;
}

const OAUTH_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'access_denied',
  'expired_token',
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
  'invalid_grant',
]);

/** What the person at the screen (or the deployer standing next to it) should do about an IdP error. */
function oauthMessage(code: string, net: Pick<Net, 'client_id'>, scope?: string): string {
  switch (code) {
    case 'access_denied':
      return 'Sign-in was declined on the phone.';
    case 'expired_token':
      return 'The code expired before anyone used it.';
    case 'invalid_client':
      return `The identity provider does not accept client "${net.client_id}". Register it as a public client (no secret) with the device authorization grant.`;
    case 'unauthorized_client':
      return `Client "${net.client_id}" may not use the device authorization grant. Enable the device code grant for it in the identity provider.`;
    case 'invalid_scope':
      return `The identity provider refused the scopes "${scope ?? ''}". Allow them for client "${net.client_id}", or change the scope setting.`;
    case 'invalid_grant':
      return 'The sign-in is no longer valid (it was revoked or has expired).';
    default:
      return 'The identity provider refused the request.';
  }
}

/**
 * Whatever a request or oauth4webapi's processing threw, as an AppError. `url` (the endpoint's
 * address) lets the details line name the IdP as well as the endpoint.
 */
export function toAppError(
  err: unknown,
  endpoint: Endpoint,
  net: Pick<Net, 'client_id'>,
  scope?: string,
  url?: string,
): AppError {
  if (err instanceof AppError) return err;
  const place = url ? where(endpoint, url) : LABEL[endpoint];
  if (err instanceof ResponseBodyError) {
    const code = OAUTH_CODES.has(err.error) ? (err.error as ErrorCode) : 'oauth';
    const description = err.error_description ? `: ${clip(err.error_description)}` : '';
    return new AppError(code, oauthMessage(err.error, net, scope), {
      cause: err,
      details: `${place} answered ${clip(err.error, 60)}${description}`,
    });
  }
  if (err instanceof WWWAuthenticateChallengeError) {
    const error = err.cause[0]?.parameters.error ?? 'unauthorized';
    const code = OAUTH_CODES.has(error) ? (error as ErrorCode) : 'oauth';
    return new AppError(code, oauthMessage(error, net, scope), {
      cause: err,
      details: `${place} answered HTTP ${err.status} (${clip(error, 60)})`,
    });
  }
  if (err instanceof OperationProcessingError) {
    const attribute = (err.cause as { attribute?: string } | undefined)?.attribute;
    if (attribute === 'issuer') {
      const expected = (err.cause as { expected?: string }).expected;
      const body = (err.cause as { body?: { issuer?: unknown } }).body;
      return new AppError(
        'issuer_mismatch',
        'The sign-in server names a different issuer than configured. Check the issuer setting (watch for a trailing slash).',
        { cause: err, details: `configured ${expected}, discovery says ${clip(String(body?.issuer), 120)}` },
      );
    }
    return new AppError('bad_response', 'The sign-in server sent an answer this screen cannot use.', {
      cause: err,
      details: `${place}: ${clip(err.message.replace(/"response" body /, ''), 160)}`,
    });
  }
  return new AppError('bad_response', 'Something unexpected went wrong talking to the sign-in server.', {
    cause: err,
    details: `${place}: ${clip(err instanceof Error ? err.message : String(err), 160)}`,
  });
}
