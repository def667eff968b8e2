// Demo identity provider: node `oidc-provider` with the Device Authorization Grant (RFC 8628),
// CORS for the app's origins, JWT access tokens for the demo API (RFC 8707 resource indicators),
// refresh tokens, revocation (RFC 7009) and DPoP (RFC 9449). Everything lives in memory.
//
// Routes (oidc-provider defaults):
//   GET  /.well-known/openid-configuration   discovery
//   POST /device/auth                         device authorization endpoint
//   GET  /device                              verification_uri (phone: type the code)
//   POST /token                               token endpoint (device_code, refresh_token)
//   POST /token/revocation                    revocation endpoint
//   GET  /jwks                                public keys
//   GET  /me                                  userinfo
//   GET|POST /interaction/:uid[/login|/consent]  our own login and consent pages (below)

import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';

import Provider, { errors } from 'oidc-provider';
import type {
  Account,
  Adapter,
  AdapterPayload,
  Configuration,
  Interaction,
  JWK,
  KoaContextWithOIDC,
} from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

import { esc, page, PAGE_CSP } from './html.ts';

export interface IdpOptions {
  /** default 4010; 0 = pick a free port */
  port?: number;
  /** origins allowed by CORS, default ['http://127.0.0.1:4000', 'http://localhost:4000'] */
  appOrigins?: string[];
  /** resource indicator (and JWT `aud`) of the demo API, default 'http://127.0.0.1:4020/' */
  apiAudience?: string;
  /** seconds; when set, added as `interval` to the device authorization response (oidc-provider sends none) */
  interval?: number;
  /** seconds, default 600 */
  deviceCodeTtl?: number;
  /** seconds, default 3600 */
  accessTokenTtl?: number;
  /** seconds, default 14 days */
  refreshTokenTtl?: number;
  /** default true; false = no CORS headers at all (for "proxy mode" tests) */
  cors?: boolean;
  /** default true: DPoP enabled (tokens DPoP-bound when the client sends a proof; Bearer otherwise) */
  dpop?: boolean;
  /**
   * The issuer to announce, default `http://127.0.0.1:<port>`. For running behind a reverse proxy
   * (the e2e fault proxy) that forwards the Host header: tokens' `iss` then matches discovery.
   */
  issuer?: string;
}

export interface Idp {
  issuer: string;
  port: number;
  provider: Provider;
  close(): Promise<void>;
  /** Revokes every grant with its access and refresh tokens: refresh then answers invalid_grant. */
  revokeAll(): Promise<void>;
  /** Every token and device code this IdP handed out, for tests that check none of them leaks. */
  issued: string[];
  /** Date.now() of every device-code approval by the person (the moment the device code becomes redeemable). */
  approvals: number[];
}

export const CLIENT_ID = 'screen-signin';
export const DEMO_LOGIN = 'ada';
export const DEMO_PASSWORD = 'screen';

const DEMO_ACCOUNT = {
  sub: 'demo-user',
  name: 'Ada Lovelace',
  preferred_username: 'ada',
} as const;

const SCOPE_LABELS: Record<string, string> = {
  openid: 'Know who you are (your account ID)',
  profile: 'See your name and username',
  offline_access: 'Stay signed in on the screen until someone signs it out',
  'api:read': 'Read your meeting-room schedule from the demo API',
};

// ---------------------------------------------------------------------------------------------
// In-memory storage. One store per IdP instance (oidc-provider's own MemoryAdapter shares one
// module-wide store between providers), and iterable so that revokeAll() can drop every grant.

/** Expired records are kept a while so that e.g. a late poll gets `expired_token`, not `invalid_grant`. */
const EXPIRED_GRACE_MS = 10 * 60 * 1000;
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

interface StoredRecord {
  model: string;
  id: string;
  payload: AdapterPayload;
  /** ms since epoch after which the record is dropped (expiry + grace), Infinity when it never expires */
  dropAt: number;
}

class MemoryStore {
  readonly records = new Map<string, StoredRecord>();
  readonly sessionUids = new Map<string, string>();
  readonly userCodes = new Map<string, string>();
  #writes = 0;

  static key(model: string, id: string): string {
    return `${model}:${id}`;
  }

