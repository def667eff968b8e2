// Demo protected API: `GET /` with a JWT access token of the demo IdP (RFC 9068), as a Bearer token
// (RFC 6750) or DPoP-bound (RFC 9449). Answers what a meeting-room screen would show.
//
// jose checks the access token on every request; for a DPoP request oauth4webapi's
// validateJwtAccessToken then checks the proof against it (typ, alg, signature, iat, htm, htu,
// ath, cnf.jkt), so any failure at that point is the proof's. What neither library keeps is the
// record of proofs already seen (the `jti` replay check, RFC 9449 §11.1): that is here.

import type * as http from 'node:http';

import {
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type RemoteJWKSet,
} from 'jose';
import {
  allowInsecureRequests,
  discoveryRequest,
  jwksCache,
  processDiscoveryResponse,
  validateJwtAccessToken,
  type AuthorizationServer,
  type ExportedJWKSCache,
} from 'oauth4webapi';

export interface ApiSettings {
  /** The IdP whose tokens are accepted; its keys are found through its discovery document. */
  issuer: string;
  /** The `aud` the tokens must carry (the IdP's resource indicator for this API). */
  audience: string;
  /** Origins allowed to call the API from a browser (CORS). */
  appOrigins: string[];
}

const DPOP_ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA'];
/** oauth4webapi accepts a proof whose `iat` is within 300 s of now: remember `jti`s a while longer. */
const JTI_MEMORY_MS = 2 * 300_000;
const REALM = 'demo-api';

const ITEMS = [
  { title: 'Room 4.12 booked 14:00–15:00', detail: 'Quarterly planning (Ada Lovelace)' },
  { title: 'Room 4.12 free 15:00–16:30', detail: 'Book it at the door' },
  { title: 'Room 4.12 booked 16:30–17:00', detail: 'Analytical Engine stand-up' },
];

/** A 401 and its challenge: `error` absent when the request carried no token (RFC 6750 §3.1). */
class Unauthorized extends Error {
  constructor(
    readonly scheme: 'Bearer' | 'DPoP',
    readonly error: 'invalid_token' | 'invalid_dpop_proof' | undefined,
    description: string,
  ) {
    super(description);
  }

  /** Both schemes are offered (RFC 9449 §7.1); the one the failure is about comes first. */
  challenges(): string[] {
    const params = (scheme: string) =>
      [
        ...(this.error && scheme === this.scheme
          ? [`error="${this.error}"`, `error_description="${this.message.replace(/["\\]/g, '')}"`]
          : []),
        `realm="${REALM}"`,
      ].join(', ');
    const dpop = `DPoP ${params('DPoP')}, algs="${DPOP_ALGS.join(' ')}"`;
    const bearer = `Bearer ${params('Bearer')}`;
    return this.scheme === 'DPoP' ? [dpop, bearer] : [bearer, dpop];
  }
}

