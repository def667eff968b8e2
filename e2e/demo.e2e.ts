/**
 * The demo servers' own promises, at the protocol level (what demo/smoke.ts used to check outside
 * the suite): the API's answers and challenges for Bearer and DPoP (RFC 6750 §3, RFC 9449 §7), the
 * IdP's device-code rules and CORS switch, the phone pages, and the static server. The TV here is
 * `fetch`; the phone is a real browser page.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Page } from '@playwright/test';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { startStatic } from '../demo/static.ts';
import { CLIENT_ID, DEMO_LOGIN, DEMO_PASSWORD, startIdp, type Idp } from './fixtures/idp.ts';
import { expect, onPhone, test } from './fixtures/stack.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
type Json = Record<string, unknown>;

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
}

interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
}
async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: await exportJWK(publicKey) };
}
/** A DPoP proof (RFC 9449 §4.2); `claims` overrides or removes (undefined) what a good one carries. */
function proof(key: DpopKey, htm: string, htu: string, token?: string, claims: Json = {}): Promise<string> {
  const ath = token && createHash('sha256').update(token).digest('base64url');
  const payload = { htm, htu, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ath, ...claims };
  return new SignJWT(JSON.parse(JSON.stringify(payload)) as Json)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .sign(key.privateKey);
}

/** Asks for a code as the TV does, and lets the person approve it on `phone`. */
async function approvedCode(idp: Idp, phone: Page, scope = 'openid profile offline_access api:read') {
  const code = await post(`${idp.issuer}/device/auth`, { client_id: CLIENT_ID, scope });
  expect(code.status).toBe(200);
  await onPhone(phone, String(code.json.verification_uri_complete));
  return String(code.json.device_code);
}
const redeem = (idp: Idp, deviceCode: string, headers?: Record<string, string>) =>
  post(`${idp.issuer}/token`, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: CLIENT_ID }, headers);
const refresh = (idp: Idp, refreshToken: unknown) =>
  post(`${idp.issuer}/token`, {
    grant_type: 'refresh_token',
    refresh_token: String(refreshToken),
    client_id: CLIENT_ID,
  });

const challenge = (res: Response) => res.headers.get('www-authenticate') ?? '';

test('the API answers a Bearer token with the schedule, and names what is wrong in its challenge', async ({
  idp,
  api,
  app,
  phone,
}) => {
  const appOrigin = new URL(app.url).origin;
  const tokens = await redeem(idp, await approvedCode(idp, phone));
  expect(tokens.json.token_type).toBe('Bearer');
  const token = String(tokens.json.access_token);

  let res = await fetch(api.url, { headers: { authorization: `Bearer ${token}`, origin: appOrigin } });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ hello: 'Ada Lovelace', sub: 'demo-user', token_type: 'Bearer' });
  expect(res.headers.get('access-control-allow-origin')).toBe(appOrigin);
  expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate, DPoP-Nonce');

  // RFC 6750 §3.1: no error code without a token; both schemes offered.
  res = await fetch(api.url);
  expect(res.status).toBe(401);
  expect(challenge(res)).toBe('Bearer realm="demo-api", DPoP realm="demo-api", algs="ES256 RS256 PS256 EdDSA"');
  res = await fetch(api.url, { headers: { authorization: 'Bearer not.a.token' } });
  expect(challenge(res)).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", realm="demo-api"/);
  res = await fetch(api.url, { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
  expect(challenge(res)).toMatch(/^Bearer error="invalid_token"/);
  // A Bearer token is not DPoP-bound: the DPoP scheme is refused.
  res = await fetch(api.url, { headers: { authorization: `DPoP ${token}` } });
  expect(challenge(res)).toMatch(/^DPoP error="invalid_token"/);

  res = await fetch(api.url, {
    method: 'OPTIONS',
    headers: { origin: appOrigin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'dpop' },
  });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-headers')).toBe('Authorization, DPoP, Content-Type');
  expect(res.headers.get('access-control-max-age')).toBe('600');
  res = await fetch(api.url, {
    method: 'OPTIONS',
    headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'GET' },
  });
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
});

