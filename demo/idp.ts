// Demo identity provider: node `oidc-provider` with its own in-memory storage, one public client
// for the Device Authorization Grant (RFC 8628), CORS for the app's origins, refresh tokens,
// revocation (RFC 7009), DPoP (RFC 9449) and JWT access tokens for the demo API (RFC 9068, with
// RFC 8707 resource indicators). The login and consent pages are ours (demo/html.ts).
//
// Routes (oidc-provider defaults):
//   GET  /.well-known/openid-configuration   discovery
//   POST /device/auth                         device authorization endpoint
//   GET  /device                              verification_uri (phone: type the code)
//   POST /token                               token endpoint (device_code, refresh_token)
//   POST /token/revocation                    revocation endpoint
//   GET  /jwks                                public keys
//   GET  /me                                  userinfo
//   GET|POST /interaction/:uid[/login|/consent]  the login and consent pages

import { EventEmitter } from 'node:events';
import type * as http from 'node:http';
import { randomBytes } from 'node:crypto';

import Provider, { errors } from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

import * as html from './html.ts';

export const CLIENT_ID = 'screen-signin';
export const DEMO_LOGIN = 'ada';
export const DEMO_PASSWORD = 'screen';
const ACCOUNT = { sub: 'demo-user', name: 'Ada Lovelace', preferred_username: DEMO_LOGIN } as const;

export interface IdpSettings {
  /** Origins allowed to call the IdP from a browser (CORS). */
  appOrigins: string[];
  /** The demo API's resource indicator, and the `aud` of its access tokens. */
  apiAudience: string;
}

type DeviceFlow = NonNullable<NonNullable<Configuration['features']>['deviceFlow']>;

/** Sets a page as a Koa response (oidc-provider's render hooks hand us its context). */
function render(ctx: { type: string; body: unknown; set(field: string, value: string): void }, page: string): void {
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', html.PAGE_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = page;
}

/** The xsrf token oidc-provider put in the form it generated for its device pages. */
const xsrfOf = (form: string): string => /name="xsrf" value="([^"]*)"/.exec(form)?.[1] ?? '';

const deviceFlow: DeviceFlow = {
  enabled: true,
  async userCodeInputSource(ctx, form, out, err) {
    const error = err ? html.userCodeError(err.name, out) : undefined;
    const code = (err as { userCode?: unknown } | undefined)?.userCode;
    const action = ctx.oidc.urlFor('code_verification');
    render(ctx, html.userCodePage(action, xsrfOf(form), typeof code === 'string' ? code : '', error));
  },
  async userCodeConfirmSource(ctx, form, client, deviceInfo, userCode) {
    const action = ctx.oidc.urlFor('code_verification');
    const ua = typeof deviceInfo.ua === 'string' ? deviceInfo.ua : '';
    const name = client.clientName ?? client.clientId;
    render(ctx, html.confirmPage(action, xsrfOf(form), userCode, name, client.clientId, ua));
  },
  async successSource(ctx) {
    render(ctx, html.successPage(ctx.oidc.client?.clientName ?? 'The screen'));
  },
};

/** Fresh keys at every start; oidc-provider derives each `kid` from the key's thumbprint. */
async function signingKeys() {
  const pair = async (alg: string) => ({
    ...(await exportJWK((await generateKeyPair(alg, { extractable: true })).privateKey)),
    alg,
    use: 'sig',
  });
  return [await pair('RS256'), await pair('ES256')];
}

/** The oidc-provider options of the demo (fresh signing keys and cookie keys each time). */
export async function idpConfiguration({ appOrigins, apiAudience }: IdpSettings): Promise<Configuration> {
  return {
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
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'offline_access', 'api:read'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    // The profile claims in the ID token too: the screen shows who signed in without a userinfo call.
    conformIdTokenClaims: false,
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string) =>
      sub === ACCOUNT.sub ? { accountId: sub, claims: async () => ({ ...ACCOUNT }) } : undefined,
    clientBasedCORS: (_ctx, origin) => appOrigins.includes(origin),
    // The person's name in the access token too, so the API can greet them (when profile was granted).
    extraTokenClaims: async (ctx, token) => {
      const granted = ctx.oidc.entities.Grant?.getOIDCScope().split(' ') ?? ['profile'];
      return token.kind === 'AccessToken' && granted.includes('profile') ? { name: ACCOUNT.name } : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow,
      revocation: {
        enabled: true,
        // A public client may revoke only its own tokens.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      dPoP: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Every token is for the API, without the app having to send `resource`.
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? apiAudience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== apiAudience) throw new errors.InvalidTarget(`this IdP only knows ${apiAudience}`);
          return { scope: 'api:read', audience: apiAudience, accessTokenFormat: 'jwt' };
        },
      },
    },
    rotateRefreshToken: true,
    ttl: {
      DeviceCode: 600,
      AccessToken: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Grant: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
      // A rotated refresh token of a public client without DPoP keeps the lifetime of the one it
      // replaces (no endless sliding), as oidc-provider's default does for web clients.
      RefreshToken: (ctx, token, client) => {
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
        if (rotated && client.clientAuthMethod === 'none' && !token.isSenderConstrained()) {
          return Math.max(1, rotated.remainingTTL);
        }
        return 14 * 24 * 3600;
      },
    },
    async renderError(ctx, out) {
      const text = out.error_description ? `${out.error_description} (${out.error})` : out.error;
      render(ctx, html.errorPage('Something went wrong', text));
    },
  };
}

