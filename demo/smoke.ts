// Protocol smoke test of the demo servers, without the app: `npx tsx demo/smoke.ts`.
// Acts as the TV (device authorization, polling, refresh, revocation, API calls, DPoP) and as the
// phone (plain fetch with a cookie jar through the IdP's pages). Exits non-zero on any failed check.

import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';

import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';

import { startApi } from './api.ts';
import { startIdp } from './idp.ts';
import { startStatic } from './static.ts';

const APP_ORIGIN = 'http://127.0.0.1:4000';
const CLIENT_ID = 'screen-signin';
const SCOPE = 'openid profile offline_access api:read';

let failures = 0;
let passes = 0;
function check(name: string, ok: boolean, detail?: unknown): void {
  if (ok) {
    passes += 1;
    console.log(`  ok    ${name}`);
  } else {
    failures += 1;
    console.log(
      `  FAIL  ${name}${detail === undefined ? '' : ` — ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`,
    );
  }
}
function section(title: string): void {
  console.log(`\n# ${title}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

type Json = Record<string, unknown>;

async function postForm(
  url: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(body),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = text ? (JSON.parse(text) as Json) : {};
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json, headers: res.headers };
}

// ---------------------------------------------------------------------------------------------
// The phone: a tiny browser (cookie jar with paths, manual redirects, form parsing)

interface Cookie {
  name: string;
  value: string;
  path: string;
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m?.[1] === undefined ? undefined : unescapeHtml(m[1]);
}

interface Form {
  action: string;
  fields: Record<string, string>;
  html: string;
}

function parseForms(html: string, base: string): Form[] {
  const forms: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const open = m[1] ?? '';
    const inner = m[2] ?? '';
    const fields: Record<string, string> = {};
    for (const input of inner.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      const type = attr(input[0], 'type') ?? 'text';
      if (name && type === 'hidden') fields[name] = attr(input[0], 'value') ?? '';
    }
    forms.push({ action: new URL(attr(open, 'action') ?? base, base).href, fields, html: inner });
  }
  return forms;
}

class Phone {
  readonly cookies: Cookie[] = [];
  lastUrl = '';

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter(
        (c) =>
          url.pathname === c.path ||
          url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
          c.path === '/',
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cpath = '/';
      let expired = false;
      for (const a of attrs) {
        const [k = '', v = ''] = a.split('=');
        if (k.toLowerCase() === 'path') cpath = v || '/';
        if (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      const i = this.cookies.findIndex((c) => c.name === name && c.path === cpath);
      if (i >= 0) this.cookies.splice(i, 1);
      if (!expired && value !== '') this.cookies.push({ name, value, path: cpath });
    }
  }

  /** Requests and follows redirects; returns the final page. */
  async go(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<{ status: number; html: string; url: string }> {
    let current = new URL(url);
    let method = init.method ?? 'GET';
    let body: URLSearchParams | undefined = init.form ? new URLSearchParams(init.form) : undefined;
    for (let hop = 0; hop < 10; hop++) {
      const headers: Record<string, string> = { accept: 'text/html' };
      const cookie = this.cookieHeader(current);
      if (cookie) headers.cookie = cookie;
      if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(current, { method, headers, body, redirect: 'manual' });
      this.store(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        current = new URL(location, current);
        method = 'GET';
        body = undefined;
        continue;
      }
      this.lastUrl = current.href;
      return { status: res.status, html: await res.text(), url: current.href };
    }
    throw new Error('too many redirects');
  }

  async submit(
    pageHtml: string,
    pageUrl: string,
    fields: Record<string, string>,
    pick?: (f: Form) => boolean,
  ): Promise<{ status: number; html: string; url: string }> {
    const forms = parseForms(pageHtml, pageUrl);
    const form = pick ? forms.find(pick) : forms[0];
    if (!form) throw new Error(`no form on ${pageUrl}: ${pageHtml.slice(0, 300)}`);
    return this.go(form.action, { method: 'POST', form: { ...form.fields, ...fields } });
  }
}

const has = (html: string, testid: string): boolean => html.includes(`data-testid="${testid}"`);

/**
 * Walks the phone through verification_uri_complete: confirm, (login), (consent).
 * `decision` decides what the person does at the end.
 */
async function approveOnPhone(
  phone: Phone,
  verificationUriComplete: string,
  decision: 'allow' | 'deny-consent' | 'abort-confirm',
  log = true,
): Promise<{ status: number; html: string; url: string }> {
  // GET ?user_code=… answers an auto-submitting form (JS in a browser); we submit it by hand.
  let page = await phone.go(verificationUriComplete);
  page = await phone.submit(page.html, page.url, {});
  if (log)
    check(
      'phone: confirm page shows the code with Continue and Cancel',
      has(page.html, 'idp-confirm') && has(page.html, 'idp-abort') && has(page.html, 'idp-confirm-code'),
    );
  if (decision === 'abort-confirm') {
    return phone.submit(page.html, page.url, { abort: 'yes' });
  }
  page = await phone.submit(page.html, page.url, {});
  if (has(page.html, 'idp-login')) {
    if (log)
      check(
        'phone: login page has login/password/submit and names the demo user',
        has(page.html, 'idp-password') &&
          has(page.html, 'idp-submit') &&
          page.html.includes('Demo user: <strong>ada</strong> / password: <strong>screen</strong>'),
      );
    const wrong = await phone.submit(page.html, page.url, { login: 'ada', password: 'nope' });
    if (log)
      check(
        'phone: a wrong password shows an error on the login page',
        has(wrong.html, 'idp-error') && has(wrong.html, 'idp-login'),
      );
    page = await phone.submit(wrong.html, wrong.url, { login: 'ada', password: 'screen' });
  }
  if (has(page.html, 'idp-allow')) {
    if (log)
      check(
        'phone: consent page lists the scopes with Allow and Deny',
        has(page.html, 'idp-deny') && page.html.includes('api:read') && page.html.includes('offline_access'),
      );
    page = await phone.submit(page.html, page.url, { decision: decision === 'allow' ? 'allow' : 'deny' });
  }
  return page;
}

// ---------------------------------------------------------------------------------------------
// DPoP helpers

interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

async function proof(
  key: DpopKey,
  htm: string,
  htu: string,
  accessToken?: string,
  jti = randomUUID(),
): Promise<string> {
  const payload: Record<string, unknown> = { htm, htu, jti };
  if (accessToken) payload.ath = createHash('sha256').update(accessToken).digest('base64url');
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .setIssuedAt()
    .sign(key.privateKey);
}

// ---------------------------------------------------------------------------------------------

interface Endpoints {
  device: string;
  token: string;
  revocation: string;
  jwks: string;
}

async function deviceAuth(ep: Endpoints, scope = SCOPE): Promise<Json> {
  const r = await postForm(ep.device, { client_id: CLIENT_ID, scope });
  if (r.status !== 200) throw new Error(`device authorization failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

function pollToken(
  ep: Endpoints,
  deviceCode: string,
  headers: Record<string, string> = {},
): ReturnType<typeof postForm> {
  return postForm(
    ep.token,
    { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: CLIENT_ID },
    headers,
  );
}

async function main(): Promise<void> {
  const apiPort = await freePort();
  const apiAudience = `http://127.0.0.1:${apiPort}/`;
  const idp = await startIdp({ port: 0, interval: 1, apiAudience });
  const api = await startApi({ port: apiPort, issuer: idp.issuer });
  const cleanups: (() => Promise<void>)[] = [() => idp.close(), () => api.close()];

  try {
    section(`IdP ${idp.issuer}, API ${api.url}`);
    check('API url is the IdP apiAudience', api.url === apiAudience, api.url);

    const meta = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Json;
    check('discovery: issuer equals the issuer (no trailing slash)', meta.issuer === idp.issuer, meta.issuer);
    const ep: Endpoints = {
      device: String(meta.device_authorization_endpoint),
      token: String(meta.token_endpoint),
      revocation: String(meta.revocation_endpoint),
      jwks: String(meta.jwks_uri),
    };
    check(
      'discovery: device, token, revocation, jwks endpoints',
      ep.device === `${idp.issuer}/device/auth` &&
        ep.token === `${idp.issuer}/token` &&
        ep.revocation === `${idp.issuer}/token/revocation` &&
        ep.jwks === `${idp.issuer}/jwks`,
      ep,
    );
    check(
      'discovery: grant types include device_code and refresh_token',
      Array.isArray(meta.grant_types_supported) &&
        meta.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:device_code') &&
        meta.grant_types_supported.includes('refresh_token'),
    );
    check(
      'discovery: DPoP algs advertised',
      Array.isArray(meta.dpop_signing_alg_values_supported) && meta.dpop_signing_alg_values_supported.includes('ES256'),
      meta.dpop_signing_alg_values_supported,
    );

    // ------------------------------------------------------------------ happy path (Bearer)
    section('device flow, Bearer');
    const da = await deviceAuth(ep);
    check(
      'device auth: device_code, user_code, verification_uri(_complete), expires_in',
      typeof da.device_code === 'string' &&
        typeof da.user_code === 'string' &&
        da.verification_uri === `${idp.issuer}/device` &&
        typeof da.verification_uri_complete === 'string' &&
        String(da.verification_uri_complete).startsWith(`${idp.issuer}/device?user_code=`) &&
        da.expires_in === 600,
      da,
    );
    check('device auth: interval = 1 (added by the demo)', da.interval === 1, da.interval);

    const pending = await pollToken(ep, String(da.device_code));
    check(
      'poll before approval: 400 authorization_pending',
      pending.status === 400 && pending.json.error === 'authorization_pending',
      pending.json,
    );

    const phone = new Phone();
    const before = Date.now();
    const done = await approveOnPhone(phone, String(da.verification_uri_complete), 'allow');
    check(
      'phone: success page "Done. You can go back to the screen."',
      has(done.html, 'idp-success') && done.html.includes('Done. You can go back to the screen.'),
      done.html.slice(0, 300),
    );
    check(
      'approvals: one timestamp recorded at approval',
      idp.approvals.length === 1 && (idp.approvals[0] ?? 0) >= before,
      idp.approvals,
    );

    const tok = await pollToken(ep, String(da.device_code));
    check(
      'poll after approval: 200 with access_token, refresh_token, id_token, token_type Bearer',
      tok.status === 200 &&
        typeof tok.json.access_token === 'string' &&
        typeof tok.json.refresh_token === 'string' &&
        typeof tok.json.id_token === 'string' &&
        tok.json.token_type === 'Bearer',
      tok.json,
    );
    const at = String(tok.json.access_token);
    const atClaims = decodeJwt(at);
    check(
      'access token: JWT typ at+jwt, aud = API, scope api:read, name claim',
      decodeProtectedHeader(at).typ === 'at+jwt' &&
        atClaims.aud === apiAudience &&
        atClaims.scope === 'api:read' &&
        atClaims.name === 'Ada Lovelace',
      { typ: decodeProtectedHeader(at).typ, ...atClaims },
    );
    check(
      'token response: expires_in 3600, scope echoes what was granted',
      tok.json.expires_in === 3600 && typeof tok.json.scope === 'string',
      { expires_in: tok.json.expires_in, scope: tok.json.scope },
    );
    const idClaims = decodeJwt(String(tok.json.id_token));
    check(
      'id token: sub demo-user, name Ada Lovelace, preferred_username ada, aud client',
      idClaims.sub === 'demo-user' &&
        idClaims.name === 'Ada Lovelace' &&
        idClaims.preferred_username === 'ada' &&
        idClaims.aud === CLIENT_ID &&
        idClaims.iss === idp.issuer,
      idClaims,
    );

    const userinfo = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${at}` } });
    check(
      'userinfo refuses the API access token (audience is the API, not userinfo)',
      userinfo.status === 401 || userinfo.status === 400,
      userinfo.status,
    );

    section('demo API');
    let res = await fetch(api.url, { headers: { authorization: `Bearer ${at}`, origin: APP_ORIGIN } });
    const body = (await res.json()) as Json;
    check(
      'API with Bearer token: 200 JSON hello Ada Lovelace, token_type Bearer, 3 items',
      res.status === 200 &&
        body.hello === 'Ada Lovelace' &&
        body.sub === 'demo-user' &&
        body.token_type === 'Bearer' &&
        Array.isArray(body.items) &&
        body.items.length === 3 &&
        typeof body.served_at === 'string',
      body,
    );
    check(
      'API CORS: Access-Control-Allow-Origin for the app origin, Vary Origin, exposes WWW-Authenticate',
      res.headers.get('access-control-allow-origin') === APP_ORIGIN &&
        (res.headers.get('vary') ?? '').includes('Origin') &&
        (res.headers.get('access-control-expose-headers') ?? '').includes('WWW-Authenticate'),
    );
    res = await fetch(api.url, { headers: { authorization: 'Bearer garbage.token.here' } });
    check(
      'API with a garbage token: 401 WWW-Authenticate: Bearer error="invalid_token"',
      res.status === 401 && (res.headers.get('www-authenticate') ?? '').startsWith('Bearer error="invalid_token"'),
      res.headers.get('www-authenticate'),
    );
    res = await fetch(api.url);
    const noAuth = res.headers.get('www-authenticate') ?? '';
    check(
      'API without a token: 401 Bearer realm="demo-api" and DPoP algs',
      res.status === 401 &&
        noAuth.startsWith('Bearer realm="demo-api"') &&
        noAuth.includes('DPoP') &&
        noAuth.includes('algs="ES256 RS256 PS256 EdDSA"'),
      noAuth,
    );
    res = await fetch(api.url, { headers: { authorization: `DPoP ${at}` } });
    check('API: a Bearer token presented with the DPoP scheme is refused (401)', res.status === 401, res.status);
    res = await fetch(api.url, {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,dpop',
      },
    });
    check(
      'API preflight from the app origin: 204, Allow-Origin, Allow-Headers Authorization, DPoP; Max-Age 600',
      res.status === 204 &&
        res.headers.get('access-control-allow-origin') === APP_ORIGIN &&
        (res.headers.get('access-control-allow-headers') ?? '').includes('DPoP') &&
        res.headers.get('access-control-max-age') === '600',
    );
    res = await fetch(api.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    check(
      'API preflight from another origin: no Access-Control-Allow-Origin',
      res.headers.get('access-control-allow-origin') === null,
    );

    section('refresh and revocation');
    const ref = await postForm(ep.token, {
      grant_type: 'refresh_token',
      refresh_token: String(tok.json.refresh_token),
      client_id: CLIENT_ID,
    });
    check(
      'refresh: 200 with a new access token and a rotated refresh token',
      ref.status === 200 &&
        typeof ref.json.access_token === 'string' &&
        ref.json.access_token !== at &&
        typeof ref.json.refresh_token === 'string' &&
        ref.json.refresh_token !== tok.json.refresh_token,
      ref.json,
    );
    check('refresh: new access token is for the API too', decodeJwt(String(ref.json.access_token)).aud === apiAudience);
    check(
      'refresh: new id token carries the name',
      typeof ref.json.id_token === 'string' && decodeJwt(String(ref.json.id_token)).name === 'Ada Lovelace',
    );
    res = await fetch(api.url, { headers: { authorization: `Bearer ${String(ref.json.access_token)}` } });
    check('API with the refreshed token: 200', res.status === 200);
    const revAt = await postForm(ep.revocation, { token: String(ref.json.access_token), client_id: CLIENT_ID });
    check(
      'revocation of a JWT access token: 400 unsupported_token_type (oidc-provider cannot revoke structured tokens)',
      revAt.status === 400 && revAt.json.error === 'unsupported_token_type',
      revAt,
    );
    const rev = await postForm(ep.revocation, {
      token: String(ref.json.refresh_token),
      token_type_hint: 'refresh_token',
      client_id: CLIENT_ID,
    });
    check('revocation of the refresh token: 200', rev.status === 200, rev);
    const afterRev = await postForm(ep.token, {
      grant_type: 'refresh_token',
      refresh_token: String(ref.json.refresh_token),
      client_id: CLIENT_ID,
    });
    check(
      'refresh with the revoked refresh token: invalid_grant',
      afterRev.status === 400 && afterRev.json.error === 'invalid_grant',
      afterRev.json,
    );

    section('CORS at the IdP');
    for (const [name, url] of [
      ['device endpoint', ep.device],
      ['token endpoint', ep.token],
      ['revocation endpoint', ep.revocation],
    ] as const) {
      res = await fetch(url, {
        method: 'OPTIONS',
        headers: {
          origin: APP_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,dpop',
        },
      });
      check(
        `preflight to the ${name} from ${APP_ORIGIN}: Access-Control-Allow-Origin`,
        res.headers.get('access-control-allow-origin') === APP_ORIGIN,
        [res.status, res.headers.get('access-control-allow-origin')],
      );
    }
    const corsPost = await postForm(ep.device, { client_id: CLIENT_ID, scope: SCOPE }, { origin: APP_ORIGIN });
    check(
      'POST device auth with Origin of the app: 200 and Allow-Origin',
      corsPost.status === 200 && corsPost.headers.get('access-control-allow-origin') === APP_ORIGIN,
    );
    const corsTok = await pollToken(ep, String(corsPost.json.device_code), { origin: APP_ORIGIN });
    check(
      'POST token with Origin: Allow-Origin and Expose-Headers WWW-Authenticate',
      corsTok.headers.get('access-control-allow-origin') === APP_ORIGIN &&
        (corsTok.headers.get('access-control-expose-headers') ?? '').includes('WWW-Authenticate'),
      Object.fromEntries(corsTok.headers),
    );
    const evil = await postForm(ep.device, { client_id: CLIENT_ID, scope: SCOPE }, { origin: 'http://evil.example' });
    check(
      'POST device auth from another origin: refused, no Allow-Origin',
      evil.status === 400 && evil.headers.get('access-control-allow-origin') === null,
      evil.json,
    );
    res = await fetch(`${idp.issuer}/.well-known/openid-configuration`, { headers: { origin: APP_ORIGIN } });
    check('discovery with Origin: Allow-Origin', res.headers.get('access-control-allow-origin') !== null);

    const noCors = await startIdp({ port: 0, cors: false, apiAudience });
    cleanups.push(() => noCors.close());
    let anyAc = false;
    for (const url of [
      `${noCors.issuer}/device/auth`,
      `${noCors.issuer}/token`,
      `${noCors.issuer}/token/revocation`,
      `${noCors.issuer}/.well-known/openid-configuration`,
      `${noCors.issuer}/jwks`,
    ]) {
      res = await fetch(url, {
        method: 'OPTIONS',
        headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST' },
      });
      for (const [k] of res.headers) if (k.startsWith('access-control-')) anyAc = true;
      res = await fetch(url, { headers: { origin: APP_ORIGIN } });
      for (const [k] of res.headers) if (k.startsWith('access-control-')) anyAc = true;
    }
    check('cors:false: no Access-Control-* header on preflights, discovery or jwks', !anyAc);
    const proxied = await postForm(
      `${noCors.issuer}/device/auth`,
      { client_id: CLIENT_ID, scope: SCOPE },
      { origin: APP_ORIGIN },
    );
    check(
      'cors:false: a POST that carries an Origin (as through a proxy) still works, without CORS headers',
      proxied.status === 200 &&
        [...proxied.headers.keys()].every((k) => !k.startsWith('access-control-')) &&
        proxied.json.interval === undefined,
      proxied.json,
    );

    section('denials');
    {
      const d = await deviceAuth(ep);
      const page = await approveOnPhone(new Phone(), String(d.verification_uri_complete), 'abort-confirm', false);
      check(
        'abort on the confirm page: phone sees the cancelled notice',
        has(page.html, 'idp-error') && page.html.includes('data-error="aborted"'),
        page.html.slice(0, 200),
      );
      const t = await pollToken(ep, String(d.device_code));
      check(
        'abort on the confirm page: token endpoint answers access_denied',
        t.status === 400 && t.json.error === 'access_denied',
        t.json,
      );
    }
    {
      const d = await deviceAuth(ep);
      const page = await approveOnPhone(new Phone(), String(d.verification_uri_complete), 'deny-consent', false);
      check(
        'Deny on the consent page: phone sees the cancelled notice',
        page.html.includes('data-error="aborted"'),
        page.html.slice(0, 200),
      );
      const t = await pollToken(ep, String(d.device_code));
      check(
        'Deny on the consent page: access_denied "The person declined on their phone."',
        t.status === 400 &&
          t.json.error === 'access_denied' &&
          t.json.error_description === 'The person declined on their phone.',
        t.json,
      );
    }
    {
      const p = new Phone();
      let page = await p.go(`${idp.issuer}/device`);
      check(
        'verification_uri: code input with data-testid idp-user-code and idp-user-code-submit',
        has(page.html, 'idp-user-code') && has(page.html, 'idp-user-code-submit'),
      );
      page = await p.submit(page.html, page.url, { user_code: 'BBBB-CCCC' });
      check(
        'a wrong user code re-renders the input with an error',
        has(page.html, 'idp-error') && page.html.includes('data-error="not_found"') && has(page.html, 'idp-user-code'),
      );
      const d = await deviceAuth(ep);
      page = await p.submit(page.html, page.url, { user_code: String(d.user_code).toLowerCase().replace('-', '') });
      check(
        'typing the code (lower case, no dash) leads to the confirm page',
        has(page.html, 'idp-confirm') && page.html.includes(String(d.user_code)),
      );
    }

    section('second sign-in from the same phone (session and grant exist)');
    {
      const d = await deviceAuth(ep);
      const page = await approveOnPhone(phone, String(d.verification_uri_complete), 'allow', false);
      check('only the confirm step is needed; success page', has(page.html, 'idp-success'));
      const t = await pollToken(ep, String(d.device_code));
      check('tokens issued', t.status === 200 && typeof t.json.refresh_token === 'string', t.json);
      check('approvals: one more timestamp', idp.approvals.length === 2, idp.approvals);

      section('device code reuse');
      {
        const d2 = await deviceAuth(ep);
        await approveOnPhone(phone, String(d2.verification_uri_complete), 'allow', false);
        const t2 = await pollToken(ep, String(d2.device_code));
        const reused = await pollToken(ep, String(d2.device_code));
        check(
          'device code is single use: second redemption fails with invalid_grant',
          t2.status === 200 && reused.status === 400 && reused.json.error === 'invalid_grant',
          reused.json,
        );
        const r2 = await postForm(ep.token, {
          grant_type: 'refresh_token',
          refresh_token: String(t2.json.refresh_token),
          client_id: CLIENT_ID,
        });
        check(
          'reuse of a device code revokes the grant it issued (refresh: invalid_grant)',
          r2.status === 400 && r2.json.error === 'invalid_grant',
          r2.json,
        );
      }

      section('revokeAll');
      await idp.revokeAll();
      const r = await postForm(ep.token, {
        grant_type: 'refresh_token',
        refresh_token: String(t.json.refresh_token),
        client_id: CLIENT_ID,
      });
      check(
        'after revokeAll(): refresh answers invalid_grant',
        r.status === 400 && r.json.error === 'invalid_grant',
        r.json,
      );
    }

    section('expiry');
    {
      const short = await startIdp({ port: 0, deviceCodeTtl: 1, apiAudience });
      cleanups.push(() => short.close());
      const base = short.issuer;
      const d = (await postForm(`${base}/device/auth`, { client_id: CLIENT_ID, scope: SCOPE })).json;
      check('deviceCodeTtl: expires_in = 1', d.expires_in === 1, d);
      check('no interval option: no interval in the response', d.interval === undefined);
      await new Promise((r) => setTimeout(r, 1600));
      const t = await postForm(`${base}/token`, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: String(d.device_code),
        client_id: CLIENT_ID,
      });
      check('polling after expiry: expired_token', t.status === 400 && t.json.error === 'expired_token', t.json);
    }

    section('DPoP');
    {
      const key = await dpopKey();
      const other = await dpopKey();
      const d = await deviceAuth(ep);
      const page = await approveOnPhone(new Phone(), String(d.verification_uri_complete), 'allow', false);
      check('approved on a new phone (login + consent again after revokeAll)', has(page.html, 'idp-success'));
      const t = await pollToken(ep, String(d.device_code), { DPoP: await proof(key, 'POST', ep.token) });
      check(
        'token request with a DPoP proof: token_type DPoP',
        t.status === 200 && t.json.token_type === 'DPoP',
        t.json,
      );
      const dat = String(t.json.access_token);
      const cnf = decodeJwt(dat).cnf as { jkt?: string } | undefined;
      check('access token has cnf.jkt = thumbprint of the key', cnf?.jkt === key.jkt, cnf);

      res = await fetch(api.url, {
        headers: { authorization: `DPoP ${dat}`, dpop: await proof(key, 'GET', api.url, dat) },
      });
      const dj = (await res.json()) as Json;
      check('API with DPoP + proof: 200 token_type DPoP', res.status === 200 && dj.token_type === 'DPoP', dj);
      res = await fetch(`${api.url}?x=1`, {
        headers: { authorization: `DPoP ${dat}`, dpop: await proof(key, 'GET', api.url, dat) },
      });
      check('API with DPoP: query string is ignored for htu', res.status === 200, res.status);
      res = await fetch(api.url, { headers: { authorization: `Bearer ${dat}` } });
      check(
        'the DPoP-bound token as Bearer: 401 WWW-Authenticate DPoP error="invalid_token"',
        res.status === 401 && (res.headers.get('www-authenticate') ?? '').startsWith('DPoP error="invalid_token"'),
        res.headers.get('www-authenticate'),
      );
      res = await fetch(api.url, {
        headers: { authorization: `DPoP ${dat}`, dpop: await proof(other, 'GET', api.url, dat) },
      });
      check('the DPoP-bound token with a proof of another key: 401', res.status === 401, [
        res.status,
        res.headers.get('www-authenticate'),
      ]);
      res = await fetch(api.url, { headers: { authorization: `DPoP ${dat}` } });
      check(
        'DPoP scheme without a proof: 401 invalid_dpop_proof',
        res.status === 401 && (res.headers.get('www-authenticate') ?? '').includes('invalid_dpop_proof'),
      );
      const replay = await proof(key, 'GET', api.url, dat);
      const first = await fetch(api.url, { headers: { authorization: `DPoP ${dat}`, dpop: replay } });
      const second = await fetch(api.url, { headers: { authorization: `DPoP ${dat}`, dpop: replay } });
      check('a replayed proof (same jti) is refused', first.status === 200 && second.status === 401, [
        first.status,
        second.status,
      ]);
      res = await fetch(api.url, {
        headers: { authorization: `DPoP ${dat}`, dpop: await proof(key, 'POST', api.url, dat) },
      });
      check('a proof for another method is refused', res.status === 401);
      res = await fetch(api.url, {
        headers: { authorization: `DPoP ${dat}`, dpop: await proof(key, 'GET', `${api.url}other`, dat) },
      });
      check('a proof for another URL is refused', res.status === 401);
      res = await fetch(api.url, { headers: { authorization: `DPoP ${dat}`, dpop: await proof(key, 'GET', api.url) } });
      check('a proof without ath is refused', res.status === 401);

      const noProof = await postForm(ep.token, {
        grant_type: 'refresh_token',
        refresh_token: String(t.json.refresh_token),
        client_id: CLIENT_ID,
      });
      check('refreshing a DPoP-bound refresh token without a proof fails', noProof.status === 400, noProof.json);
      const dr = await postForm(
        ep.token,
        { grant_type: 'refresh_token', refresh_token: String(t.json.refresh_token), client_id: CLIENT_ID },
        { DPoP: await proof(key, 'POST', ep.token) },
      );
      check(
        'refresh with a DPoP proof of the same key: DPoP token with the same jkt',
        dr.status === 200 &&
          dr.json.token_type === 'DPoP' &&
          (decodeJwt(String(dr.json.access_token)).cnf as { jkt?: string } | undefined)?.jkt === key.jkt,
        dr.json,
      );
    }

    section("the contract's default scope (no api:read)");
    {
      const d = await deviceAuth(ep, 'openid profile offline_access');
      await approveOnPhone(new Phone(), String(d.verification_uri_complete), 'allow', false);
      const t = await pollToken(ep, String(d.device_code));
      const claims = t.status === 200 ? decodeJwt(String(t.json.access_token)) : {};
      check(
        'tokens issued; the access token is still for the API (aud), with an empty scope',
        t.status === 200 && claims.aud === apiAudience && !claims.scope && typeof t.json.refresh_token === 'string',
        { status: t.status, aud: claims.aud, scope: claims.scope },
      );
      res = await fetch(api.url, { headers: { authorization: `Bearer ${String(t.json.access_token)}` } });
      check('the API accepts it (it reports the scope, it does not require api:read)', res.status === 200, res.status);
    }
    {
      const d = await deviceAuth(ep, 'openid');
      await approveOnPhone(new Phone(), String(d.verification_uri_complete), 'allow', false);
      const t = await pollToken(ep, String(d.device_code));
      check(
        'scope openid only: no refresh token (offline_access not requested)',
        t.status === 200 && t.json.refresh_token === undefined,
        t.json,
      );
    }

    section('static server');
    {
      const dir = await mkdtemp(path.join(tmpdir(), 'screen-signin-static-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      await mkdir(path.join(dir, 'assets'));
      await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>app</title>');
      await writeFile(path.join(dir, 'config.json'), '{"issuer":"file"}');
      await writeFile(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
      await writeFile(path.join(dir, 'assets', 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      await writeFile(path.join(path.dirname(dir), 'secret-outside.txt'), 'secret').catch(() => undefined);
      const st = await startStatic({ port: 0, root: dir, headers: { 'X-Demo': '1' } });
      cleanups.push(() => st.close());
      res = await fetch(`${st.url}?issuer=x`);
      check(
        'static: / serves index.html (no-store, html), query ignored',
        res.status === 200 &&
          (res.headers.get('content-type') ?? '').startsWith('text/html') &&
          res.headers.get('cache-control') === 'no-store' &&
          (await res.text()).includes('<title>app</title>') &&
          res.headers.get('x-demo') === '1',
      );
      res = await fetch(`${st.url}assets/app.js?v=1`);
      check(
        'static: js content type',
        res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/javascript'),
      );
      res = await fetch(`${st.url}assets/icon.svg`);
      check('static: svg content type', res.headers.get('content-type') === 'image/svg+xml');
      res = await fetch(`${st.url}config.json`);
      check(
        'static: config.json from the file, no-store',
        ((await res.json()) as Json).issuer === 'file' && res.headers.get('cache-control') === 'no-store',
      );
      res = await fetch(`${st.url}missing.js`);
      check('static: 404 for a missing file', res.status === 404);
      res = await fetch(`${st.url}..%2fsecret-outside.txt`);
      const res2 = await fetch(`${st.url}%2e%2e/%2e%2e/etc/passwd`);
      check('static: no directory traversal', res.status === 404 && res2.status === 404, [res.status, res2.status]);
      const st2 = await startStatic({ port: 0, root: dir, config: { issuer: 'override' } });
      cleanups.push(() => st2.close());
      res = await fetch(`${st2.url}config.json`);
      check(
        'static: config override served as /config.json',
        ((await res.json()) as Json).issuer === 'override' && res.headers.get('cache-control') === 'no-store',
      );
      await rm(path.join(path.dirname(dir), 'secret-outside.txt'), { force: true });
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('cleanup:', err));
  }

  console.log(`\n${passes} passed, ${failures} failed`);
  if (failures) process.exit(1);
}

main().catch((err: unknown) => {
  console.error('smoke test crashed:', err);
  process.exit(1);
});