test("the API takes a DPoP-bound token only with a fresh proof of the token's key for this request", async ({
  idp,
  api,
  phone,
}) => {
  const key = await dpopKey();
  const tokens = await redeem(idp, await approvedCode(idp, phone), {
    DPoP: await proof(key, 'POST', `${idp.issuer}/token`),
  });
  expect(tokens.json.token_type).toBe('DPoP');
  const token = String(tokens.json.access_token);
  expect((decodeJwt(token).cnf as { jkt?: string }).jkt).toBe(await calculateJwkThumbprint(key.jwk));

  const call = async (dpop?: string, url = api.url, authorization = `DPoP ${token}`) =>
    fetch(url, { headers: { authorization, ...(dpop ? { dpop } : {}) } });
  let res = await call(await proof(key, 'GET', api.url, token));
  expect(res.status).toBe(200);
  expect(((await res.json()) as Json).token_type).toBe('DPoP');
  // htu is compared without the query (RFC 9449 §4.3).
  expect((await call(await proof(key, 'GET', api.url, token), `${api.url}?x=1`)).status).toBe(200);

  // Presented as Bearer, the token is refused as a token problem: the client must use DPoP.
  res = await call(undefined, api.url, `Bearer ${token}`);
  expect(challenge(res)).toMatch(/^DPoP error="invalid_token"/);

  const used = await proof(key, 'GET', api.url, token);
  expect((await call(used)).status).toBe(200);
  const refusals = {
    'no proof': await call(),
    'a replayed proof': await call(used),
    'another key': await call(await proof(await dpopKey(), 'GET', api.url, token)),
    'another method': await call(await proof(key, 'POST', api.url, token)),
    'another URL': await call(await proof(key, 'GET', `${api.url}other`, token)),
    'no token hash': await call(await proof(key, 'GET', api.url)),
    "another token's hash": await call(await proof(key, 'GET', api.url, `${token}x`)),
    'a proof ten minutes old': await call(
      await proof(key, 'GET', api.url, token, { iat: Math.floor(Date.now() / 1000) - 600 }),
    ),
  };
  for (const [what, refused] of Object.entries(refusals)) {
    expect.soft(refused.status, what).toBe(401);
    expect.soft(challenge(refused), what).toMatch(/^DPoP error="invalid_dpop_proof"/);
  }
});

test.describe('one-second access tokens', () => {
  test.use({ idpOptions: { interval: 1, accessTokenTtl: 1 } });

  test('the API refuses an expired access token as invalid_token, so the client refreshes', async ({
    idp,
    api,
    phone,
  }) => {
    const token = String((await redeem(idp, await approvedCode(idp, phone))).json.access_token);
    const call = () => fetch(api.url, { headers: { authorization: `Bearer ${token}` } });
    await expect.poll(async () => (await call()).status, { timeout: 5_000 }).toBe(401);
    expect(challenge(await call())).toMatch(
      /^Bearer error="invalid_token", error_description="the access token has expired"/,
    );
  });
});

test('a device code is redeemed once; redeeming it again fails and revokes what it issued', async ({ idp, phone }) => {
  const deviceCode = await approvedCode(idp, phone);
  const first = await redeem(idp, deviceCode);
  expect(first.status).toBe(200);
  const again = await redeem(idp, deviceCode);
  expect(again).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  expect(await refresh(idp, first.json.refresh_token)).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
});

test.describe('one-second device codes', () => {
  test.use({ idpOptions: { deviceCodeTtl: 1 } });

  test('a code polled after it expired answers expired_token (RFC 8628 §3.5), and no interval unless asked', async ({
    idp,
  }) => {
    const code = await post(`${idp.issuer}/device/auth`, { client_id: CLIENT_ID, scope: 'openid' });
    expect(code.json).toMatchObject({ expires_in: 1 });
    expect(code.json.interval).toBeUndefined();
    const poll = () => redeem(idp, String(code.json.device_code));
    await expect.poll(async () => (await poll()).json.error, { timeout: 5_000 }).not.toBe('authorization_pending');
    expect(await poll()).toMatchObject({ status: 400, json: { error: 'expired_token' } });
  });
});

test("revokeAll on one IdP leaves another IdP's grants alone (each has its own store)", async ({ idp, browser }) => {
  const other = await startIdp({ interval: 1 });
  try {
    const phones = [await browser.newPage(), await browser.newPage()];
    const mine = await redeem(idp, await approvedCode(idp, phones[0]!));
    const theirs = await redeem(other, await approvedCode(other, phones[1]!));
    await other.revokeAll();
    expect(await refresh(other, theirs.json.refresh_token)).toMatchObject({
      status: 400,
      json: { error: 'invalid_grant' },
    });
    expect((await refresh(idp, mine.json.refresh_token)).status).toBe(200);
    expect(idp.approvals).toHaveLength(1);
    expect(other.approvals).toHaveLength(1);
  } finally {
    await other.close();
  }
});