  get(model: string, id: string): StoredRecord | undefined {
    const key = MemoryStore.key(model, id);
    const record = this.records.get(key);
    if (record && record.dropAt <= Date.now()) {
      this.delete(model, id);
      return undefined;
    }
    return record;
  }

  set(model: string, id: string, payload: AdapterPayload, expiresIn?: number): void {
    this.delete(model, id);
    const dropAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 + EXPIRED_GRACE_MS : Infinity;
    this.records.set(MemoryStore.key(model, id), { model, id, payload, dropAt });
    if (model === 'Session' && typeof payload.uid === 'string') this.sessionUids.set(payload.uid, id);
    if (typeof payload.userCode === 'string') this.userCodes.set(payload.userCode, id);
    if (++this.#writes % 200 === 0) this.sweep();
  }

  delete(model: string, id: string): void {
    const key = MemoryStore.key(model, id);
    const record = this.records.get(key);
    if (!record) return;
    this.records.delete(key);
    const { uid, userCode } = record.payload;
    if (typeof uid === 'string' && this.sessionUids.get(uid) === id) this.sessionUids.delete(uid);
    if (typeof userCode === 'string' && this.userCodes.get(userCode) === id) this.userCodes.delete(userCode);
  }

  /** Deletes every grant-bound record of `grantId` (all models) and, if asked, the Grant itself. */
  deleteByGrantId(grantId: string, models?: Set<string>): void {
    for (const record of [...this.records.values()]) {
      if (record.payload.grantId === grantId && GRANTABLE.has(record.model) && (!models || models.has(record.model))) {
        this.delete(record.model, record.id);
      }
    }
  }

  sweep(): void {
    const now = Date.now();
    for (const record of [...this.records.values()]) {
      if (record.dropAt <= now) this.delete(record.model, record.id);
    }
  }
}

class MemoryAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: MemoryStore,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    this.store.set(this.model, id, payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(this.model, id)?.payload;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.store.userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.store.sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const record = this.store.get(this.model, id);
    if (record) record.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.deleteByGrantId(grantId, new Set([this.model]));
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function stringListRecord(value: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, list] of Object.entries(value)) out[key] = stringList(list);
  }
  return out;
}

function readForm(req: http.IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', Buffer.byteLength(html));
  res.end(html);
}

/** The part of a Koa context that setHtml needs (any Koa context, with or without `oidc`). */
interface HtmlContext {
  type: string;
  body: unknown;
  set(field: string, value: string): void;
}

function setHtml(ctx: HtmlContext, html: string): void {
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', PAGE_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = html;
}

/** The xsrf token oidc-provider put in the form it generated for us. */
function xsrfFrom(form: string): string {
  const match = /name="xsrf" value="([^"]*)"/.exec(form);
  if (!match?.[1]) throw new Error('demo idp: could not find the xsrf token in the device form');
  return match[1];
}

async function clientName(provider: Provider, clientId: unknown): Promise<string> {
  if (typeof clientId !== 'string') return 'an unknown app';
  const client = await provider.Client.find(clientId);
  return client?.clientName ?? clientId;
}

// ---------------------------------------------------------------------------------------------
// Device flow pages (rendered by oidc-provider through these hooks)

function userCodeInputPage(action: string, xsrf: string, code: string, message: string): string {
  return page(
    'Connect a screen',
    `<h1>Connect a screen</h1>
${message}
<form method="post" action="${esc(action)}" novalidate>
  <input type="hidden" name="xsrf" value="${esc(xsrf)}">
  <label for="user_code">Code shown on the screen</label>
  <input id="user_code" class="code" type="text" name="user_code" value="${esc(code)}" data-testid="idp-user-code"
    autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false" autofocus
    placeholder="XXXX-XXXX" aria-describedby="code-hint">
  <p id="code-hint" class="hint">Letters only, dash optional. Not case sensitive.</p>
  <button type="submit" data-testid="idp-user-code-submit">Continue</button>
</form>`,
  );
}

