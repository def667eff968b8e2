import { describe, expect, it } from 'vitest';
import { discover, discoveryUrls } from './discovery';
import { AppError } from './errors';
import { fakeIdp, json, networkDown, text } from '../testing/fake-idp';

const OIDC = 'https://idp.example/.well-known/openid-configuration';
const OAUTH = 'https://idp.example/.well-known/oauth-authorization-server';

const metadata = (extra: Record<string, unknown> = {}) => ({
  issuer: 'https://idp.example',
  device_authorization_endpoint: 'https://idp.example/device',
  token_endpoint: 'https://idp.example/token',
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('discoveryUrls', () => {
  it('names the OIDC and RFC 8414 locations, keeping an issuer path where each spec puts it', () => {
    expect(discoveryUrls(new URL('https://idp.example'))).toEqual([
      'https://idp.example/.well-known/openid-configuration',
      'https://idp.example/.well-known/oauth-authorization-server',
    ]);
    expect(discoveryUrls(new URL('https://login.example/tenant/v2.0'))).toEqual([
      'https://login.example/tenant/v2.0/.well-known/openid-configuration',
      'https://login.example/.well-known/oauth-authorization-server/tenant/v2.0',
    ]);
  });
});

describe('discover', () => {
  it('uses the OpenID Connect discovery document when there is one', async () => {
    const idp = fakeIdp();
    idp.queue(OIDC, json(metadata({ revocation_endpoint: 'https://idp.example/revoke' })));
    const as = await discover(idp.net, new URL('https://idp.example'));
    expect(as.device_authorization_endpoint).toBe('https://idp.example/device');
    expect(as.revocation_endpoint).toBe('https://idp.example/revoke');
    expect(idp.requests.map((r) => r.url)).toEqual([OIDC]);
    expect(idp.requests[0]!.method).toBe('GET');
  });

  it('falls back to the RFC 8414 location when the OIDC document is 404', async () => {
    const idp = fakeIdp();
    idp.queue(OIDC, text('<h1>Not Found</h1>', 404, { 'content-type': 'text/html' }));
    idp.queue(OAUTH, json(metadata()));
    const as = await discover(idp.net, new URL('https://idp.example'));
    expect(as.token_endpoint).toBe('https://idp.example/token');
    expect(idp.requests.map((r) => r.url)).toEqual([OIDC, OAUTH]);
  });

  it('also falls back when the 404 carries a JSON body', async () => {
    const idp = fakeIdp();
    idp.queue(OIDC, json({ error: 'not_found' }, 404));
    idp.queue(OAUTH, json(metadata()));
    await discover(idp.net, new URL('https://idp.example'));
    expect(idp.requests.map((r) => r.url)).toEqual([OIDC, OAUTH]);
  });

  it('puts the RFC 8414 well-known segment before an issuer path', async () => {
    const idp = fakeIdp();
    const issuer = 'https://idp.example/tenant';
    idp.queue(`${issuer}/.well-known/openid-configuration`, text('', 404));
    idp.queue('https://idp.example/.well-known/oauth-authorization-server/tenant', json(metadata({ issuer })));
    const as = await discover(idp.net, new URL(issuer));
    expect(as.issuer).toBe(issuer);
    expect(idp.unrouted).toEqual([]);
  });

  it('reports the first error when neither document exists', async () => {
    const idp = fakeIdp();
    idp.queue(OIDC, text('', 404));
    idp.queue(OAUTH, text('', 404));
    const error = await failure(discover(idp.net, new URL('https://idp.example')));
    expect(error.code).toBe('bad_response');
    expect(error.details).toContain('openid-configuration');
  });

  it('refuses a document naming another issuer, without trying the other location', async () => {
    const idp = fakeIdp();
    idp.queue(OIDC, json(metadata({ issuer: 'https://idp.example/other' })));
    const error = await failure(discover(idp.net, new URL('https://idp.example')));
    expect(error.code).toBe('issuer_mismatch');
    expect(error.details).toContain('https://idp.example/other');
    expect(error.facts).toMatchObject({ expected: 'https://idp.example/', found: 'https://idp.example/other' });
    expect(idp.requests).toHaveLength(1);
  });

  it('refuses an IdP without a device_authorization_endpoint', async () => {
    const idp = fakeIdp();
    const noDevice: Record<string, unknown> = metadata();
    delete noDevice.device_authorization_endpoint;
    idp.queue(OIDC, json(noDevice));
    const error = await failure(discover(idp.net, new URL('https://idp.example')));
    expect(error.code).toBe('no_device_endpoint');
    expect(error.details).toContain('no device_authorization_endpoint');
  });

  it('refuses metadata without a token_endpoint', async () => {
    const idp = fakeIdp();
    const noToken: Record<string, unknown> = metadata();
    delete noToken.token_endpoint;
    idp.queue(OIDC, json(noToken));
    expect((await failure(discover(idp.net, new URL('https://idp.example')))).code).toBe('bad_response');
  });

  it('treats a 503 as a transient http error, not as a reason to fall back', async () => {
    const idp = fakeIdp();
    idp.queue(OIDC, text('down', 503));
    idp.queue(OAUTH, json(metadata()));
    const error = await failure(discover(idp.net, new URL('https://idp.example')));
    expect(error.code).toBe('http');
    expect(error.transient).toBe(true);
    expect(idp.requests.map((r) => r.url)).toEqual([OIDC]);
  });

  it('does not fall back on a network error either', async () => {
    const idp = fakeIdp();
    idp.queue(OIDC, networkDown);
    idp.queue(OAUTH, json(metadata()));
    expect((await failure(discover(idp.net, new URL('https://idp.example')))).code).toBe('network');
    expect(idp.to(OAUTH)).toHaveLength(0);
  });
});