/** The phone's login and consent steps (oidc-provider's interactions). */
async function interaction(
  provider: Provider,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  uid: string,
  step?: string,
) {
  const send = (status: number, page: string) => {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': html.PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(page);
  };
  const details = await provider.interactionDetails(req, res).catch((err: unknown) => {
    if (err instanceof errors.SessionNotFound) return undefined;
    throw err;
  });
  if (details?.uid !== uid) return send(400, html.expiredPage());
  const client = (await provider.Client.find(String(details.params.client_id)))?.clientName ?? 'the screen';
  const prompt = details.prompt.name;
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  const missing = details.prompt.details;
  const scopes = list(missing.missingOIDCScope);
  const resources = Object.fromEntries(
    Object.entries((missing.missingResourceScopes ?? {}) as Record<string, unknown>).map(([k, v]) => [k, list(v)]),
  );
  const demoUser = { login: DEMO_LOGIN, password: DEMO_PASSWORD };

  if (req.method === 'GET' && step === undefined) {
    if (prompt === 'login') return send(200, html.loginPage(uid, client, demoUser));
    const who = `${ACCOUNT.name} (${ACCOUNT.preferred_username})`;
    return send(200, html.consentPage(uid, client, who, scopes, resources));
  }
  if (req.method !== 'POST' || step !== prompt) return send(400, html.expiredPage());
  const form = await readForm(req);

  if (prompt === 'login') {
    if ((form.get('login') ?? '').trim().toLowerCase() !== DEMO_LOGIN || form.get('password') !== DEMO_PASSWORD) {
      const error = `Wrong username or password. The demo user is ${DEMO_LOGIN} / ${DEMO_PASSWORD}.`;
      return send(200, html.loginPage(uid, client, demoUser, error, form.get('login') ?? ''));
    }
    const result = { login: { accountId: ACCOUNT.sub } };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  if (form.get('decision') !== 'allow') {
    const result = { error: 'access_denied', error_description: 'The person declined on their phone.' };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  // As oidc-provider's example: grant what the prompt says is missing, then finish the interaction.
  const accountId = details.session?.accountId ?? ACCOUNT.sub;
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  if (list(missing.missingOIDCClaims).length) grant.addOIDCClaims(list(missing.missingOIDCClaims));
  for (const [indicator, granted] of Object.entries(resources)) grant.addResourceScope(indicator, granted.join(' '));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function readForm(req: http.IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/**
 * The provider for `issuer`, and the request handler that serves it with the interaction pages.
 * `extend` may add Koa middleware: it runs before the handler is built, when Koa composes it.
 */
export function createIdp(issuer: string, configuration: Configuration, extend?: (provider: Provider) => void) {
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, err) => console.error(`[demo-idp] ${ctx.method} ${ctx.path}:`, err));
  // Koa prints every error it sees; report real faults only. (`Provider` is a Koa app, but its
  // typings list only oidc-provider's events.)
  EventEmitter.prototype.on.call(provider, 'error', (err: Error & { status?: number; expose?: boolean }) => {
    if (!err.expose && (err.status ?? 500) >= 500) console.error('[demo-idp]', err);
  });
  // oidc-provider 9.13 answers a bare GET /device/<unknown> on a phone without a session cookie
  // with a 500 ("persist can only be called on previously persisted Sessions"): say "start again".
  provider.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof TypeError && /previously persisted Sessions/.test(err.message))) throw err;
      ctx.status = 400;
      render(ctx, html.expiredPage());
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

  extend?.(provider);
  const callback = provider.callback();
  const handle: http.RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = /^\/interaction\/([\w-]+)(?:\/(login|consent))?\/?$/.exec(path);
    if (!match?.[1]) return void callback(req, res);
    interaction(provider, req, res, match[1], match[2]).catch((err: unknown) => {
      console.error('[demo-idp] interaction:', err);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('The demo IdP failed; see its console.\n');
    });
  };
  return { provider, handle };
}
