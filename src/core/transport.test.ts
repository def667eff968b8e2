import { customFetch, refreshTokenGrantRequest, None } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors';
import {
  as,
  client,
  fakeIdp,
  hang,
  json,
  rejection as appError,
  tokens,
  sendThroughDoor,
  settle,
  text,
  watch,
} from '../testing/fake-idp';
import { ServerTime } from './server-time';
import { DEFAULT_TIMEOUT_MS } from './body';
import { requestOptions, type RequestRecord } from './transport';

const TOKEN = 'https://idp.example/token';

const send = (idp: ReturnType<typeof fakeIdp>, url = TOKEN) => sendThroughDoor(idp, url);

describe('requestOptions: the one door to the network', () => {
  it('times out after timeoutMs on the clock when the server never answers', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, hang);
    const start = idp.clock.now();
    const box = watch(send(idp));
    await idp.clock.advance(DEFAULT_TIMEOUT_MS - 1);
    expect(box.outcome).toBeUndefined();
    await idp.clock.advance(1);
    const outcome = box.outcome;
    if (!outcome || outcome.ok) throw new Error('expected the request to have failed');
    const error = await appError(Promise.reject(outcome.error));
    expect(error.code).toBe('timeout');
    expect(error.transient).toBe(true);
    expect(idp.clock.now() - start).toBe(DEFAULT_TIMEOUT_MS);
    // A timeout is not a reason to probe: the server may be slow, not CORS-blocked.
    expect(idp.requests.filter((r) => r.probe)).toHaveLength(0);
  });

  it('honours a shorter timeoutMs from the Net', async () => {
    const idp = fakeIdp();
    idp.net.timeoutMs = 2_000;
    idp.queue(TOKEN, hang);
    const outcome = await settle(idp.clock, send(idp));
    if (outcome.ok) throw new Error('expected a timeout');
    expect(outcome.error).toBeInstanceOf(AppError);
    expect((outcome.error as AppError).code).toBe('timeout');
    expect(idp.requests[0]!.answeredAt! - idp.requests[0]!.at).toBe(2_000);
  });

  it('stops the timeout once the answer is in, leaving no timer behind', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, json({ ok: true }));
    const res = await send(idp);
    expect(res.status).toBe(200);
    expect(idp.clock.pending()).toBe(0);
  });

  it('turns a 503 with Retry-After: 7 into a transient http error with retryAfterMs 7000', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, text('busy', 503, { 'retry-after': '7' }));
    const error = await appError(send(idp));
    expect(error.code).toBe('http');
    expect(error.transient).toBe(true);
    expect(error.retryAfterMs).toBe(7_000);
    expect(error.details).toBe('token endpoint https://idp.example/token: HTTP 503');
  });

  it('names a bare 429 as the IdP limiting this screen, with the wait it asked for', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, text('Too Many Requests', 429, { 'retry-after': '30' }));
    const error = await appError(send(idp));
    expect([error.code, error.reason, error.transient, error.retryAfterMs]).toEqual([
      'http',
      'rate_limited',
      true,
      30_000,
    ]);
    expect(error.facts).toMatchObject({ endpoint: 'token', origin: 'https://idp.example', status: 429 });
    expect(error.details).toBe('token endpoint https://idp.example/token: HTTP 429, asked to wait 30 s');
  });

  it('honours X-Retry-After on a bare 429 (an IdP limiting the token endpoint to 20 requests a minute)', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, json({ error: 'too_many_requests' }, 429, { 'x-retry-after': '3' }));
    const error = await appError(send(idp));
    expect([error.reason, error.retryAfterMs]).toEqual(['rate_limited', 3_000]);
  });

  it('names a 429 from the device authorization endpoint as a rate limit too, without reading its body', async () => {
    const idp = fakeIdp();
    idp.queue(`${TOKEN}/device`, json({ error: 'slow_down' }, 429));
    const error = await appError(sendThroughDoor(idp, `${TOKEN}/device`, 'device_authorization'));
    expect(error.reason).toBe('rate_limited');
  });

  it('hands slow_down sent with HTTP 429 (authentik) on to oauth4webapi as slow_down, its Retry-After kept', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, json({ error: 'slow_down' }, 429, { 'retry-after': '20' }));
    const res = await send(idp);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'slow_down' });
    expect(res.headers.get('retry-after')).toBe('20');
  });

  it('refuses an HTML answer as bad_response, naming the endpoint', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, text('<!doctype html><title>Login</title>', 200, { 'content-type': 'text/html' }));
    const error = await appError(send(idp));
    expect(error.code).toBe('bad_response');
    expect(error.details).toContain('token endpoint https://idp.example/token');
    expect(error.details).toContain('text/html');
  });

  it('refuses JSON that is not an object', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, json(['a']));
    expect((await appError(send(idp))).details).toContain('not a JSON object');
  });

  it('refuses a streamed body larger than maxBytes', async () => {
    const idp = fakeIdp();
    idp.net.maxBytes = 100;
    idp.queue(TOKEN, text(JSON.stringify({ access_token: 'x'.repeat(500) }), 200));
    const error = await appError(send(idp));
    expect(error.code).toBe('bad_response');
    expect(error.details).toContain('larger than 100 bytes');
  });

  it('refuses a body whose Content-Length already says it is too large', async () => {
    const idp = fakeIdp();
    idp.net.maxBytes = 100;
    idp.queue(TOKEN, text('{}', 200, { 'content-length': '1000000' }));
    expect((await appError(send(idp))).details).toContain('larger than 100 bytes');
  });

  it('accepts a body of exactly maxBytes', async () => {
    const idp = fakeIdp();
    const body = JSON.stringify({ k: 'x'.repeat(92) });
    expect(body.length).toBe(100);
    idp.net.maxBytes = 100;
    idp.queue(TOKEN, text(body));
    expect((await send(idp)).status).toBe(200);
  });

  it('refuses an http URL that is not loopback, without sending anything', async () => {
    const idp = fakeIdp();
    const error = await appError(send(idp, 'http://evil.example/token'));
    expect(error.code).toBe('insecure_uri');
    expect(idp.requests).toHaveLength(0);
  });

  it('sends plain http to the one allowHttpHost (config allow_http_host), and to no other host', async () => {
    const idp = fakeIdp();
    idp.net.allowHttpHost = '192.168.1.20';
    idp.queue('http://192.168.1.20:4010/token', text('{}'));
    expect((await send(idp, 'http://192.168.1.20:4010/token')).status).toBe(200);
    expect((await appError(send(idp, 'http://192.168.1.21:4010/token'))).code).toBe('insecure_uri');
    expect(idp.requests).toHaveLength(1);
  });

  it('hands oauth4webapi an application/json body with provider quirks normalised', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, text(JSON.stringify({ error: 'authorization_pending' }), 200, { 'content-type': 'text/plain' }));
    const res = await send(idp);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ error: 'authorization_pending' });
  });

  it('works as the customFetch of a real oauth4webapi request', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, text('<html>', 200, { 'content-type': 'text/html' }));
    const error = await refreshTokenGrantRequest(as, client, None(), 'RT', requestOptions(idp.net, 'token')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(idp.to(TOKEN)[0]!.form?.get('refresh_token')).toBe('RT');
  });

  it('turns an answer cut off in the middle of its body into a transient network error', async () => {
    const idp = fakeIdp();
    const cutOff = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"access_token":"x'));
            controller.error(new TypeError('network error'));
          },
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    idp.queue(TOKEN, cutOff);
    const error = await appError(send(idp));
    expect(error.code).toBe('network');
    expect(error.transient).toBe(true);
    expect(error.details).toBe('token endpoint https://idp.example/token: the answer was cut off');
  });

  it('times out an answer whose body never finishes, not only one that never starts', async () => {
    const idp = fakeIdp();
    // Headers and a first chunk, then nothing: the body errors only when the request is aborted, as fetch's does.
    const trickle = (init: RequestInit) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"access_'));
            init.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
          },
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    idp.queue(TOKEN, trickle);
    const outcome = await settle(idp.clock, send(idp));
    if (outcome.ok) throw new Error('expected a timeout');
    expect((outcome.error as AppError).code).toBe('timeout');
    expect(idp.clock.now() - idp.requests[0]!.at).toBe(DEFAULT_TIMEOUT_MS);
  });

  it('tells onRequest what was asked and how it went: method, endpoint, address without query, status, OAuth error, time', async () => {
    const idp = fakeIdp();
    const records: RequestRecord[] = [];
    idp.net.onRequest = (r) => records.push(r);
    idp.latencyMs = 120;
    idp.queue(`${TOKEN}?secret=1`, json({ error: 'authorization_pending' }, 400));
    await settle(idp.clock, send(idp, `${TOKEN}?secret=1`));
    expect(records).toEqual([
      {
        at: idp.requests[0]!.at,
        method: 'POST',
        endpoint: 'token',
        url: TOKEN,
        status: 400,
        ms: 120,
        oauth_error: 'authorization_pending',
        error: undefined,
      },
    ]);
    // Nothing of the request or the answer but these fields: no body, no header, no query.
    expect(JSON.stringify(records)).not.toMatch(/secret|"a"/);
  });

  it('tells onRequest about a timeout and a 503 with their error codes', async () => {
    const idp = fakeIdp();
    const records: RequestRecord[] = [];
    idp.net.onRequest = (r) => records.push(r);
    idp.queue(TOKEN, hang, text('busy', 503));
    await settle(idp.clock, send(idp));
    await settle(idp.clock, send(idp));
    expect(records.map((r) => [r.status, r.error?.code, r.ms])).toEqual([
      [undefined, 'timeout', DEFAULT_TIMEOUT_MS],
      [503, 'http', 0],
    ]);
  });

  it('passes an outer abort through as the abort, not as a network error', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, hang);
    const controller = new AbortController();
    const box = watch(requestOptions(idp.net, 'token', controller.signal)[customFetch](TOKEN, { method: 'POST' }));
    await idp.clock.advance(1_000);
    controller.abort(new Error('stopped'));
    await idp.clock.advance(0);
    expect(box.outcome).toEqual({ ok: false, error: new Error('stopped') });
    expect(idp.requests.filter((r) => r.probe)).toHaveLength(0);
  });

  describe("the IdP's clock", () => {
    const withServerTime = (idp: ReturnType<typeof fakeIdp>) => (idp.net.serverTime = new ServerTime(idp.clock));
    const idToken = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

    it('reads the Date header of a POST answer, timed by the round trip', async () => {
      const idp = fakeIdp();
      const time = withServerTime(idp);
      idp.latencyMs = 2_000;
      const sentAt = idp.clock.now();
      // The IdP is 90 s ahead of the screen, and wrote its Date when the request was half-way.
      idp.queue(
        TOKEN,
        json({ error: 'authorization_pending' }, 400, { date: new Date(sentAt + 91_000).toUTCString() }),
      );
      await settle(idp.clock, send(idp));
      expect(time.source).toBe('date');
      expect(time.now()).toBe(idp.clock.now() + 90_500);
    });

    it('does not read a Date from a GET answer, which a cache may have kept for hours', async () => {
      const idp = fakeIdp();
      const time = withServerTime(idp);
      const url = 'https://idp.example/.well-known/openid-configuration';
      idp.queue(url, json({ issuer: 'https://idp.example' }, 200, { date: 'Mon, 01 Jan 2024 00:00:00 GMT' }));
      await requestOptions(idp.net, 'discovery')[customFetch](url, { method: 'GET' });
      expect(time.source).toBeUndefined();
    });

    it("takes the ID token's iat when the IdP's Date is hidden (not in Access-Control-Expose-Headers)", async () => {
      const idp = fakeIdp();
      const time = withServerTime(idp);
      const iat = Math.floor(idp.clock.now() / 1000) - 600;
      idp.queue(TOKEN, tokens({ id_token: idToken({ iat, exp: iat + 300 }) }));
      await send(idp);
      expect(time.source).toBe('id_token');
      expect(time.now()).toBe(iat * 1000 + 500);
    });

    it('counts an HTTP-date Retry-After on the IdP clock, whatever the screen believes the time is', async () => {
      const idp = fakeIdp();
      const time = withServerTime(idp);
      time.fromDate(new Date(idp.clock.now() + 3_600_000).toUTCString(), idp.clock.now(), idp.clock.now());
      // The IdP's clock is an hour ahead; it asks for a retry 20 s after the second its Date was written in.
      const retryAt = new Date(idp.clock.now() + 3_620_000).toUTCString();
      idp.queue(TOKEN, text('busy', 503, { 'retry-after': retryAt }));
      const error = await appError(send(idp));
      expect(error.retryAfterMs).toBe(19_500);
    });
  });
});
