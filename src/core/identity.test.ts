import { processDeviceCodeResponse, type AuthorizationServer, type TokenEndpointResponse } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors';
import { as, client, fakeIdp, json, text } from '../testing/fake-idp';
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

  it('fails with an AppError when userinfo fails and there is no ID token', async () => {
    const { idp, ctx, held } = setup(plain);
    idp.queue(USERINFO, text('down', 503));
    const error = await whoIsSignedIn(ctx, held).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('http');
  });

  it('is undefined with neither an ID token nor a userinfo endpoint', async () => {
    const { idp, ctx, held } = setup(plain, as);
    expect(await whoIsSignedIn(ctx, held)).toBeUndefined();
    expect(idp.requests).toHaveLength(0);
  });
});