export function createApi({ issuer, audience, appOrigins }: ApiSettings): http.RequestListener {
  const insecure = { [allowInsecureRequests]: true } as const; // the demo IdP speaks http
  // The IdP's metadata and keys, fetched at the first call (again at the next one if the IdP was
  // not up); oauth4webapi is handed jose's copy of the keys rather than fetching them again.
  type Keys = { as: AuthorizationServer; keys: RemoteJWKSet; cache: ExportedJWKSCache };
  let metadata: Promise<Keys> | undefined;
  const idp = () =>
    (metadata ??= (async () => {
      const url = new URL(issuer);
      const as = await processDiscoveryResponse(url, await discoveryRequest(url, insecure));
      if (!as.jwks_uri) throw new Error(`${issuer} names no jwks_uri`);
      const keys = createRemoteJWKSet(new URL(as.jwks_uri));
      await keys.reload();
      return {
        as,
        keys,
        cache: { jwks: keys.jwks() as ExportedJWKSCache['jwks'], uat: Math.floor(Date.now() / 1000) },
      };
    })().catch((err: unknown) => {
      metadata = undefined;
      throw err;
    }));

  const seenJti = new Map<string, number>();
  const firstUse = (jti: unknown): boolean => {
    const now = Date.now();
    for (const [key, until] of seenJti) if (until <= now) seenJti.delete(key);
    if (typeof jti !== 'string' || seenJti.has(jti)) return false;
    seenJti.set(jti, now + JTI_MEMORY_MS);
    return true;
  };

  async function authorize(req: http.IncomingMessage): Promise<{ claims: JWTPayload; scheme: 'Bearer' | 'DPoP' }> {
    const match = /^(Bearer|DPoP) +([\w.~+/-]+=*)$/i.exec(req.headers.authorization?.trim() ?? '');
    if (!match?.[1] || !match[2]) {
      const what = req.headers.authorization ? 'the Authorization header is malformed' : 'no access token';
      throw new Unauthorized('Bearer', undefined, what);
    }
    const scheme = match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const token = match[2];
    const { as, keys, cache } = await idp();
    const claims = await jwtVerify(token, keys, { issuer, audience, typ: 'at+jwt', requiredClaims: ['sub'] }).then(
      (verified) => verified.payload,
      (err: unknown) => {
        const why =
          err instanceof joseErrors.JWTExpired
            ? 'the access token has expired'
            : err instanceof joseErrors.JWTClaimValidationFailed
              ? `the access token is not valid here (${err.claim}: ${err.reason})`
              : 'the access token is malformed or its signature is invalid';
        throw new Unauthorized(scheme, 'invalid_token', why);
      },
    );
    const bound = typeof (claims.cnf as { jkt?: unknown } | undefined)?.jkt === 'string';
    if (!bound && scheme === 'Bearer') return { claims, scheme };
    if (!bound) throw new Unauthorized('DPoP', 'invalid_token', 'the access token is not DPoP-bound: use Bearer');
    if (scheme !== 'DPoP') throw new Unauthorized('DPoP', 'invalid_token', 'the access token is DPoP-bound: use DPoP');

    const proof = req.headers.dpop;
    // htu is the URL the client called (RFC 9449 §4.3): this server as the Host header names it.
    const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`), {
      method: req.method,
      headers: { authorization: `DPoP ${token}`, ...(typeof proof === 'string' ? { dpop: proof } : {}) },
    });
    try {
      const options = { ...insecure, [jwksCache]: cache, signingAlgorithms: DPOP_ALGS };
      await validateJwtAccessToken(as, request, audience, options);
    } catch (err) {
      throw new Unauthorized('DPoP', 'invalid_dpop_proof', (err as Error).message);
    }
    if (!firstUse(decodeJwt(String(proof)).jti)) {
      throw new Unauthorized('DPoP', 'invalid_dpop_proof', 'the DPoP proof was already used (jti replay)');
    }
    return { claims, scheme };
  }

  function send(res: http.ServerResponse, status: number, body?: unknown): void {
    const text = body === undefined ? '' : JSON.stringify(body, null, 2);
    res.statusCode = status;
    res.setHeader('Cache-Control', 'no-store');
    if (text) res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(text);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    const allowed = typeof origin === 'string' && appOrigins.includes(origin);
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      // Without these the page cannot read why a call failed (or a DPoP nonce, RFC 9449 §9).
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, DPoP-Nonce');
    }
    if (req.method === 'OPTIONS') {
      if (allowed && req.headers['access-control-request-method']) {
        res.setHeader('Access-Control-Allow-Methods', 'GET');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, DPoP, Content-Type');
        res.setHeader('Access-Control-Max-Age', '600');
      }
      return send(res, 204);
    }
    if ((req.url ?? '/').split(/[?#]/)[0] !== '/') return send(res, 404, { error: 'not_found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      return send(res, 405, { error: 'method_not_allowed' });
    }
    try {
      const { claims, scheme } = await authorize(req);
      send(res, 200, {
        hello: typeof claims.name === 'string' ? claims.name : claims.sub,
        sub: claims.sub,
        scope: typeof claims.scope === 'string' ? claims.scope : '',
        token_type: scheme,
        served_at: new Date().toISOString(),
        items: ITEMS,
      });
    } catch (err) {
      if (!(err instanceof Unauthorized)) throw err;
      res.setHeader('WWW-Authenticate', err.challenges());
      send(res, 401, { error: err.error ?? 'unauthorized', error_description: err.message });
    }
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // E.g. the IdP is unreachable for its keys: not the client's fault, and worth retrying.
      console.error('[demo-api]', err);
      if (res.headersSent) return void res.end();
      send(res, 503, { error: 'temporarily_unavailable', error_description: (err as Error).message });
    });
  };
}
