import { customFetch, processRefreshTokenResponse, refreshTokenGrantRequest, None } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors';
import {
  as,
  client,
  corsBlocked,
  fakeIdp,
  hang,
  json,
  networkDown,
  rejection as appError,
  settle,
  text,
  watch,
} from './fake-idp';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_RETRY_AFTER_MS,
  requestOptions,
  isPrivateHost,
  retryAfterMs,
  toAppError,
  type Endpoint,
  type RequestRecord,
} from './http';

const TOKEN = 'https://idp.example/token';

/** Sends one request through the app's custom fetch, as oauth4webapi would. */
function send(idp: ReturnType<typeof fakeIdp>, url = TOKEN, endpoint: Endpoint = 'token') {
  return requestOptions(idp.net, endpoint)[customFetch](url, {
    method: 'POST',
    headers: {},
    body: new URLSearchParams({ a: '1' }),
    redirect: 'manual',
  });
}

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

  it('reports CORS, naming the app origin and client id, when a no-cors probe gets through', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, corsBlocked);
    const error = await appError(send(idp));
    expect(error.code).toBe('cors');
    expect(error.message).toContain('http://127.0.0.1:4000');
    expect(error.message).toContain('"screen-signin"');
    expect(error.details).toContain('token endpoint https://idp.example/token');
    const probe = idp.requests[1]!;
    expect(probe.probe).toBe(true);
    expect(probe.url).toBe(TOKEN);
  });

  it('reports a network problem when the no-cors probe fails too', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, networkDown);
    const error = await appError(send(idp));
    expect(error.code).toBe('network');
    expect(error.transient).toBe(true);
    expect(error.message).toContain('https://idp.example');
    expect(idp.requests.map((r) => r.probe)).toEqual([false, true]);
  });

  it('names Local Network Access when a screen served from a public address cannot reach a private IdP', async () => {
    const idp = fakeIdp();
    idp.net = { ...idp.net, appOrigin: 'https://screens.example.com' };
    const local = 'https://192.168.1.20/token';
    idp.queue(local, networkDown);
    const error = await appError(send(idp, local));
    expect(error.code).toBe('network');
    expect(error.message).toContain('local network');
    expect(error.message).toContain('https://screens.example.com');
    // The same failure from a screen on the local network is a plain network problem.
    const lan = fakeIdp();
    lan.queue(local, networkDown);
    expect((await appError(send(lan, local))).message).not.toContain('local network');
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

  it('treats 429 like a busy server', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, text('slow down', 429));
    expect((await appError(send(idp))).code).toBe('http');
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

  it('retries a CORS diagnosis by itself: a dropped connection to a reachable server looks the same', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, corsBlocked);
    const error = await appError(send(idp));
    expect(error.code).toBe('cors');
    expect(error.transient).toBe(true);
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
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7_000);
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });

  it('caps a Retry-After of an hour, a year or 10^11 s at 10 minutes (setTimeout would fire at once beyond 24.8 days)', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    for (const value of ['3600', '31536000', '99999999999', 'Fri, 01 Jan 2100 00:00:00 GMT']) {
      expect(retryAfterMs(value, now)).toBe(MAX_RETRY_AFTER_MS);
    }
    expect(MAX_RETRY_AFTER_MS).toBe(600_000);
  });

  it('reads a negative or past Retry-After as "now", and a blank one as absent', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('-5', now)).toBe(0);
    expect(retryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('  ', now)).toBeUndefined();
  });
});