test('without CORS the IdP sends no Access-Control header at all, and still serves a request with an Origin', async () => {
  const origin = 'http://127.0.0.1:4000';
  const idp = await startIdp({ cors: false, appOrigins: [origin] });
  try {
    for (const route of ['/.well-known/openid-configuration', '/jwks', '/device/auth', '/token', '/token/revocation']) {
      const preflight = await fetch(`${idp.issuer}${route}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      const get = await fetch(`${idp.issuer}${route}`, { headers: { origin } });
      const names = [...preflight.headers.keys(), ...get.headers.keys()];
      expect(
        names.filter((n) => n.startsWith('access-control-')),
        route,
      ).toEqual([]);
    }
    const code = await post(`${idp.issuer}/device/auth`, { client_id: CLIENT_ID, scope: 'openid' }, { origin });
    expect(code.status).toBe(200);
    expect([...code.headers.keys()].filter((n) => n.startsWith('access-control-'))).toEqual([]);
  } finally {
    await idp.close();
  }
});

test('the phone pages: an unknown code, the code typed loosely, a wrong password', async ({ idp, phone }) => {
  await phone.goto(`${idp.issuer}/device`);
  await phone.getByTestId('idp-user-code').fill('BBBB-CCCC');
  await phone.getByTestId('idp-user-code-submit').click();
  await expect(phone.getByTestId('idp-error')).toHaveAttribute('data-error', 'not_found');

  const code = await post(`${idp.issuer}/device/auth`, { client_id: CLIENT_ID, scope: 'openid profile api:read' });
  const userCode = String(code.json.user_code);
  await phone.getByTestId('idp-user-code').fill(userCode.toLowerCase().replace('-', ''));
  await phone.getByTestId('idp-user-code-submit').click();
  await expect(phone.getByTestId('idp-confirm-code')).toHaveText(userCode);
  await phone.getByTestId('idp-confirm').click();

  await expect(phone.getByTestId('idp-demo-user')).toContainText(`${DEMO_LOGIN} / password: ${DEMO_PASSWORD}`);
  await phone.getByTestId('idp-login').fill(DEMO_LOGIN);
  await phone.getByTestId('idp-password').fill('wrong');
  await phone.getByTestId('idp-submit').click();
  await expect(phone.getByTestId('idp-error')).toHaveAttribute('data-error', 'login');
  await phone.getByTestId('idp-password').fill(DEMO_PASSWORD);
  await phone.getByTestId('idp-submit').click();
  await expect(phone.getByTestId('idp-scopes')).toContainText('api:read');
  await phone.getByTestId('idp-allow').click();
  await expect(phone.getByTestId('idp-success')).toBeVisible();
  expect((await redeem(idp, String(code.json.device_code))).status).toBe(200);
});

test("the default scope (no api:read) still gets a token for the API, which reports the scope it doesn't require", async ({
  idp,
  api,
  phone,
}) => {
  const tokens = await redeem(idp, await approvedCode(idp, phone, 'openid profile offline_access'));
  const token = String(tokens.json.access_token);
  expect(decodeJwt(token)).toMatchObject({ aud: 'http://127.0.0.1:4020/' });
  const res = await fetch(api.url, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(((await res.json()) as Json).scope).toBe('');
});

test('the static server serves the build with its content types, and nothing outside it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'demo-static-'));
  const root = path.join(dir, 'site');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(path.join(root, 'config.json'), '{"issuer":"file"}');
  await writeFile(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'secret.txt'), 'secret');
  const plain = await startStatic({ port: 0, root, headers: { 'X-Demo': '1' } });
  const overridden = await startStatic({ port: 0, root, config: { issuer: 'override' } });
  try {
    let res = await fetch(`${plain.url}?issuer=x`);
    expect(await res.text()).toContain('<title>app</title>');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-demo')).toBe('1');
    res = await fetch(`${plain.url}assets/app.js?v=1`);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await (await fetch(`${plain.url}config.json`)).json()).toEqual({ issuer: 'file' });
    expect(await (await fetch(`${overridden.url}config.json`)).json()).toEqual({ issuer: 'override' });
    for (const escape of ['missing.js', '..%2fsecret.txt', '%2e%2e/secret.txt', 'assets/..%2f..%2fsecret.txt']) {
      expect((await fetch(`${plain.url}${escape}`)).status, escape).toBe(404);
    }
  } finally {
    await Promise.all([plain.close(), overridden.close()]);
    await rm(dir, { recursive: true, force: true });
  }
});
