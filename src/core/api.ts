/**
 * The one authorized fetch: every API call goes through it, the screen's own (`callApi`) and the
 * embedded app's (src/broker/). Attaches the token (Bearer, or DPoP when the session is
 * DPoP-bound), and on 401 invalid_token refreshes once and retries once (RFC 6750 §3.1).
 */
import { protectedResourceRequest, WWWAuthenticateChallengeError } from 'oauth4webapi/later';
import { withDPoPNonceRetry } from './dpop';
import { AppError, clip, where } from './errors';
import { DEFAULT_MAX_BYTES, readCapped } from './body';
import { requestOptions, type Net } from './transport';
import type { Tokens } from './tokens';

function isInvalidToken(err: WWWAuthenticateChallengeError): boolean {
  // A 401 whose challenge names no error (or whose header CORS hid) is treated like invalid_token:
  // it costs at most one refresh, and a stale token is the likely cause.
  return err.status === 401 && err.cause.every((c) => !c.parameters.error || c.parameters.error === 'invalid_token');
}

export interface AuthorizedRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string | null;
}

export interface AuthorizedResponse {
  status: number;
  headers: Headers;
  /** The body as text, at most `maxBytes`; empty for HEAD. */
  body: string;
  /** Set when the API answered with a WWW-Authenticate challenge: its `error` ('' when it named none). */
  challenge?: string;
}

async function send(
  net: Net,
  tokens: Tokens,
  url: URL,
  request: AuthorizedRequest,
  signal?: AbortSignal,
): Promise<{ res: Response; challenge?: WWWAuthenticateChallengeError }> {
  const token = await tokens.accessToken();
  const attempt = () =>
    protectedResourceRequest(token, request.method, url, new Headers(request.headers), request.body ?? null, {
      ...requestOptions(net, 'api', signal),
      DPoP: tokens.dpop,
    });
  try {
    return { res: await withDPoPNonceRetry(tokens.dpop, attempt, async (response) => response) };
  } catch (err) {
    // A challenge is an answer too (401, 403 insufficient_scope): its body is still unread.
    if (err instanceof WWWAuthenticateChallengeError) return { res: err.response, challenge: err };
    throw wrap(err, url);
  }
}

/**
 * Any request to an API with the session's token: Bearer, or DPoP with a proof per request. A 401
 * gets one refresh and one retry. 5xx and 429 reject as transient `http` errors (transport.ts);
 * every other status is returned as it came.
 */
export async function authorizedFetch(
  net: Net,
  tokens: Tokens,
  url: URL,
  request: AuthorizedRequest,
  signal?: AbortSignal,
  maxBytes = net.maxBytes ?? DEFAULT_MAX_BYTES,
): Promise<AuthorizedResponse> {
  let { res, challenge } = await send(net, tokens, url, request, signal);
  // A 401 with no challenge at all: CORS hides WWW-Authenticate unless the API exposes it.
  if (res.status === 401 && (!challenge || isInvalidToken(challenge))) {
    await res.body?.cancel();
    await tokens.refresh();
    ({ res, challenge } = await send(net, tokens, url, request, signal));
  }
  const body = request.method === 'HEAD' ? '' : await readCapped(res, maxBytes, 'api', url.href);
  return {
    status: res.status,
    headers: res.headers,
    body,
    challenge: challenge ? (challenge.cause[0]?.parameters.error ?? '') : undefined,
  };
}

/** The screen's own call: GET `api`, its JSON (or clipped text) for the built-in view. */
export async function callApi(net: Net, tokens: Tokens, url: URL, signal?: AbortSignal): Promise<unknown> {
  const res = await authorizedFetch(
    net,
    tokens,
    url,
    { method: 'GET', headers: { accept: 'application/json' } },
    signal,
  );
  if (res.status < 200 || res.status > 299) {
    const refused = res.challenge !== undefined;
    throw new AppError('http', {
      reason: refused ? (res.challenge ? 'api_challenge' : 'api_refused') : 'api_status',
      facts: {
        endpoint: 'api',
        origin: url.origin,
        status: res.status,
        oauth_error: res.challenge ? clip(res.challenge, 40) : undefined,
      },
      details: `${where('api', url.href)}: HTTP ${res.status}`,
    });
  }
  try {
    return JSON.parse(res.body);
  } catch {
    return clip(res.body, 500);
  }
}

function wrap(err: unknown, url: URL): AppError {
  if (err instanceof AppError) return err;
  return new AppError('bad_response', {
    reason: 'api_failed',
    facts: { endpoint: 'api', origin: url.origin },
    cause: err,
    details: where('api', url.href),
  });
}
