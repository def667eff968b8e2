import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { callApi } from './api';
import { createDPoP } from './dpop';
import { as, client, fakeIdp, rejection, json, text, tokens } from '../testing/fake-idp';
import { Tokens, type TokenContext } from './tokens';

const API = 'https://api.example/me';
const TOKEN = 'https://idp.example/token';

function setup() {
  const idp = fakeIdp();
  const ctx: TokenContext = { net: idp.net, as, client };
  const held = new Tokens(ctx, { access_token: 'AT-1', token_type: 'bearer', expires_in: 3600, refresh_token: 'RT-1' });
  return { idp, held };
}

const invalidToken = (status = 401) =>
  text('', status, {
    'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
  });

describe('callApi', () => {
  it('attaches the access token as a Bearer header and parses the JSON answer', async () => {
    const { idp, held } = setup();
    idp.queue(API, json({ name: 'Ada', plan: 'family' }));
    expect(await callApi(idp.net, held, new URL(API))).toEqual({ name: 'Ada', plan: 'family' });
    const [req] = idp.to(API);
    expect(req!.method).toBe('GET');
    expect(req!.headers.get('authorization')).toBe('Bearer AT-1');
    expect(req!.headers.get('accept')).toBe('application/json');
  });

  it('returns a non-JSON answer as clipped text', async () => {
    const { idp, held } = setup();
    idp.queue(API, text(`hello ${'x'.repeat(1_000)}`));
    const result = await callApi(idp.net, held, new URL(API));
    expect(typeof result).toBe('string');
    expect((result as string).length).toBe(500);
  });

  it('refreshes once and retries once on 401 invalid_token (RFC 6750 §3.1)', async () => {
    const { idp, held } = setup();
    idp.queue(API, invalidToken(), json({ ok: true }));
    idp.queue(TOKEN, tokens({ access_token: 'AT-2' }));
    expect(await callApi(idp.net, held, new URL(API))).toEqual({ ok: true });
    expect(idp.to(API).map((r) => r.headers.get('authorization'))).toEqual(['Bearer AT-1', 'Bearer AT-2']);
    expect(idp.to(TOKEN)).toHaveLength(1);
    expect(idp.requests.map((r) => r.url)).toEqual([API, TOKEN, API]);
  });

  it('gives up after a second 401: exactly two API calls and one refresh, no loop', async () => {
    const { idp, held } = setup();
    idp.always(API, invalidToken());
    idp.always(TOKEN, tokens({ access_token: 'AT-2' }));
    const error = await rejection(callApi(idp.net, held, new URL(API)));
    expect(error.code).toBe('http');
    expect(error).toMatchObject({ reason: 'api_challenge', facts: { status: 401, oauth_error: 'invalid_token' } });
    expect(idp.to(API)).toHaveLength(2);
    expect(idp.to(TOKEN)).toHaveLength(1);
  });

  it('refreshes on a 401 whose WWW-Authenticate header CORS hid', async () => {
    const { idp, held } = setup();
    idp.queue(API, text('', 401), json({ ok: true }));
    idp.queue(TOKEN, tokens({ access_token: 'AT-2' }));
    expect(await callApi(idp.net, held, new URL(API))).toEqual({ ok: true });
    expect(idp.to(API).map((r) => r.headers.get('authorization'))).toEqual(['Bearer AT-1', 'Bearer AT-2']);
    expect(idp.to(TOKEN)).toHaveLength(1);
  });

  it('does not loop on repeated bare 401s either', async () => {
    const { idp, held } = setup();
    idp.always(API, text('', 401));
    idp.always(TOKEN, tokens({ access_token: 'AT-2' }));
    expect((await rejection(callApi(idp.net, held, new URL(API)))).code).toBe('http');
    expect(idp.to(API)).toHaveLength(2);
    expect(idp.to(TOKEN)).toHaveLength(1);
  });

  it('fails on 403 without refreshing', async () => {
    const { idp, held } = setup();
    idp.queue(API, text('forbidden', 403));
    const error = await rejection(callApi(idp.net, held, new URL(API)));
    expect(error.code).toBe('http');
    expect(error).toMatchObject({ reason: 'api_status', facts: { endpoint: 'api', status: 403 } });
    expect(idp.to(TOKEN)).toHaveLength(0);
    expect(idp.to(API)).toHaveLength(1);
  });

  it('fails on 403 insufficient_scope without refreshing', async () => {
    const { idp, held } = setup();
    idp.queue(API, text('', 403, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="tv:watch"' }));
    const error = await rejection(callApi(idp.net, held, new URL(API)));
    expect(error).toMatchObject({
      code: 'http',
      reason: 'api_challenge',
      facts: { status: 403, oauth_error: 'insufficient_scope' },
    });
    expect(idp.to(TOKEN)).toHaveLength(0);
  });

  it('reports the refresh error when the retry cannot get a new token', async () => {
    const { idp, held } = setup();
    idp.queue(API, invalidToken());
    idp.queue(TOKEN, json({ error: 'invalid_grant' }, 400));
    expect((await rejection(callApi(idp.net, held, new URL(API)))).code).toBe('invalid_grant');
    expect(held.signedIn).toBe(false);
    expect(idp.to(API)).toHaveLength(1);
  });

  it('treats a 5xx from the API as a transient http error', async () => {
    const { idp, held } = setup();
    idp.queue(API, text('down', 502));
    const error = await rejection(callApi(idp.net, held, new URL(API)));
    expect(error.code).toBe('http');
    expect(error.transient).toBe(true);
  });

  it('sends a DPoP proof and the DPoP scheme when the session is DPoP-bound (RFC 9449)', async () => {
    const idp = fakeIdp();
    const dpopAs = { ...as, dpop_signing_alg_values_supported: ['ES256'] };
    const dpop = await createDPoP(dpopAs, client);
    expect(dpop).toBeDefined();
    const held = new Tokens(
      { net: idp.net, as: dpopAs, client, dpop },
      { access_token: 'AT-1', token_type: 'dpop', expires_in: 3600 },
    );
    idp.queue(
      API,
      text('', 401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-1' }),
      json({ ok: true }),
    );
    expect(await callApi(idp.net, held, new URL(API))).toEqual({ ok: true });
    const [first, second] = idp.to(API);
    expect(second!.headers.get('authorization')).toBe('DPoP AT-1');
    const proof = second!.headers.get('dpop')!;
    expect(decodeProtectedHeader(proof).typ).toBe('dpop+jwt');
    expect(decodeJwt(proof)).toMatchObject({ htm: 'GET', htu: API, nonce: 'n-1' });
    expect(decodeJwt(first!.headers.get('dpop')!).nonce).toBeUndefined();
    expect(idp.to(TOKEN)).toHaveLength(0);
  });

  it('uses Bearer when the IdP offers DPoP but issued a Bearer token (RFC 9449 §5)', async () => {
    const idp = fakeIdp();
    const dpopAs = { ...as, dpop_signing_alg_values_supported: ['ES256'] };
    const dpop = await createDPoP(dpopAs, client);
    const held = new Tokens(
      { net: idp.net, as: dpopAs, client, dpop },
      { access_token: 'AT-1', token_type: 'bearer', expires_in: 3600 },
    );
    idp.queue(API, json({ ok: true }));
    await callApi(idp.net, held, new URL(API));
    const [call] = idp.to(API);
    expect(call!.headers.get('authorization')).toBe('Bearer AT-1');
    expect(call!.headers.get('dpop')).toBeNull();
  });
});
