/// <reference types="node" />
/**
 * A deploy check: `npm run check-config -- <screen URL | config.json> [--origin <screen origin>]`.
 *
 * Loads a screen's configuration the way the app does (config.json beside the page, the URL's query
 * on top), then talks to the IdP the way the browser would: discovery, one device authorization
 * request, one poll, a revocation of a made-up token, and a CORS preflight to the API, each with the
 * screen's `Origin`, reading `Access-Control-Allow-Origin` on the answers. It prints what works and
 * what the deployer must change. Codes and tokens are never printed in full: the user code is
 * masked, the device code is never shown, and no token is ever obtained (nobody approves the code).
 *
 * Exit status: 0 all good, 1 something must change, 2 the command was used wrongly.
 */
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { parseConfig, type Config } from '../src/core/config';
import { directives, sourceListAllows } from '../deploy/csp';

type Level = 'ok' | 'warn' | 'fail' | 'info';
const MARK: Record<Level, string> = { ok: '✓', warn: '!', fail: '✗', info: '·' };
const findings: { level: Level; text: string; fix?: string }[] = [];

function report(level: Level, text: string, fix?: string): void {
  findings.push({ level, text, fix });
  console.log(`${MARK[level]} ${text}`);
  if (fix) console.log(`    → ${fix}`);
}

/** Shows enough of a code to recognise it on the screen, never the whole (RFC 8628 §5.1: it is a credential while valid). */
export function mask(code: string): string {
  return code.replace(/[A-Za-z0-9]/g, (c, i: number) => (i === 0 ? c : '•'));
}

const TIMEOUT_MS = 15_000;

async function send(url: string, init: RequestInit & { origin?: string }): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.origin) headers.set('origin', init.origin);
  return fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
}

async function json(res: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await res.json();
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const describe = (err: unknown) =>
  err instanceof Error
    ? err.cause instanceof Error
      ? `${err.message}: ${err.cause.message}`
      : err.message
    : String(err);

/** Does a browser on `origin` get to read this answer? (Fetch standard, CORS check.) */
function corsAllows(res: Response, origin: string): boolean {
  const allowed = res.headers.get('access-control-allow-origin');
  return allowed === '*' || allowed === origin;
}

/** RFC 1918, loopback, link-local, unique-local: the address spaces Local Network Access guards. */
function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      a === 0
    );
  }
  const v6 = address.toLowerCase();
  if (v6.startsWith('::ffff:')) return isPrivateAddress(v6.slice(7));
  return v6 === '::1' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe80');
}

async function isPrivateHost(host: string): Promise<boolean | undefined> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  try {
    const addresses = isIP(bare) ? [bare] : (await lookup(bare, { all: true })).map((a) => a.address);
    return addresses.some(isPrivateAddress);
  } catch {
    return undefined;
  }
}

