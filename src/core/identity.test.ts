import type { AuthorizationServer, TokenEndpointResponse } from 'oauth4webapi';
import { processDeviceCodeResponse } from 'oauth4webapi/later';
import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { as, client, fakeIdp, hang, json, networkDown, text } from '../testing/fake-idp';
import { createDPoP } from './dpop';
import { displayName, whoIsSignedIn } from './identity';
import { Tokens, type TokenContext } from './tokens';

const USERINFO = 'https://idp.example/userinfo';
const withUserinfo = { ...as, userinfo_endpoint: USERINFO };

describe('displayName', () => {
  it('prefers name over preferred_username over sub', () => {
    expect(displayName({ name: 'Ada Lovelace', preferred_username: 'ada', sub: 'u-1' })).toBe('Ada Lovelace');
    expect(displayName({ preferred_username: 'ada', sub: 'u-1' })).toBe('ada');
    expect(displayName({ sub: 'u-1' })).toBe('u-1');
  });

  it('skips blank or non-string claims', () => {
    expect(displayName({ name: '   ', preferred_username: 42, sub: 'u-1' })).toBe('u-1');
  });

  it('trims what it shows', () => {
    expect(displayName({ name: '  Ada  ' })).toBe('Ada');
  });

  it('is undefined with no claims', () => {
    expect(displayName(undefined)).toBeUndefined();
    expect(displayName({})).toBeUndefined();
  });
});

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/**
 * A token response carrying an ID token, run through oauth4webapi so its claims are "validated".
 * The ID token's times use the real wall clock only because oauth4webapi checks exp against it;
 * nothing waits on it.
 */
async function tokenResponse(claims: Record<string, unknown>): Promise<TokenEndpointResponse> {
  const now = Math.floor(Date.now() / 1000);
  const idToken = [
    b64url({ alg: 'RS256', typ: 'JWT' }),
    b64url({ iss: as.issuer, aud: client.client_id, iat: now, exp: now + 3600, ...claims }),
    'c2ln',
  ].join('.');
  const body = { access_token: 'AT-1', token_type: 'Bearer', expires_in: 3600, id_token: idToken };
  return processDeviceCodeResponse(
    as,
    client,
    new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }),
  );
}

function setup(response: TokenEndpointResponse, server: AuthorizationServer = withUserinfo) {
  const idp = fakeIdp();
  const ctx: TokenContext = { net: idp.net, as: server, client };
  return { idp, ctx, held: new Tokens(ctx, response) };
}

const plain: TokenEndpointResponse = { access_token: 'AT-1', token_type: 'bearer', expires_in: 3600 };

describe('whoIsSignedIn', () => {
  it('names the person from the ID token without asking userinfo', async () => {
    const { idp, ctx, held } = setup(await tokenResponse({ sub: 'u-1', name: 'Ada Lovelace' }));
    expect(await whoIsSignedIn(ctx, held)).toBe('Ada Lovelace');
    expect(idp.requests).toHaveLength(0);
  });

  it('asks userinfo with the access token when there is no ID token', async () => {
    const { idp, ctx, held } = setup(plain);
    idp.queue(USERINFO, json({ sub: 'u-1', preferred_username: 'ada' }));
    expect(await whoIsSignedIn(ctx, held)).toBe('ada');
    expect(idp.to(USERINFO)[0]!.headers.get('authorization')).toBe('Bearer AT-1');
  });

  it('asks userinfo when the ID token only has a sub, and uses its name', async () => {
    const { idp, ctx, held } = setup(await tokenResponse({ sub: 'u-1' }));
    idp.queue(USERINFO, json({ sub: 'u-1', name: 'Ada Lovelace' }));
    expect(await whoIsSignedIn(ctx, held)).toBe('Ada Lovelace');
  });

  it("falls back to the ID token's sub when userinfo names another subject", async () => {
    const { idp, ctx, held } = setup(await tokenResponse({ sub: 'u-1' }));
    idp.queue(USERINFO, json({ sub: 'someone-else', name: 'Mallory' }));
    expect(await whoIsSignedIn(ctx, held)).toBe('u-1');
  });

  it("falls back to the ID token's sub when userinfo fails", async () => {
    const { idp, ctx, held } = setup(await tokenResponse({ sub: 'u-1' }));
    idp.queue(USERINFO, text('down', 503));
    expect(await whoIsSignedIn(ctx, held)).toBe('u-1');
  });

  it.each([
    ['a 503', text('down', 503)],
    ['a network failure', networkDown],
    [
      'a 401 for an access token meant for another audience',
      json({ error: 'invalid_token' }, 401, { 'www-authenticate': 'Bearer error="invalid_token"' }),
    ],
  ])('shows no name, and does not fail, when userinfo meets %s and there is no ID token', async (_what, answer) => {
    const { idp, ctx, held } = setup(plain);
    idp.queue(USERINFO, answer);
    expect(await whoIsSignedIn(ctx, held)).toBeUndefined();
    expect(idp.to(USERINFO)).toHaveLength(1);
  });

  it('passes an abort on rather than naming nobody', async () => {
    const { idp, ctx, held } = setup(plain);
    idp.queue(USERINFO, hang);
    const stop = new AbortController();
    const asking = whoIsSignedIn(ctx, held, stop.signal);
    await idp.clock.advance(0);
    stop.abort(new Error('stopped'));
    await expect(asking).rejects.toThrow('stopped');
  });

  it('retries userinfo once with the DPoP nonce it asks for, as API calls do (RFC 9449 §9)', async () => {
    const idp = fakeIdp();
    const server = { ...withUserinfo, dpop_signing_alg_values_supported: ['ES256'] };
    const dpop = await createDPoP(server, client);
    const ctx: TokenContext = { net: idp.net, as: server, client, dpop };
    const held = new Tokens(ctx, { access_token: 'AT-1', token_type: 'dpop', expires_in: 3600 });
    idp.queue(
      USERINFO,
      json({ error: 'use_dpop_nonce' }, 401, {
        'www-authenticate': 'DPoP error="use_dpop_nonce"',
        'dpop-nonce': 'n-1',
      }),
      json({ sub: 'u-1', name: 'Ada Lovelace' }),
    );
    expect(await whoIsSignedIn(ctx, held)).toBe('Ada Lovelace');
    const [first, second] = idp.to(USERINFO);
    expect(second!.headers.get('authorization')).toBe('DPoP AT-1');
    expect(decodeJwt(second!.headers.get('dpop')!)).toMatchObject({ htm: 'GET', htu: USERINFO, nonce: 'n-1' });
    expect(decodeJwt(first!.headers.get('dpop')!).nonce).toBeUndefined();
  });

  it('is undefined with neither an ID token nor a userinfo endpoint', async () => {
    const { idp, ctx, held } = setup(plain, as);
    expect(await whoIsSignedIn(ctx, held)).toBeUndefined();
    expect(idp.requests).toHaveLength(0);
  });
});