function describeDeviceError(
  err: unknown,
  out: { error?: string; error_description?: string } | undefined,
): {
  kind: string;
  text: string;
} {
  const name = err instanceof Error ? err.name : '';
  switch (name) {
    case 'NoCodeError':
      return { kind: 'no_code', text: 'Type the code that the screen shows.' };
    case 'NotFoundError':
      return { kind: 'not_found', text: 'That code was not found. Check the code on the screen and try again.' };
    case 'ExpiredError':
      return { kind: 'expired', text: 'That code has expired. Get a new code on the screen and try again.' };
    case 'AlreadyUsedError':
      return { kind: 'used', text: 'That code has already been used. Get a new code on the screen.' };
    case 'AbortedError':
      return { kind: 'aborted', text: 'Sign-in cancelled. The screen was not signed in.' };
    default:
      return {
        kind: out?.error ?? 'error',
        text: `Something went wrong: ${out?.error_description ?? out?.error ?? 'unknown error'}. Try again.`,
      };
  }
}

function deviceFlowFeature(): NonNullable<NonNullable<Configuration['features']>['deviceFlow']> {
  return {
    enabled: true,
    async userCodeInputSource(ctx, form, out, err) {
      const action = ctx.oidc.urlFor('code_verification');
      let message = '<p>Type the code that the screen shows.</p>';
      let code = '';
      if (err) {
        const { kind, text } = describeDeviceError(err, out);
        message = `<p class="${kind === 'aborted' ? 'notice' : 'error'}" role="alert" data-testid="idp-error" data-error="${esc(kind)}">${esc(text)}</p>`;
        const userCode = (err as { userCode?: unknown }).userCode;
        if (typeof userCode === 'string') code = userCode;
      }
      setHtml(ctx, userCodeInputPage(action, xsrfFrom(form), code, message));
    },
    async userCodeConfirmSource(ctx, form, client, deviceInfo, userCode) {
      const action = ctx.oidc.urlFor('code_verification');
      const name = client.clientName ?? client.clientId;
      const ua = typeof deviceInfo.ua === 'string' ? deviceInfo.ua : '';
      setHtml(
        ctx,
        page(
          'Confirm the screen',
          `<h1>Is this the code on your screen?</h1>
<div class="code-box" data-testid="idp-confirm-code">${esc(userCode)}</div>
<p><strong>${esc(name)}</strong> (client <code>${esc(client.clientId)}</code>) asks to sign in with your account.</p>
${ua ? `<p class="hint">Requested from: ${esc(ua)}</p>` : ''}
<p>Only continue if you can see this code on the screen in front of you. If you did not start this, press Cancel.</p>
<form method="post" action="${esc(action)}">
  <input type="hidden" name="xsrf" value="${esc(xsrfFrom(form))}">
  <input type="hidden" name="user_code" value="${esc(userCode)}">
  <input type="hidden" name="confirm" value="yes">
  <button type="submit" data-testid="idp-confirm" autofocus>Continue</button>
  <button type="submit" class="danger" name="abort" value="yes" data-testid="idp-abort">Cancel, this is not my screen</button>
</form>`,
        ),
      );
    },
    async successSource(ctx) {
      const name = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId ?? 'The screen';
      setHtml(
        ctx,
        page(
          'Done',
          `<h1>Signed in</h1>
<p class="success" role="status" data-testid="idp-success">Done. You can go back to the screen.</p>
<p class="hint">${esc(name)} is now signed in with your account. You can close this page.</p>`,
        ),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Login and consent pages (our own interaction routes)

function loginPage(uid: string, app: string, error?: string, login = ''): string {
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<p>to connect the screen <strong>${esc(app)}</strong>.</p>
<p class="notice" data-testid="idp-demo-user">Demo user: <strong>${esc(DEMO_LOGIN)}</strong> / password: <strong>${esc(DEMO_PASSWORD)}</strong></p>
${error ? `<p class="error" role="alert" data-testid="idp-error" data-error="login">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <label for="login">Username</label>
  <input id="login" type="text" name="login" value="${esc(login)}" data-testid="idp-login"
    autocapitalize="none" autocorrect="off" spellcheck="false" ${login ? '' : 'autofocus'} required>
  <label for="password">Password</label>
  <input id="password" type="password" name="password" data-testid="idp-password" ${login ? 'autofocus' : ''} required>
  <button type="submit" data-testid="idp-submit">Sign in</button>
</form>`,
  );
}

function consentPage(
  uid: string,
  app: string,
  scopes: string[],
  resources: Record<string, string[]>,
  who: string,
): string {
  const items = scopes.map(
    (scope) =>
      `<li><strong>${esc(SCOPE_LABELS[scope] ?? scope)}</strong> <span class="hint">(<code>${esc(scope)}</code>)</span></li>`,
  );
  for (const [resource, list] of Object.entries(resources)) {
    for (const scope of list) {
      if (scopes.includes(scope)) continue;
      items.push(
        `<li><strong>${esc(SCOPE_LABELS[scope] ?? scope)}</strong> <span class="hint">(<code>${esc(scope)}</code> at ${esc(resource)})</span></li>`,
      );
    }
  }
  return page(
    'Allow access',
    `<h1>Allow ${esc(app)}?</h1>
<p>Signed in as <strong>${esc(who)}</strong>.</p>
<p>The screen asks to:</p>
<ul class="scopes" data-testid="idp-scopes">${items.join('') || '<li>Sign you in</li>'}</ul>
<form method="post" action="/interaction/${esc(uid)}/consent">
  <button type="submit" name="decision" value="allow" data-testid="idp-allow" autofocus>Allow</button>
  <button type="submit" name="decision" value="deny" class="danger" data-testid="idp-deny">Deny</button>
</form>`,
  );
}

function errorPage(title: string, text: string, extra = ''): string {
  return page(
    title,
    `<h1>${esc(title)}</h1>
<p class="error" role="alert" data-testid="idp-error">${esc(text)}</p>
${extra}
<p><a href="/device">Enter a code again</a></p>`,
  );
}

async function handleInteraction(
  provider: Provider,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  uid: string,
  action: string | undefined,
): Promise<void> {
  let details: Interaction;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) {
      sendHtml(
        res,
        400,
        errorPage(
          'This page has expired',
          'This sign-in page has expired or was opened in a different browser. Type the code from the screen again.',
        ),
      );
      return;
    }
    throw err;
  }
  if (details.uid !== uid) {
    sendHtml(
      res,
      400,
      errorPage('This page is out of date', 'This sign-in page is out of date. Type the code from the screen again.'),
    );
    return;
  }

  const app = await clientName(provider, details.params.client_id);
  const prompt = details.prompt.name;

  if (req.method === 'GET' && action === undefined) {
    if (prompt === 'login') {
      sendHtml(res, 200, loginPage(uid, app));
    } else if (prompt === 'consent') {
      const scopes = stringList(details.prompt.details.missingOIDCScope);
      const resources = stringListRecord(details.prompt.details.missingResourceScopes);
      sendHtml(
        res,
        200,
        consentPage(uid, app, scopes, resources, `${DEMO_ACCOUNT.name} (${DEMO_ACCOUNT.preferred_username})`),
      );
    } else {
      sendHtml(res, 501, errorPage('Not supported', `The demo IdP cannot handle the "${prompt}" step.`));
    }
    return;
  }

  if (req.method !== 'POST' || (action !== 'login' && action !== 'consent')) {
    sendHtml(res, 405, errorPage('Not allowed', 'This address only takes the sign-in form.'));
    return;
  }
  if (action !== prompt) {
    sendHtml(
      res,
      400,
      errorPage('This page is out of date', `Expected the ${prompt} step. Go back and reload the page.`),
    );
    return;
  }

  const form = await readForm(req);

  if (action === 'login') {
    const login = (form.get('login') ?? '').trim();
    const password = form.get('password') ?? '';
    if (login.toLowerCase() !== DEMO_LOGIN || password !== DEMO_PASSWORD) {
      sendHtml(res, 200, loginPage(uid, app, 'Wrong username or password. The demo user is ada / screen.', login));
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: DEMO_ACCOUNT.sub } },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  // consent
  if (form.get('decision') !== 'allow') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The person declined on their phone.' },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  const promptDetails = details.prompt.details;
  const accountId = details.session?.accountId;
  const clientId = details.params.client_id;
  if (!accountId || typeof clientId !== 'string') {
    sendHtml(
      res,
      400,
      errorPage('This page has expired', 'The sign-in session is gone. Type the code from the screen again.'),
    );
    return;
  }
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const scopes = stringList(promptDetails.missingOIDCScope);
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = stringList(promptDetails.missingOIDCClaims);
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [indicator, list] of Object.entries(stringListRecord(promptDetails.missingResourceScopes))) {
    grant.addResourceScope(indicator, list.join(' '));
  }
  const grantId = await grant.save();
  // Merge with the login result of this interaction (when login and consent happened in one go),
  // as oidc-provider's own example does.
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

// ---------------------------------------------------------------------------------------------

async function signingKeys(): Promise<JWK[]> {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const rsaJwk = await exportJWK(rsa.privateKey);
  const ecJwk = await exportJWK(ec.privateKey);
  const stamp = Date.now().toString(36);
  return [
    { ...rsaJwk, kid: `rs-${stamp}`, alg: 'RS256', use: 'sig' },
    { ...ecJwk, kid: `ec-${stamp}`, alg: 'ES256', use: 'sig' },
  ];
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startIdp(opts: IdpOptions = {}): Promise<Idp> {
  const appOrigins = opts.appOrigins ?? ['http://127.0.0.1:4000', 'http://localhost:4000'];
  const apiAudience = opts.apiAudience ?? 'http://127.0.0.1:4020/';
  const deviceCodeTtl = opts.deviceCodeTtl ?? 600;
  const accessTokenTtl = opts.accessTokenTtl ?? 3600;
  const refreshTokenTtl = opts.refreshTokenTtl ?? 14 * 24 * 60 * 60;
  const cors = opts.cors ?? true;
  const dpop = opts.dpop ?? true;
  const interval = opts.interval;

  let handler: http.RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = http.createServer((req, res) => handler(req, res));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, opts.port ?? 4010);
  const issuer = opts.issuer ?? `http://127.0.0.1:${port}`;

  const store = new MemoryStore();
  const approvals: number[] = [];

  const findAccount = async (_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> => {
    if (sub !== DEMO_ACCOUNT.sub) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { ...DEMO_ACCOUNT };
      },
    };
  };

  const configuration: Configuration = {
    adapter: (name: string) => new MemoryAdapter(name, store),
    clients: [
      {
        client_id: CLIENT_ID,
        client_name: 'Screen sign-in',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: await signingKeys() },
    cookies: {
      keys: [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')],
    },
    scopes: ['openid', 'profile', 'offline_access', 'api:read'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
    },
    // Put the profile claims in the ID token too, so that the screen can show who signed in
    // without a userinfo call.
    conformIdTokenClaims: false,
    findAccount,
    // When CORS is off, don't reject requests that carry an Origin (e.g. forwarded by a
    // same-origin proxy); the middleware below strips every Access-Control-* header instead.
    clientBasedCORS: (_ctx, origin) => (cors ? appOrigins.includes(origin) : true),
    // Also put the person's name in the access token, so the API can greet them.
    extraTokenClaims: async (ctx, token) => {
      if (token.kind !== 'AccessToken' || token.accountId !== DEMO_ACCOUNT.sub) return undefined;
      const grant = ctx.oidc.entities.Grant;
      if (grant && !grant.getOIDCScope().split(' ').includes('profile')) return undefined;
      return { name: DEMO_ACCOUNT.name };
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: deviceFlowFeature(),
      revocation: {
        enabled: true,
        // Public clients may only revoke their own tokens (oidc-provider's default policy, made explicit).
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      dPoP: { enabled: dpop },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? apiAudience,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (resourceIndicator !== apiAudience) {
            throw new errors.InvalidTarget(`unknown resource indicator, this IdP only knows ${apiAudience}`);
          }
          return {
            scope: 'api:read',
            audience: apiAudience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: accessTokenTtl,
          };
        },
        useGrantedResource: async () => true,
      },
    },
    ttl: {
      DeviceCode: deviceCodeTtl,
      AccessToken: accessTokenTtl,
      IdToken: 60 * 60,
      Grant: Math.max(refreshTokenTtl, accessTokenTtl),
      Session: 14 * 24 * 60 * 60,
      Interaction: 60 * 60,
      RefreshToken: (ctx, token, client) => {
        // As oidc-provider's default: a rotated refresh token of a public client that is not
        // sender-constrained keeps the lifetime of the one it replaces (no endless sliding).
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
        if (rotated && client.clientAuthMethod === 'none' && !token.isSenderConstrained()) {
          return Math.max(1, rotated.remainingTTL);
        }
        return refreshTokenTtl;
      },
    },
    rotateRefreshToken: true,
    async renderError(ctx, out) {
      setHtml(
        ctx,
        errorPage(
          'Something went wrong',
          out.error_description ? `${out.error_description} (${out.error})` : out.error,
        ),
      );
    },
  };

  const provider = new Provider(issuer, configuration);

  // Approval timestamps: oidc-provider emits authorization.success for the device flow right after
  // the device code was saved with the account (i.e. it is redeemable now).
  provider.on('authorization.success', (ctx) => {
    const route = ctx.oidc?.route;
    if (route === 'device_resume' || route === 'code_verification') approvals.push(Date.now());
  });
  provider.on('server_error', (ctx, err) => {
    console.error(`[demo-idp] server error on ${ctx.method} ${ctx.path}:`, err);
  });
  // Koa prints unhandled errors by default; only report real server faults.
  // (`Provider` is a Koa app, i.e. an EventEmitter, but its typings only list oidc-provider's events.)
  EventEmitter.prototype.on.call(provider, 'error', (err: Error & { status?: number; expose?: boolean }) => {
    if (!err.expose && (err.status ?? 500) >= 500) console.error('[demo-idp] error:', err);
  });

  // oidc-provider 9.13 answers a bare GET /device/<unknown> (no session cookie yet: a stale or
  // mistyped link on a fresh phone) with a 500 ("persist can only be called on previously
  // persisted Sessions", thrown while it renders the error). Show a plain "start again" page.
  provider.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof TypeError && /previously persisted Sessions/.test(err.message)) {
        ctx.status = 400;
        setHtml(
          ctx,
          errorPage(
            'This page has expired',
            'This sign-in page has expired or was opened in a different browser. Type the code from the screen again.',
          ),
        );
        return;
      }
      throw err;
    }
  });

  const devicePath = new URL(provider.urlFor('device_authorization')).pathname;
  const issued: string[] = [];
  provider.use(async (ctx, next) => {
    await next();
    const body =
      ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body)
        ? (ctx.body as Record<string, unknown>)
        : undefined;
    for (const key of ['access_token', 'refresh_token', 'id_token', 'device_code']) {
      if (typeof body?.[key] === 'string') issued.push(body[key]);
    }
    if (
      interval !== undefined &&
      ctx.method === 'POST' &&
      ctx.path === devicePath &&
      ctx.status === 200 &&
      ctx.body &&
      typeof ctx.body === 'object' &&
      !Buffer.isBuffer(ctx.body)
    ) {
      ctx.body = { ...(ctx.body as Record<string, unknown>), interval };
    }
  });
  // The screen reads the IdP's clock from Date (for TVs whose own clock is off; README), but Date is
  // not a CORS-safelisted header and oidc-provider does not expose it: an IdP set up for screens does.
  provider.use(async (ctx, next) => {
    await next();
    if (!ctx.response.get('access-control-allow-origin')) return;
    const exposed = ctx.response.get('access-control-expose-headers');
    ctx.set('Access-Control-Expose-Headers', exposed ? `${exposed}, Date` : 'Date');
  });
  if (!cors) {
    provider.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        for (const name of Object.keys(ctx.response.headers)) {
          if (name.toLowerCase().startsWith('access-control-')) ctx.remove(name);
        }
      }
    });
  }

  const callback = provider.callback();
  handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|consent))?\/?$/.exec(path);
    if (!match?.[1]) {
      void callback(req, res);
      return;
    }
    handleInteraction(provider, req, res, match[1], match[2]).catch((err: unknown) => {
      console.error('[demo-idp] interaction error:', err);
      if (!res.headersSent)
        sendHtml(res, 500, errorPage('Something went wrong', 'The demo IdP failed. See its console.'));
      else res.end();
    });
  };

  return {
    issuer,
    port,
    provider,
    approvals,
    issued,
    async revokeAll() {
      for (const record of [...store.records.values()]) {
        if (record.model === 'Grant') {
          store.deleteByGrantId(record.id);
          store.delete('Grant', record.id);
        }
      }
      // Tokens whose grant is already gone, too.
      for (const record of [...store.records.values()]) {
        if (record.model === 'AccessToken' || record.model === 'RefreshToken') store.delete(record.model, record.id);
      }
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