async function loadConfig(target: string): Promise<{ config?: Config; origin?: string; source: string }> {
  let file: Record<string, unknown> | undefined;
  let query = new URLSearchParams();
  let origin: string | undefined;
  let source: string;
  if (/^https?:\/\//i.test(target)) {
    const page = new URL(target);
    origin = page.origin;
    query = page.searchParams;
    const at = new URL('config.json', page).href;
    source = `${at} + the address's query`;
    try {
      const res = await send(at, { cache: 'no-store' });
      if (res.status === 404) report('info', `no config.json at ${at}: everything comes from the address's query`);
      else if (!res.ok)
        report(
          'fail',
          `config.json at ${at} answered HTTP ${res.status}`,
          'serve config.json beside index.html, or remove it',
        );
      else {
        file = await json(res);
        if (!file) report('fail', `config.json at ${at} is not a JSON object`);
        const cache = res.headers.get('cache-control') ?? '';
        if (!/no-cache|no-store|max-age=0/.test(cache)) {
          report(
            'warn',
            `config.json is served with Cache-Control "${cache || 'none'}"`,
            'serve it with "no-cache" so that a changed config reaches every screen (deploy/nginx.conf does)',
          );
        }
      }
    } catch (err) {
      report('fail', `cannot load ${at}: ${describe(err)}`);
      return { source };
    }
  } else {
    source = target;
    try {
      const parsed: unknown = JSON.parse(await readFile(target, 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
      file = parsed as Record<string, unknown>;
    } catch (err) {
      report('fail', `cannot read ${target}: ${describe(err)}`);
      return { source };
    }
  }
  const result = parseConfig(file, query);
  if (!result.ok) {
    for (const p of result.problems) report('fail', `setting "${p.key}" ${p.problem}`);
    return { origin, source };
  }
  return { config: result.config, origin, source };
}

interface Metadata {
  issuer?: string;
  device_authorization_endpoint?: string;
  token_endpoint?: string;
  revocation_endpoint?: string;
  dpop_signing_alg_values_supported?: string[];
}

const wellKnown = (issuer: URL) => {
  const path = issuer.pathname.replace(/\/$/, '');
  return [
    `${issuer.origin}${path}/.well-known/openid-configuration`,
    `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
  ];
};

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { origin: { type: 'string' } } });
  const target = positionals[0];
  if (!target || positionals.length > 1) {
    console.error(
      'usage: npm run check-config -- <screen URL | path to config.json> [--origin https://screens.example.com]',
    );
    return 2;
  }
  const loaded = await loadConfig(target);
  const config = loaded.config;
  const origin = values.origin ? new URL(values.origin).origin : loaded.origin;
  console.log(`  config from ${loaded.source}`);
  if (!config) return finish();
  console.log(
    `  issuer ${config.issuer.href}, client_id "${config.client_id}", scope "${config.scope}"${config.proxy ? `, proxy ${config.proxy}` : ''}`,
  );
  if (!origin)
    report(
      'warn',
      'no screen origin known: CORS is not checked',
      'give the screen URL instead of a file, or add --origin https://screens.example.com',
    );

  // Where the browser would send IdP requests: the proxy path in proxy mode (when we know the screen's origin).
  const viaProxy = (url: string) => {
    const u = new URL(url);
    return config.proxy && origin && u.origin === config.issuer.origin
      ? `${origin}${config.proxy}${u.pathname.slice(1)}${u.search}`
      : url;
  };
  const needsCors = (url: string) => !!origin && new URL(viaProxy(url)).origin !== origin;
  const checkCors = (what: string, url: string, res: Response) => {
    if (!needsCors(url)) return;
    if (corsAllows(res, origin!)) report('ok', `CORS: the ${what} allows ${origin}`);
    else {
      const fix = config.proxy
        ? `allow ${origin} at ${new URL(url).origin}`
        : `add ${origin} to the allowed web origins (CORS) of client "${config.client_id}", or use proxy mode (docs/deploy.md)`;
      report(
        'fail',
        `CORS: the ${what} at ${new URL(url).origin} does not allow ${origin} (Access-Control-Allow-Origin: ${res.headers.get('access-control-allow-origin') ?? 'none'})`,
        fix,
      );
    }
  };

  // Local Network Access: a page from a public address calling a private one needs the person's permission (Chromium 142+).
  if (origin) {
    const screenPrivate = await isPrivateHost(new URL(origin).hostname);
    for (const [what, url] of [
      ['IdP', config.issuer.href],
      ['API', config.api?.href],
    ] as const) {
      if (!url || !needsCors(url)) continue;
      if (screenPrivate === false && (await isPrivateHost(new URL(url).hostname))) {
        report(
          'warn',
          `the screen (${origin}) is on a public address and the ${what} (${new URL(url).host}) on a private one: Chromium asks for Local Network Access permission`,
          'serve the screen from the same network, use proxy mode, or allow it by policy (docs/deploy.md#local-network-access)',
        );
      }
    }
  }

  // 1. Metadata.
  let as: Metadata;
  if (config.device_authorization_endpoint && config.token_endpoint) {
    as = {
      issuer: config.issuer.href,
      device_authorization_endpoint: config.device_authorization_endpoint.href,
      token_endpoint: config.token_endpoint.href,
      revocation_endpoint: config.revocation_endpoint?.href,
    };
    report('info', 'endpoints come from the config: no discovery');
  } else {
    let found: Metadata | undefined;
    for (const url of wellKnown(config.issuer)) {
      const at = viaProxy(url);
      let res: Response;
      try {
        res = await send(at, { origin, headers: { accept: 'application/json' } });
      } catch (err) {
        report(
          'fail',
          `discovery: cannot reach ${at}: ${describe(err)}`,
          config.proxy && at !== url
            ? `check the ${config.proxy} block of the web server (deploy/nginx.conf)`
            : undefined,
        );
        return finish();
      }
      if (res.status === 404) continue;
      const body = await json(res);
      if (!res.ok || !body) {
        report('fail', `discovery: ${at} answered HTTP ${res.status}${body ? '' : ', not JSON'}`);
        return finish();
      }
      found = body as Metadata;
      report('ok', `discovery: ${at}${at !== url ? ` (proxied to ${url})` : ''}`);
      checkCors('discovery document', url, res);
      break;
    }
    if (!found) {
      report(
        'fail',
        `discovery: no metadata at ${wellKnown(config.issuer).join(' or ')}`,
        'check the issuer, or give device_authorization_endpoint and token_endpoint in the config',
      );
      return finish();
    }
    as = found;
    // The same comparison oauth4webapi makes (RFC 8414 §3.3, OIDC Discovery §4.3).
    if (typeof as.issuer !== 'string' || new URL(as.issuer).href !== config.issuer.href) {
      report(
        'fail',
        `discovery names the issuer "${String(as.issuer)}", the config "${config.issuer.href}"`,
        'set issuer exactly as the IdP names it (watch the trailing slash)',
      );
      return finish();
    }
    report('ok', 'the issuer in the document matches the config');
    if (config.revocation_endpoint) as.revocation_endpoint = config.revocation_endpoint.href;
  }
  if (!as.device_authorization_endpoint || !as.token_endpoint) {
    report(
      'fail',
      'the IdP names no device authorization endpoint (or no token endpoint)',
      'enable the device authorization grant in the IdP',
    );
    return finish();
  }
  const dpop = config.dpop && !!as.dpop_signing_alg_values_supported?.length;

  // 2. One device code (RFC 8628 §3.1).
  const form = new URLSearchParams({ client_id: config.client_id, scope: config.scope });
  if (config.audience) form.set('audience', config.audience);
  if (config.resource) form.set('resource', config.resource);
  const deviceUrl = as.device_authorization_endpoint;
  let deviceCode: string | undefined;
  try {
    const res = await send(viaProxy(deviceUrl), {
      method: 'POST',
      origin,
      body: form,
      headers: { accept: 'application/json' },
    });
    const body = await json(res);
    checkCors('device authorization endpoint', deviceUrl, res);
    if (res.ok && typeof body?.device_code === 'string' && typeof body.user_code === 'string') {
      deviceCode = body.device_code;
      const uri = body.verification_uri ?? body.verification_url;
      report(
        'ok',
        `device authorization: got user code ${mask(body.user_code)} for ${String(uri)} (expires in ${String(body.expires_in)} s${body.interval ? `, interval ${String(body.interval)} s` : ''})`,
      );
      if (typeof uri === 'string')
        report('info', `the phone must be able to open ${new URL(uri).origin} (it is not proxied)`);
    } else {
      const error = typeof body?.error === 'string' ? body.error : `HTTP ${res.status}`;
      const fixes: Record<string, string> = {
        invalid_client: `register "${config.client_id}" as a public client (no secret) with the device authorization grant`,
        unauthorized_client: `enable the device authorization grant for "${config.client_id}"`,
        invalid_scope: `allow the scopes "${config.scope}" for the client, or change the scope setting`,
      };
      report(
        'fail',
        `device authorization answered ${error}${typeof body?.error_description === 'string' ? `: ${body.error_description.slice(0, 160)}` : ''}`,
        fixes[error],
      );
    }
  } catch (err) {
    report('fail', `device authorization: cannot reach ${viaProxy(deviceUrl)}: ${describe(err)}`);
  }

  // 3. One poll: nobody has approved, so the answer must be authorization_pending (RFC 8628 §3.5).
  const tokenUrl = as.token_endpoint;
  if (deviceCode) {
    try {
      const body = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: deviceCode,
        client_id: config.client_id,
      });
      const res = await send(viaProxy(tokenUrl), {
        method: 'POST',
        origin,
        body,
        headers: { accept: 'application/json' },
      });
      const answer = await json(res);
      checkCors('token endpoint', tokenUrl, res);
      if (answer?.error === 'authorization_pending' || answer?.error === 'slow_down')
        report('ok', `token endpoint: answers ${answer.error} while nobody has approved`);
      else
        report(
          'fail',
          `token endpoint answered ${typeof answer?.error === 'string' ? answer.error : `HTTP ${res.status}`} to a poll`,
          answer?.error === 'unauthorized_client'
            ? `enable the device code grant for "${config.client_id}"`
            : undefined,
        );
    } catch (err) {
      report('fail', `token endpoint: cannot reach ${viaProxy(tokenUrl)}: ${describe(err)}`);
    }
  }
  // DPoP proofs travel in a header that is not CORS-safelisted: the browser asks first (preflight).
  if (dpop && needsCors(tokenUrl)) {
    try {
      const res = await send(tokenUrl, {
        method: 'OPTIONS',
        origin,
        headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'dpop' },
      });
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      if (corsAllows(res, origin!) && (allowed.includes('dpop') || allowed === '*'))
        report('ok', 'CORS: the token endpoint allows the DPoP header');
      else
        report(
          'fail',
          'CORS: the token endpoint does not allow the DPoP request header in a preflight',
          'allow the DPoP header for this origin, or set "dpop": false',
        );
    } catch (err) {
      report('fail', `token endpoint preflight: ${describe(err)}`);
    }
  }

  // 4. Revocation of a made-up token: RFC 7009 §2.2 answers 200 for tokens it does not know.
  if (as.revocation_endpoint) {
    const url = as.revocation_endpoint;
    try {
      const body = new URLSearchParams({
        token: `check-config-${Date.now()}`,
        token_type_hint: 'refresh_token',
        client_id: config.client_id,
      });
      const res = await send(viaProxy(url), { method: 'POST', origin, body, headers: { accept: 'application/json' } });
      checkCors('revocation endpoint', url, res);
      if (res.ok) report('ok', 'revocation endpoint: reachable (sign-out revokes)');
      else
        report(
          'warn',
          `revocation endpoint answered HTTP ${res.status} for an unknown token`,
          'sign-out still forgets the tokens on the screen',
        );
    } catch (err) {
      report('fail', `revocation endpoint: cannot reach ${viaProxy(url)}: ${describe(err)}`);
    }
  } else {
    report(
      'warn',
      'the IdP names no revocation endpoint: sign-out forgets the tokens on the screen but cannot revoke them',
    );
  }

  // 5. The API: a browser preflights the Authorization (and DPoP) header.
  if (config.api && origin && new URL(config.api).origin !== origin) {
    try {
      const headers = dpop ? 'authorization, dpop' : 'authorization';
      const res = await send(config.api.href, {
        method: 'OPTIONS',
        origin,
        headers: { 'access-control-request-method': 'GET', 'access-control-request-headers': headers },
      });
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      const missing = headers.split(', ').filter((h) => !allowed.includes(h) && allowed !== '*');
      if (corsAllows(res, origin) && missing.length === 0)
        report('ok', `CORS: the API allows ${origin} with ${headers}`);
      else
        report(
          'fail',
          `CORS: the API at ${config.api.origin} does not allow ${origin}${missing.length ? ` with the ${missing.join(', ')} header` : ''}`,
          `allow ${origin} and the Authorization${dpop ? ' and DPoP' : ''} request headers at the API`,
        );
    } catch (err) {
      report('fail', `API preflight: cannot reach ${config.api.href}: ${describe(err)}`);
    }
  }
  if (config.app)
    await checkApp(config, config.app, origin, /^https?:\/\//i.test(target) ? new URL(target) : undefined);
  return finish();
}

/**
 * Config `app` (src/broker/): the page answers, lets the screen frame it, the screen's own CSP lets
 * it frame the page, embed.js is readable from the page's origin, and every `app_apis` origin lets
 * the screen call it (the screen, not the app, sends those requests).
 */
async function checkApp(config: Config, app: URL, origin: string | undefined, page: URL | undefined): Promise<void> {
  if (origin && app.origin === origin) {
    report(
      'fail',
      `app ${app.href} is on the screen's own origin`,
      'serve the app from another origin than the screen',
    );
    return;
  }
  try {
    const res = await send(app.href, {});
    await res.body?.cancel();
    if (res.status >= 300 && res.status < 400)
      report(
        'warn',
        `app ${app.href} redirects (HTTP ${res.status}) to ${res.headers.get('location') ?? '?'}`,
        "the frame follows it: the screen's frame-src must allow where it lands",
      );
    else if (!res.ok) report('fail', `app ${app.href} answered HTTP ${res.status}`);
    else report('ok', `app ${app.href} answers`);
    if (origin) {
      const ancestors = directives(res.headers.get('content-security-policy'), ['frame-ancestors']);
      const xfo = res.headers.get('x-frame-options')?.trim().toUpperCase();
      // frame-ancestors, when present, overrides X-Frame-Options (CSP 3 §6.4.2).
      const framed = ancestors.length
        ? ancestors.every((list) => sourceListAllows(list, origin, app.origin))
        : xfo !== 'DENY' && xfo !== 'SAMEORIGIN';
      if (framed) report('ok', `the app lets ${origin} frame it`);
      else
        report(
          'fail',
          `the app does not let ${origin} frame it (${ancestors.length ? `frame-ancestors ${ancestors.join(', ')}` : `X-Frame-Options: ${xfo}`})`,
          `send "Content-Security-Policy: frame-ancestors ${origin}" from the app`,
        );
    }
  } catch (err) {
    report('fail', `app: cannot reach ${app.href}: ${describe(err)}`);
  }

  if (page) {
    try {
      const res = await send(page.href, {});
      await res.body?.cancel();
      const lists = directives(res.headers.get('content-security-policy'), ['frame-src', 'child-src', 'default-src']);
      if (lists.every((list) => sourceListAllows(list, app.origin, page.origin)))
        report('ok', `the screen's CSP lets it frame ${app.origin}`);
      else
        report(
          'fail',
          `the screen's CSP does not let it frame ${app.origin} (frame-src ${lists.join(', ')})`,
          `render deploy/nginx.conf with --frame-src ${app.origin}`,
        );
      const embed = await send(new URL('embed.js', page).href, { origin: app.origin });
      await embed.body?.cancel();
      if (embed.ok && corsAllows(embed, app.origin)) report('ok', `embed.js is readable from ${app.origin}`);
      else
        report(
          'fail',
          `embed.js at ${new URL('embed.js', page).href} is not readable from ${app.origin} (HTTP ${embed.status}, Access-Control-Allow-Origin: ${embed.headers.get('access-control-allow-origin') ?? 'none'})`,
          'serve embed.js with "Access-Control-Allow-Origin: *" (deploy/nginx.conf does)',
        );
    } catch (err) {
      report('fail', `cannot load the screen at ${page.href}: ${describe(err)}`);
    }
  }

  if (!config.app_apis.length)
    report('warn', 'app_apis is empty (and there is no api): the screen refuses every call of the app');
  if (!origin) return;
  const headers = config.dpop ? 'authorization, dpop' : 'authorization';
  for (const apiOrigin of config.app_apis) {
    const url = config.api?.origin === apiOrigin ? config.api.href : `${apiOrigin}/`;
    try {
      const res = await send(url, {
        method: 'OPTIONS',
        origin,
        headers: { 'access-control-request-method': 'GET', 'access-control-request-headers': headers },
      });
      await res.body?.cancel();
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      if (corsAllows(res, origin) && headers.split(', ').every((h) => allowed.includes(h) || allowed === '*'))
        report('ok', `CORS: app_apis origin ${apiOrigin} allows ${origin} with ${headers}`);
      else
        report(
          'fail',
          `CORS: app_apis origin ${apiOrigin} does not allow ${origin} with ${headers}`,
          `allow ${origin} and the Authorization${config.dpop ? ' and DPoP' : ''} request headers at ${apiOrigin}`,
        );
    } catch (err) {
      report('fail', `app_apis origin ${apiOrigin}: cannot reach ${url}: ${describe(err)}`);
    }
  }
}

function finish(): number {
  const failed = findings.filter((f) => f.level === 'fail').length;
  const warned = findings.filter((f) => f.level === 'warn').length;
  console.log(
    failed
      ? `\n${failed} thing(s) to change${warned ? `, ${warned} warning(s)` : ''}.`
      : `\nAll checks passed${warned ? ` (${warned} warning(s))` : ''}.`,
  );
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`check-config: ${describe(err)}`);
    process.exit(2);
  },
);
