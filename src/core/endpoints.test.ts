import { decodeJwt } from 'jose';
import { DPoP, generateKeyPair } from 'oauth4webapi/later';
import { describe, expect, it } from 'vitest';
import { requestDeviceCode, type FlowContext } from './device-flow';
import { pollForTokens } from './poll';
import { metadataFromConfig, proxiedUrl, resolveMetadata, routedFetch, routedNet, routeFor } from './endpoints';
import { AppError } from './errors';
import { APP_ORIGIN, client, fakeIdp, failure, json, run, tokens } from '../testing/fake-idp';

const ISSUER = new URL('https://idp.example');
const PROXY = `${APP_ORIGIN}/idp/`;

const metadata = (issuer = 'https://idp.example', extra: Record<string, unknown> = {}) => ({
  issuer,
  device_authorization_endpoint: `${issuer}/device`,
  token_endpoint: `${issuer}/token`,
  revocation_endpoint: `${issuer}/revoke`,
  userinfo_endpoint: 'https://graph.example/oidc/userinfo',
  ...extra,
});

describe('proxiedUrl', () => {
  it('keeps the path and query and replaces the origin with the app origin and proxy path', () => {
    expect(proxiedUrl(new URL('https://login.example/tenant/oauth2/v2.0/token?x=1'), '/idp/', APP_ORIGIN)).toBe(
      `${PROXY}tenant/oauth2/v2.0/token?x=1`,
    );
  });
});

describe('routeFor', () => {
  const config = { issuer: new URL('https://login.example/tenant/v2.0'), proxy: '/idp/' };
  const as = {
    issuer: 'https://login.example/tenant/v2.0',
    device_authorization_endpoint: 'https://login.example/tenant/oauth2/v2.0/devicecode',
    token_endpoint: 'https://login.example/tenant/oauth2/v2.0/token',
    userinfo_endpoint: 'https://graph.example/oidc/userinfo',
  };

  it('leaves every address alone without proxy', () => {
    const route = routeFor({ issuer: config.issuer }, APP_ORIGIN, as);
    expect(route(as.token_endpoint)).toBe(as.token_endpoint);
  });

  it('sends discovery through the proxy with the issuer path preserved, before any metadata is known', () => {
    const route = routeFor(config, APP_ORIGIN);
    expect(route('https://login.example/tenant/v2.0/.well-known/openid-configuration')).toBe(
      `${PROXY}tenant/v2.0/.well-known/openid-configuration`,
    );
    expect(route('https://login.example/.well-known/oauth-authorization-server/tenant/v2.0')).toBe(
      `${PROXY}.well-known/oauth-authorization-server/tenant/v2.0`,
    );
  });

  it('maps the endpoints on the issuer origin and nothing on other origins', () => {
    const route = routeFor(config, APP_ORIGIN, as);
    expect(route(as.device_authorization_endpoint)).toBe(`${PROXY}tenant/oauth2/v2.0/devicecode`);
    expect(route(as.token_endpoint)).toBe(`${PROXY}tenant/oauth2/v2.0/token`);
    expect(route(as.userinfo_endpoint)).toBe(as.userinfo_endpoint);
  });

  it('does not map an API that happens to live on the IdP origin', () => {
    const route = routeFor(config, APP_ORIGIN, as);
    expect(route('https://login.example/api/me')).toBe('https://login.example/api/me');
  });
});

describe('routedFetch', () => {
  it('sends string, URL and Request inputs where the route says, keeping method and body', async () => {
    const seen: { url: string; method: string; body: string }[] = [];
    const inner = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      seen.push({ url: request.url, method: request.method, body: await request.text() });
      return new Response('ok');
    }) as typeof fetch;
    const route = (url: string) => url.replace('https://idp.example/', PROXY);
    const f = routedFetch(inner, route);
    await f('https://idp.example/token', { method: 'POST', body: 'a=1' });
    await f(new URL('https://idp.example/device'));
    await f(new Request('https://idp.example/revoke', { method: 'POST', body: 'b=2' }));
    await f('https://api.example/me');
    expect(seen).toEqual([
      { url: `${PROXY}token`, method: 'POST', body: 'a=1' },
      { url: `${PROXY}device`, method: 'GET', body: '' },
      { url: `${PROXY}revoke`, method: 'POST', body: 'b=2' },
      { url: 'https://api.example/me', method: 'GET', body: '' },
    ]);
  });
});

describe('metadataFromConfig', () => {
  it('needs both the device authorization and the token endpoint', () => {
    expect(
      metadataFromConfig({ issuer: ISSUER, token_endpoint: new URL('https://idp.example/token') }),
    ).toBeUndefined();
  });

  it('spells a root issuer without the trailing slash the URL parser adds, a path issuer as given', () => {
    const endpoints = {
      device_authorization_endpoint: new URL('https://github.example/login/device/code'),
      token_endpoint: new URL('https://github.example/login/oauth/access_token'),
    };
    expect(metadataFromConfig({ issuer: new URL('https://github.example'), ...endpoints })).toEqual({
      issuer: 'https://github.example',
      device_authorization_endpoint: 'https://github.example/login/device/code',
      token_endpoint: 'https://github.example/login/oauth/access_token',
    });
    expect(metadataFromConfig({ issuer: new URL('https://idp.example/realms/tv'), ...endpoints })?.issuer).toBe(
      'https://idp.example/realms/tv',
    );
  });
});

