/**
 * The one door to the network. Every request gets an https check, a timeout covering the whole
 * answer, a size cap on the body, a diagnosis when the browser hides the cause (diagnosis.ts), and
 * provider quirks normalised before oauth4webapi sees the body (quirks.ts), and the IdP's clock read
 * from its answers (server-time.ts). Protocol code passes
 * `requestOptions(...)` to oauth4webapi's request functions and `toAppError` (oauth-errors.ts)
 * turns whatever they throw into an AppError.
 */
import { allowInsecureRequests, customFetch } from 'oauth4webapi';
import { deadline, type Clock } from './clock';
import { isAllowedUrl } from './config';
import { diagnose } from './diagnosis';
import { AppError, clip, originOf, where, type Endpoint, type ErrorCode } from './errors';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, readCapped } from './body';
import { isPollingError, normaliseAnswer, type JsonObject } from './quirks';
import { askedWaitMs } from './retry-after';
import type { ServerTime } from './server-time';

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
  /** The IdP's clock, estimated from the answers of its endpoints (not the API's). */
  serverTime?: ServerTime;
}

/** The server's time as well as the screen knows it: the estimate, else the device's own clock. */
export const serverNow = (net: Net): number => net.serverTime?.now() ?? net.clock.wall();

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

/** When a request went out and its answer came in, on clock.now(). */
interface Trip {
  sentAt: number;
  receivedAt: number;
}

/**
 * The answer as oauth4webapi should see it: a busy server (5xx) or a rate limit (429) is an error
 * here, with the wait it asked for; an IdP's body must be a JSON object, and is handed on with
 * provider quirks normalised.
 */
async function readAnswer(
  net: Net,
  endpoint: Endpoint,
  url: string,
  res: Response,
  seen: { error?: string },
  trip: Trip,
): Promise<Response> {
  const what = where(endpoint, url);
  const facts = { endpoint, origin: originOf(url), status: res.status };
  const asked = () => askedWaitMs(res.headers, serverNow(net));
  if (res.status >= 500) {
    await res.body?.cancel();
    throw new AppError('http', {
      reason: 'busy',
      facts,
      details: `${what}: HTTP ${res.status}`,
      retryAfterMs: asked(),
    });
  }
  // A bare 429 is the IdP limiting how often this screen asks (some limit the token endpoint below
  // their own polling interval). Only the token endpoint's body is read: authentik sends slow_down
  // with 429, and that is slow_down (RFC 8628 §3.5), not a failure.
  const rateLimited = () => {
    const wait = asked();
    return new AppError('http', {
      reason: 'rate_limited',
      facts,
      details: `${what}: HTTP 429${wait === undefined ? '' : `, asked to wait ${Math.round(wait / 1000)} s`}`,
      retryAfterMs: wait,
    });
  };
  if (res.status === 429 && endpoint !== 'token') {
    await res.body?.cancel();
    throw rateLimited();
  }
  // Revocation answers may be empty; the API's body is read by api.ts.
  if (endpoint === 'revocation' || endpoint === 'api') return res;

  const text = await readCapped(res, net.maxBytes ?? DEFAULT_MAX_BYTES, endpoint, url);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    if (res.status === 429) throw rateLimited();
    const type = res.headers.get('content-type') ?? 'no content type';
    throw new AppError('bad_response', {
      reason: 'not_json',
      facts,
      details: `${what}: HTTP ${res.status}, ${clip(type, 60)}, not JSON`,
    });
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    if (res.status === 429) throw rateLimited();
    throw new AppError('bad_response', {
      reason: 'not_json',
      facts,
      details: `${what}: the body is not a JSON object`,
    });
  }
  if (res.status === 429 && !isPollingError(json as JsonObject)) throw rateLimited();
  if (endpoint === 'token') net.serverTime?.fromIdToken((json as JsonObject).id_token, trip.sentAt, trip.receivedAt);
  const answer = normaliseAnswer(endpoint, res.status, json as JsonObject);
  // The OAuth error code (never a token) for the debug overlay: "authorization_pending", "slow_down", …
  if (typeof answer.body.error === 'string') seen.error = clip(answer.body.error, 40);
  const headers = new Headers(res.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers });
}

/** Options for any oauth4webapi request function; `signal` cancels the request from outside. */
export function requestOptions(net: Net, endpoint: Endpoint, signal?: AbortSignal) {
  const timeoutMs = net.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const send = async (url: string, init: object): Promise<Response> => {
    if (!isAllowedUrl(new URL(url), net.allowHttpHost)) {
      throw new AppError('insecure_uri', {
        reason: 'request',
        facts: { endpoint, origin: originOf(url) },
        details: `${where(endpoint, url)} is not https`,
      });
    }
    const started = net.clock.now();
    let status: number | undefined;
    let failure: unknown;
    const seen: { error?: string } = {};
    const timer = deadline(net.clock, timeoutMs, signal);
    const timeout = (cause: unknown) =>
      new AppError('timeout', {
        facts: { endpoint, origin: originOf(url), timeout_s: timeoutMs / 1000 },
        cause,
        details: `${where(endpoint, url)}: no answer within ${timeoutMs / 1000} s`,
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
      const trip = { sentAt: started, receivedAt: net.clock.now() };
      // The IdP's clock: from POST answers only, which no cache can have answered with an old Date.
      if (endpoint !== 'api' && ((init as RequestInit).method ?? 'GET') !== 'GET') {
        net.serverTime?.fromDate(res.headers.get('date'), trip.sentAt, trip.receivedAt);
      }
      try {
        return await readAnswer(net, endpoint, url, res, seen, trip);
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
          ms: Math.round(net.clock.now() - started),
          oauth_error: seen.error,
          error: failure instanceof AppError ? { code: failure.code, details: failure.details } : undefined,
        });
      }
    }
  };
  // http: is allowed by oauth4webapi here and policed by isAllowedUrl above (loopback only).
  return { [customFetch]: send, [allowInsecureRequests]: true } as const;
}
