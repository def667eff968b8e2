// Demo protected API: `GET /` with a JWT access token of the demo IdP, as a Bearer token
// (RFC 6750) or DPoP-bound (RFC 9449). Answers what a meeting-room screen would show.

import * as http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';

import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
  errors as joseErrors,
} from 'jose';
import type { JWK, JWTPayload } from 'jose';

export interface ApiOptions {
  /** default 4020, 0 = free */
  port?: number;
  issuer: string;
  /** default `http://127.0.0.1:${port}/` */
  audience?: string;
  /** origins allowed by CORS, default ['http://127.0.0.1:4000', 'http://localhost:4000'] */
  appOrigins?: string[];
}

export interface DemoApi {
  url: string;
  port: number;
  close(): Promise<void>;
  requests: { time: number; status: number; scheme: string }[];
}

const DPOP_ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA'];
const PROOF_WINDOW_S = 60;
const REALM = 'demo-api';

class Unauthorized extends Error {
  constructor(
    readonly scheme: 'Bearer' | 'DPoP',
    readonly error: string | undefined,
    description: string,
  ) {
    super(description);
  }
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

function challenge(err: Unauthorized): string[] {
  const params = (scheme: 'Bearer' | 'DPoP'): string => {
    const parts: string[] = [];
    if (err.error && scheme === err.scheme) {
      parts.push(`error=${quoted(err.error)}`, `error_description=${quoted(err.message)}`);
    }
    parts.push(`realm=${quoted(REALM)}`);
    return parts.join(', ');
  };
  const dpop = `DPoP ${params('DPoP')}, algs=${quoted(DPOP_ALGS.join(' '))}`;
  const bearer = `Bearer ${params('Bearer')}`;
  // The scheme the failure is about goes first.
  return err.scheme === 'DPoP' ? [dpop, bearer] : [bearer, dpop];
}

function base64urlSha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

const ITEMS = [
  { title: 'Room 4.12 booked 14:00–15:00', detail: 'Quarterly planning (Ada Lovelace)' },
  { title: 'Room 4.12 free 15:00–16:30', detail: 'Book it at the door' },
  { title: 'Room 4.12 booked 16:30–17:00', detail: 'Analytical Engine stand-up' },
];

export async function startApi(opts: ApiOptions): Promise<DemoApi> {
  const appOrigins = opts.appOrigins ?? ['http://127.0.0.1:4000', 'http://localhost:4000'];
  const issuer = opts.issuer.replace(/\/+$/, '');
  const requests: DemoApi['requests'] = [];

  // JWKS: discovered from the IdP's metadata at first use (not hard-coded).
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  let jwksPromise: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const getJwks = (): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    if (jwks) return Promise.resolve(jwks);
    jwksPromise ??= (async () => {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      if (!res.ok) throw new Error(`discovery at ${issuer} answered ${res.status}`);
      const meta = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
      if (meta.issuer !== issuer) throw new Error(`discovery issuer ${String(meta.issuer)} is not ${issuer}`);
      if (typeof meta.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
      jwks = createRemoteJWKSet(new URL(meta.jwks_uri));
      return jwks;
    })().catch((err: unknown) => {
      jwksPromise = undefined;
      throw err;
    });
    return jwksPromise;
  };

  // DPoP proof jti replay cache: jti -> expiry (ms)
  const seenJti = new Map<string, number>();
  const rememberJti = (jti: string): boolean => {
    const now = Date.now();
    for (const [key, until] of seenJti) if (until <= now) seenJti.delete(key);
    if (seenJti.has(jti)) return false;
    seenJti.set(jti, now + 2 * PROOF_WINDOW_S * 1000 + 5000);
    return true;
  };

  let port = 0;
  let audience = opts.audience ?? '';

  async function verifyAccessToken(token: string): Promise<JWTPayload> {
    const keys = await getJwks().catch((cause: unknown) => {
      throw Object.assign(new Error('the API cannot reach the IdP for its keys'), { cause });
    });
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience,
        typ: 'at+jwt',
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        requiredClaims: ['sub', 'exp'],
      });
      return payload;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired)
        throw new Unauthorized('Bearer', 'invalid_token', 'the access token has expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        throw new Unauthorized(
          'Bearer',
          'invalid_token',
          `the access token is not valid here (${err.claim}: ${err.reason})`,
        );
      }
      throw new Unauthorized('Bearer', 'invalid_token', 'the access token is malformed or its signature is invalid');
    }
  }

  /**
   * The URL the client used, without query and fragment: the canonical `http://127.0.0.1:${port}/…`,
   * or the one the Host header names (a client that calls `localhost`, or a test proxy in front).
   */
  function expectedHtus(req: http.IncomingMessage, path: string): Set<string> {
    const urls = new Set([new URL(path, `http://127.0.0.1:${port}`).href]);
    const host = req.headers.host;
    if (host && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host)) {
      try {
        urls.add(new URL(path, `http://${host}`).href);
      } catch {
        // ignore a Host header that is no URL authority
      }
    }
    return urls;
  }

  async function verifyProof(
    proof: string,
    method: string,
    htus: Set<string>,
    accessToken: string,
    jkt: string,
  ): Promise<void> {
    const fail = (description: string): never => {
      throw new Unauthorized('DPoP', 'invalid_dpop_proof', description);
    };
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      return fail('the DPoP proof is not a JWT');
    }
    if (header.typ !== 'dpop+jwt') fail('the DPoP proof must have typ dpop+jwt');
    if (typeof header.alg !== 'string' || !DPOP_ALGS.includes(header.alg)) fail('the DPoP proof alg is not supported');
    if (!header.jwk || typeof header.jwk !== 'object') fail('the DPoP proof has no jwk header');
    const jwk = header.jwk as JWK;
    if ('d' in jwk || jwk.kty === 'oct') fail('the DPoP proof jwk must be a public key');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: DPOP_ALGS,
        requiredClaims: ['iat', 'jti'],
        clockTolerance: PROOF_WINDOW_S,
      }));
    } catch {
      return fail('the DPoP proof signature or claims are invalid');
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > PROOF_WINDOW_S)
      fail('the DPoP proof iat is too far from now');
    if (payload.htm !== method) fail('the DPoP proof htm does not match the request method');
    if (typeof payload.htu !== 'string') return fail('the DPoP proof has no htu');
    let proofHtu: string;
    try {
      const u = new URL(payload.htu);
      u.search = '';
      u.hash = '';
      proofHtu = u.href;
    } catch {
      return fail('the DPoP proof htu is not a URL');
    }
    if (!htus.has(proofHtu)) fail('the DPoP proof htu does not match the request URL');
    if (payload.ath !== base64urlSha256(accessToken)) fail('the DPoP proof ath does not match the access token');
    if ((await calculateJwkThumbprint(jwk, 'sha256')) !== jkt) {
      throw new Unauthorized(
        'DPoP',
        'invalid_token',
        'the access token is bound to a different key than the DPoP proof',
      );
    }
    if (typeof payload.jti !== 'string' || !rememberJti(payload.jti))
      fail('the DPoP proof was already used (jti replay)');
  }

  async function authorize(
    req: http.IncomingMessage,
    path: string,
  ): Promise<{ payload: JWTPayload; scheme: 'Bearer' | 'DPoP' }> {
    const authorization = req.headers.authorization;
    const match = authorization ? /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim()) : null;
    if (!match?.[1] || !match[2]) {
      // RFC 6750 §3.1: no error code when the request carries no (usable) authentication.
      throw new Unauthorized(
        'Bearer',
        undefined,
        authorization ? 'the Authorization header is malformed' : 'no access token',
      );
    }
    const scheme = match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const token = match[2];

    let payload: JWTPayload;
    try {
      payload = await verifyAccessToken(token);
    } catch (err) {
      if (err instanceof Unauthorized) throw new Unauthorized(scheme, err.error, err.message);
      throw err;
    }
    const cnf = payload.cnf as { jkt?: unknown } | undefined;
    const jkt = typeof cnf?.jkt === 'string' ? cnf.jkt : undefined;
    const proofHeader = req.headers.dpop;

    if (jkt) {
      if (scheme !== 'DPoP') {
        throw new Unauthorized(
          'DPoP',
          'invalid_token',
          'the access token is DPoP-bound: use the DPoP scheme with a proof',
        );
      }
      if (typeof proofHeader !== 'string' || !proofHeader) {
        throw new Unauthorized('DPoP', 'invalid_dpop_proof', 'a DPoP proof is required');
      }
      await verifyProof(proofHeader, req.method ?? 'GET', expectedHtus(req, path), token, jkt);
    } else if (scheme === 'DPoP') {
      throw new Unauthorized('DPoP', 'invalid_token', 'the access token is not DPoP-bound: use the Bearer scheme');
    }
    return { payload, scheme };
  }

  function cors(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    const allowed = typeof origin === 'string' && appOrigins.includes(origin);
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, DPoP-Nonce');
    }
    return allowed;
  }

  function send(res: http.ServerResponse, status: number, body: unknown, scheme: string): void {
    requests.push({ time: Date.now(), status, scheme });
    const text = body === undefined ? '' : JSON.stringify(body, null, 2);
    res.statusCode = status;
    res.setHeader('Cache-Control', 'no-store');
    if (text) res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(text);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const allowedOrigin = cors(req, res);
    const path = (req.url ?? '/').split(/[?#]/)[0] || '/';

    if (req.method === 'OPTIONS') {
      if (allowedOrigin && req.headers['access-control-request-method']) {
        res.setHeader('Access-Control-Allow-Methods', 'GET');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, DPoP, Content-Type');
        res.setHeader('Access-Control-Max-Age', '600');
      }
      send(res, 204, undefined, 'preflight');
      return;
    }
    if (path !== '/') {
      send(res, 404, { error: 'not_found' }, 'none');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      send(res, 405, { error: 'method_not_allowed' }, 'none');
      return;
    }

    const presented = /^\s*(\S+)/.exec(req.headers.authorization ?? '')?.[1] ?? 'none';
    try {
      const { payload, scheme } = await authorize(req, path);
      const name = typeof payload.name === 'string' ? payload.name : payload.sub;
      send(
        res,
        200,
        {
          hello: name,
          sub: payload.sub,
          scope: typeof payload.scope === 'string' ? payload.scope : '',
          token_type: scheme,
          served_at: new Date().toISOString(),
          items: ITEMS,
        },
        scheme,
      );
    } catch (err) {
      if (err instanceof Unauthorized) {
        res.setHeader('WWW-Authenticate', challenge(err));
        send(res, 401, { error: err.error ?? 'unauthorized', error_description: err.message }, presented);
        return;
      }
      console.error('[demo-api] error:', err);
      send(res, 503, { error: 'temporarily_unavailable', error_description: (err as Error).message }, presented);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('[demo-api] error:', err);
      if (!res.headersSent) send(res, 500, { error: 'server_error' }, 'none');
      else res.end();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 4020, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  const url = `http://127.0.0.1:${port}/`;
  audience ||= url;

  return {
    url,
    port,
    requests,
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