describe('resolveMetadata', () => {
  it('discovers straight from the issuer without proxy', async () => {
    const idp = fakeIdp();
    idp.queue('https://idp.example/.well-known/openid-configuration', json(metadata()));
    const as = await run(idp.clock, resolveMetadata(idp.net, { issuer: ISSUER }));
    expect(as.token_endpoint).toBe('https://idp.example/token');
    expect(idp.requests.map((r) => r.url)).toEqual(['https://idp.example/.well-known/openid-configuration']);
  });

  it('discovers through the proxy path, keeps the IdP addresses in the metadata and checks the configured issuer', async () => {
    const idp = fakeIdp();
    const issuer = 'https://login.example/tenant/v2.0';
    idp.queue(`${PROXY}tenant/v2.0/.well-known/openid-configuration`, json(metadata(issuer)));
    const as = await run(idp.clock, resolveMetadata(idp.net, { issuer: new URL(issuer), proxy: '/idp/' }));
    expect(as.issuer).toBe(issuer);
    expect(as.token_endpoint).toBe(`${issuer}/token`);
    expect(idp.requests.map((r) => r.url)).toEqual([`${PROXY}tenant/v2.0/.well-known/openid-configuration`]);
  });

  it('still refuses, through the proxy, a document that names another issuer', async () => {
    const idp = fakeIdp();
    idp.queue(`${PROXY}.well-known/openid-configuration`, json(metadata('https://evil.example')));
    const error = await failure(idp.clock, resolveMetadata(idp.net, { issuer: ISSUER, proxy: '/idp/' }));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('issuer_mismatch');
  });

  it('falls back to the proxied RFC 8414 location', async () => {
    const idp = fakeIdp();
    idp.queue(`${PROXY}.well-known/openid-configuration`, json({ error: 'not_found' }, 404));
    idp.queue(`${PROXY}.well-known/oauth-authorization-server`, json(metadata()));
    await run(idp.clock, resolveMetadata(idp.net, { issuer: ISSUER, proxy: '/idp/' }));
    expect(idp.unrouted).toEqual([]);
  });

  it('skips discovery when config names the device authorization and token endpoints', async () => {
    const idp = fakeIdp();
    const as = await run(
      idp.clock,
      resolveMetadata(idp.net, {
        issuer: ISSUER,
        device_authorization_endpoint: new URL('https://idp.example/login/device/code'),
        token_endpoint: new URL('https://idp.example/login/oauth/access_token'),
      }),
    );
    expect(as.device_authorization_endpoint).toBe('https://idp.example/login/device/code');
    expect(idp.requests).toEqual([]);
  });

  it('lets an endpoint from config win over the discovered one', async () => {
    const idp = fakeIdp();
    idp.queue('https://idp.example/.well-known/openid-configuration', json(metadata()));
    const as = await run(
      idp.clock,
      resolveMetadata(idp.net, { issuer: ISSUER, revocation_endpoint: new URL('https://idp.example/other/revoke') }),
    );
    expect(as.revocation_endpoint).toBe('https://idp.example/other/revoke');
    expect(as.token_endpoint).toBe('https://idp.example/token');
  });
});

describe('proxy mode end to end in the core', () => {
  async function flowThroughProxy(dpop: boolean) {
    const idp = fakeIdp();
    const config = { issuer: ISSUER, proxy: '/idp/', scope: 'openid' };
    idp.queue(
      `${PROXY}.well-known/openid-configuration`,
      json(metadata('https://idp.example', { dpop_signing_alg_values_supported: ['ES256'] })),
    );
    const as = await run(idp.clock, resolveMetadata(idp.net, config));
    const ctx: FlowContext = { net: routedNet(idp.net, config, as), as, client, config, random: () => 0 };
    idp.queue(
      `${PROXY}device`,
      json({
        device_code: 'DC',
        user_code: 'WDJB-MJHT',
        verification_uri: 'https://idp.example/activate',
        expires_in: 600,
        interval: 5,
      }),
    );
    const code = await run(idp.clock, requestDeviceCode(ctx));
    idp.queue(`${PROXY}token`, tokens({ token_type: dpop ? 'DPoP' : 'Bearer' }));
    const handle = dpop ? DPoP(client, await generateKeyPair('ES256')) : undefined;
    await run(idp.clock, pollForTokens({ ...ctx, dpop: handle }, code));
    return { idp, code };
  }

  it('sends device authorization and polling to the proxy, and leaves the verification address at the IdP', async () => {
    const { idp, code } = await flowThroughProxy(false);
    expect(idp.requests.map((r) => r.url)).toEqual([
      `${PROXY}.well-known/openid-configuration`,
      `${PROXY}device`,
      `${PROXY}token`,
    ]);
    expect(idp.unrouted).toEqual([]);
    // The phone goes to the IdP itself (RFC 8628 §3.3): the proxy is only for the screen.
    expect(code.verification_uri).toBe('https://idp.example/activate');
  });

  it("names the IdP's own token endpoint as the DPoP proof's htu, not the proxied address (RFC 9449 §4.3)", async () => {
    const { idp } = await flowThroughProxy(true);
    const proof = idp.to(`${PROXY}token`)[0]!.headers.get('dpop');
    expect(proof).toBeTruthy();
    expect(decodeJwt(proof!).htu).toBe('https://idp.example/token');
  });
});
