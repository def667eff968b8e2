/**
 * The one authorized fetch: every API call goes through it. Attaches the token (Bearer, or DPoP
 * when the session is DPoP-bound), and on 401 invalid_token refreshes once and retries once
 * (RFC 6750 §3.1).
 */
import { protectedResourceRequest, WWWAuthenticateChallengeError } from 'oauth4webapi';
import { withDPoPNonceRetry } from './dpop';
import { AppError, clip, where } from './errors';
import { DEFAULT_MAX_BYTES, readCapped, requestOptions, type Net } from './transport';
import type { Tokens } from './tokens';

function isInvalidToken(err: unknown): boolean {
  if (!(err instanceof WWWAuthenticateChallengeError)) return false;
  // A 401 whose challenge names no error (or whose header CORS hid) is treated like invalid_token:
  // it costs at most one refresh, and a stale token is the likely cause.
  return err.status === 401 && err.cause.every((c) => !c.parameters.error || c.parameters.error === 'invalid_token');
}

async function send(net: Net, tokens: Tokens, url: URL, signal?: AbortSignal): Promise<Response> {
  const token = await tokens.accessToken();
  const request = () =>
    protectedResourceRequest(token, 'GET', url, new Headers({ accept: 'application/json' }), null, {
      ...requestOptions(net, 'api', signal),
      DPoP: tokens.dpop,
    });
  return withDPoPNonceRetry(tokens.dpop, request, async (response) => response);
}

export async function callApi(net: Net, tokens: Tokens, url: URL, signal?: AbortSignal): Promise<unknown> {
  let res: Response | undefined;
  try {
    res = await send(net, tokens, url, signal);
  } catch (err) {
    if (!isInvalidToken(err)) throw wrap(err, url);
  }
  // A 401 with no challenge at all: CORS hides WWW-Authenticate unless the API exposes it.
  if (!res || res.status === 401) {
    await res?.body?.cancel();
    await tokens.refresh();
    try {
      res = await send(net, tokens, url, signal);
    } catch (again) {
      throw wrap(again, url);
    }
  }
  if (!res.ok) {
    throw new AppError('http', {
      reason: 'api_status',
      facts: { endpoint: 'api', origin: url.origin, status: res.status },
      details: `${where('api', url.href)}: HTTP ${res.status}`,
    });
  }
  const text = await readCapped(res, net.maxBytes ?? DEFAULT_MAX_BYTES, 'api', url.href);
  try {
    return JSON.parse(text);
  } catch {
    return clip(text, 500);
  }
}

function wrap(err: unknown, url: URL): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof WWWAuthenticateChallengeError) {
    const error = err.cause[0]?.parameters.error;
    return new AppError('http', {
      reason: error ? 'api_challenge' : 'api_refused',
      facts: {
        endpoint: 'api',
        origin: url.origin,
        status: err.status,
        oauth_error: error ? clip(error, 40) : undefined,
      },
      cause: err,
      details: `${where('api', url.href)}: HTTP ${err.status}`,
    });
  }
  return new AppError('bad_response', {
    reason: 'api_failed',
    facts: { endpoint: 'api', origin: url.origin },
    cause: err,
    details: where('api', url.href),
  });
}
