/**
 * A tiny fake identity provider for unit tests, used as the injected `fetch`. It routes by URL,
 * records every request with the test clock's time and its form body, and answers from queues of
 * `Response` fixtures. Nothing here opens a socket or waits on real time.
 */
import { customFetch, processRefreshTokenResponse, type AuthorizationServer, type Client } from 'oauth4webapi/later';
import { expect } from 'vitest';
import { AppError, type Endpoint } from '../core/errors';
import { requestOptions, type Net } from '../core/transport';
import { testClock, type TestClock } from '../testing/test-clock';

export const ISSUER = 'https://idp.example';
export const APP_ORIGIN = 'http://127.0.0.1:4000';
export const CLIENT_ID = 'screen-signin';

export const as: AuthorizationServer = {
  issuer: ISSUER,
  device_authorization_endpoint: `${ISSUER}/device`,
  token_endpoint: `${ISSUER}/token`,
  revocation_endpoint: `${ISSUER}/revoke`,
};

export const client: Client = { client_id: CLIENT_ID, token_endpoint_auth_method: 'none' };

export interface RecordedRequest {
  /** clock.now() when the request was sent. */
  at: number;
  /** clock.now() when the answer (or failure) was handed back; undefined while in flight. */
  answeredAt?: number;
  url: string;
  method: string;
  headers: Headers;
  /** The form-encoded body, when there is one. */
  form?: URLSearchParams;
  /** A `mode: 'no-cors'` reachability probe (diagnosis.ts sends one after a bare TypeError). */
  probe: boolean;
}

/**
 * One queued answer: a Response made fresh per request (bodies are single-use; the request's init is
 * passed so a streamed body can follow its abort signal), or a failure.
 */
export type Answer =
  | ((init: RequestInit) => Response)
  | { fail: 'network' } // fetch rejects with TypeError and the no-cors probe fails too
  | { fail: 'cors' } // fetch rejects with TypeError, but the no-cors probe gets through
  | { fail: 'hang' }; // never answers; rejects only when the request's signal aborts

export const networkDown: Answer = { fail: 'network' };
export const corsBlocked: Answer = { fail: 'cors' };
export const hang: Answer = { fail: 'hang' };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): () => Response {
  return () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

export function text(body: string, status = 200, headers: Record<string, string> = {}): () => Response {
  return () => new Response(body, { status, headers });
}

export function oauthError(error: string, status = 400, extra: Record<string, unknown> = {}): () => Response {
  return json({ error, ...extra }, status);
}

/** The error oauth4webapi throws for this OAuth error answer from the token endpoint. */
export async function oauthFailure(body: Record<string, unknown>, status = 400): Promise<unknown> {
  const res = new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  return processRefreshTokenResponse(as, client, res).then(
    () => {
      throw new Error('expected oauth4webapi to throw');
    },
    (e: unknown) => e,
  );
}

export function tokens(body: Record<string, unknown> = {}): () => Response {
  return json({ access_token: 'AT', token_type: 'Bearer', expires_in: 3600, ...body });
}

export interface FakeIdp {
  fetch: typeof fetch;
  clock: TestClock;
  /** Every request, probes included, in the order sent. */
  requests: RecordedRequest[];
  /** Requests (not probes) sent to `url`. */
  to(url: string): RecordedRequest[];
  /** Answers for `url`, used in order. */
  queue(url: string, ...answers: Answer[]): void;
  /** The answer for `url` once its queue is empty. */
  always(url: string, answer: Answer): void;
  /** How long (test-clock ms) every answer takes to arrive. */
  latencyMs: number;
  /** URLs asked for with nothing queued (answered 404). */
  unrouted: string[];
  net: Net;
}

const abortable = (signal: AbortSignal | null | undefined) =>
  new Promise<never>((_, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

export function fakeIdp(clock: TestClock = testClock()): FakeIdp {
  const queues = new Map<string, Answer[]>();
  const defaults = new Map<string, Answer>();
  /** What a no-cors probe of a URL finds, set by the last failure there. */
  const reachable = new Map<string, boolean>();

  const idp: FakeIdp = {
    clock,
    requests: [],
    unrouted: [],
    latencyMs: 0,
    to: (url) => idp.requests.filter((r) => r.url === url && !r.probe),
    queue(url, ...answers) {
      queues.set(url, [...(queues.get(url) ?? []), ...answers]);
    },
    always(url, answer) {
      defaults.set(url, answer);
    },
    fetch: (async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const body = init.body;
      const record: RecordedRequest = {
        at: clock.now(),
        url,
        method: init.method ?? 'GET',
        headers: new Headers(init.headers),
        form:
          body instanceof URLSearchParams || typeof body === 'string'
            ? new URLSearchParams(body.toString())
            : undefined,
        probe: init.mode === 'no-cors',
      };
      idp.requests.push(record);
      try {
        if (record.probe) {
          if (!reachable.get(url)) throw new TypeError('fetch failed');
          return new Response(null, { status: 200 });
        }
        const answer = queues.get(url)?.shift() ?? defaults.get(url);
        if (!answer) {
          idp.unrouted.push(url);
          return new Response('no route', { status: 404 });
        }
        if (idp.latencyMs > 0) await clock.sleep(idp.latencyMs, init.signal ?? undefined);
        if (typeof answer === 'function') return answer(init);
        if (answer.fail === 'hang') return await abortable(init.signal);
        reachable.set(url, answer.fail === 'cors');
        throw new TypeError('fetch failed');
      } finally {
        record.answeredAt = clock.now();
      }
    }) as typeof fetch,
    net: undefined as unknown as Net,
  };
  idp.net = { fetch: idp.fetch, clock, appOrigin: APP_ORIGIN, client_id: CLIENT_ID };
  return idp;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Watches a promise without letting its rejection go unhandled. */
export function watch<T>(promise: Promise<T>): { readonly outcome: Outcome<T> | undefined } {
  const box: { outcome: Outcome<T> | undefined } = { outcome: undefined };
  promise.then(
    (value) => (box.outcome = { ok: true, value }),
    (error: unknown) => (box.outcome = { ok: false, error }),
  );
  return box;
}

/**
 * Runs the test clock from one pending sleep to the next until `promise` settles. Time only moves
 * to a moment some code is actually waiting for, so request times in the log are exact.
 */
export async function settle<T>(clock: TestClock, promise: Promise<T>, maxSteps = 500): Promise<Outcome<T>> {
  const box = watch(promise);
  for (let i = 0; i < maxSteps && !box.outcome; i++) await clock.next();
  if (!box.outcome) throw new Error(`still pending after ${maxSteps} clock steps`);
  return box.outcome;
}

/** The value of a settled promise, or the test fails with its error. */
export async function run<T>(clock: TestClock, promise: Promise<T>): Promise<T> {
  const outcome = await settle(clock, promise);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** The error of a promise that must fail; the test fails if it succeeds. */
export async function failure(clock: TestClock, promise: Promise<unknown>): Promise<unknown> {
  const outcome = await settle(clock, promise);
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

/** Gaps (ms) between consecutive times. */
export const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

/** The AppError a promise rejects with (fails the test when it resolves or throws something else). */
export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** Sends one POST through the app's network door (transport.ts), as oauth4webapi would. */
export function sendThroughDoor(idp: FakeIdp, url: string, endpoint: Endpoint = 'token'): Promise<Response> {
  return requestOptions(idp.net, endpoint)[customFetch](url, {
    method: 'POST',
    headers: {},
    body: new URLSearchParams({ a: '1' }),
    redirect: 'manual',
  });
}