describe('toAppError', () => {
  const net = { client_id: 'screen-signin' };

  /** The error oauth4webapi throws for an OAuth error answer from the token endpoint. */
  async function oauthFailure(body: Record<string, unknown>, status = 400): Promise<unknown> {
    const res = new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    return processRefreshTokenResponse(as, client, res).then(
      () => {
        throw new Error('expected oauth4webapi to throw');
      },
      (e: unknown) => e,
    );
  }

  it('says to register a public client with the device grant for invalid_client', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_client' }, 401), 'token', net);
    expect(e.code).toBe('invalid_client');
    expect(e.message).toContain('"screen-signin"');
    expect(e.message).toMatch(/public client/);
    expect(e.message).toMatch(/device authorization grant/);
  });

  it('says to enable the device grant for unauthorized_client', async () => {
    const e = toAppError(await oauthFailure({ error: 'unauthorized_client' }), 'device_authorization', net);
    expect(e.code).toBe('unauthorized_client');
    expect(e.message).toMatch(/Enable the device code grant/);
    expect(e.details).toBe('device authorization endpoint answered unauthorized_client');
  });

  it('names the refused scopes for invalid_scope', async () => {
    const e = toAppError(
      await oauthFailure({ error: 'invalid_scope' }),
      'device_authorization',
      net,
      'openid tv:watch',
    );
    expect(e.code).toBe('invalid_scope');
    expect(e.message).toContain('"openid tv:watch"');
    expect(e.message).toMatch(/scope setting/);
  });

  it('says the phone declined for access_denied', async () => {
    const e = toAppError(await oauthFailure({ error: 'access_denied' }), 'token', net);
    expect(e.code).toBe('access_denied');
    expect(e.message).toMatch(/declined/);
    expect(e.transient).toBe(false);
  });

  it('says the sign-in is no longer valid for invalid_grant', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_grant' }), 'token', net);
    expect(e.code).toBe('invalid_grant');
    expect(e.message).toMatch(/revoked or has expired/);
  });

  it('maps an unknown OAuth error to oauth, keeping its name in the details', async () => {
    const e = toAppError(await oauthFailure({ error: 'temporarily_unavailable' }), 'token', net);
    expect(e.code).toBe('oauth');
    expect(e.details).toContain('temporarily_unavailable');
  });

  it('clips a 10 000-character error_description', async () => {
    const e = toAppError(
      await oauthFailure({ error: 'invalid_grant', error_description: 'x'.repeat(10_000) }),
      'token',
      net,
    );
    expect(e.details!.length).toBeLessThan(300);
    expect(e.details).toMatch(/x…$/);
    expect(e.message.length).toBeLessThan(300);
  });

  it('names the IdP and the endpoint in the details when given the address', async () => {
    const e = toAppError(
      await oauthFailure({ error: 'invalid_scope' }),
      'device_authorization',
      net,
      'openid',
      'https://idp.example/device?x=1',
    );
    expect(e.details).toBe('device authorization endpoint https://idp.example/device answered invalid_scope');
  });

  it('shows a hostile error and error_description as clipped text in the details, never more', async () => {
    const e = toAppError(
      await oauthFailure({
        error: '<img src=x onerror=alert(1)>'.repeat(5),
        error_description: '<script>alert(1)</script>'.repeat(400),
      }),
      'token',
      net,
    );
    expect(e.code).toBe('oauth');
    expect(e.message).toBe('The identity provider refused the request.');
    expect(e.details!.length).toBeLessThanOrEqual(300);
  });

  it('returns an AppError unchanged', () => {
    const original = new AppError('cors', 'blocked');
    expect(toAppError(original, 'token', net)).toBe(original);
  });

  it('keeps the original error as the cause', async () => {
    const raw = await oauthFailure({ error: 'access_denied' });
    expect(toAppError(raw, 'token', net).cause).toBe(raw);
  });
});

describe('isPrivateHost', () => {
  it('knows loopback, RFC 1918, link-local, unique-local and .local names', () => {
    for (const host of [
      'localhost',
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.9.9',
      '192.168.0.10',
      '169.254.1.1',
      '[::1]',
      '[fd12::1]',
      'tv.local',
    ]) {
      expect(isPrivateHost(host), host).toBe(true);
    }
    for (const host of ['idp.example.com', '8.8.8.8', '172.32.0.1', '[2001:db8::1]', '11.0.0.1']) {
      expect(isPrivateHost(host), host).toBe(false);
    }
  });
});
