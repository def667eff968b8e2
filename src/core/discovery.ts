/**
 * Authorization server metadata: OpenID Connect Discovery first, then RFC 8414. oauth4webapi checks
 * that the document's issuer equals the configured one (RFC 8414 §3.3, OIDC Discovery §4.3).
 */
import { discoveryRequest, processDiscoveryResponse, type AuthorizationServer } from 'oauth4webapi';
import { AppError } from './errors';
import { toAppError } from './oauth-errors';
import { requestOptions, type Net } from './transport';

/** Tried in this order: OpenID Connect Discovery, then RFC 8414. */
const ALGORITHMS = ['oidc', 'oauth2'] as const;

/**
 * Where oauth4webapi's `discoveryRequest` looks, as `origin + pathname`: OIDC Discovery §4 appends
 * the well-known path to the issuer's path, RFC 8414 §3.1 inserts it before.
 */
export function discoveryUrl(issuer: URL, algorithm: (typeof ALGORITHMS)[number]): string {
  const path = issuer.pathname.replace(/\/$/, '');
  return algorithm === 'oidc'
    ? `${issuer.origin}${path}/.well-known/openid-configuration`
    : `${issuer.origin}/.well-known/oauth-authorization-server${path}`;
}

/** Both discovery addresses, in the order they are tried. */
export const discoveryUrls = (issuer: URL): string[] => ALGORITHMS.map((a) => discoveryUrl(issuer, a));

export async function discover(net: Net, issuer: URL, signal?: AbortSignal): Promise<AuthorizationServer> {
  let as: AuthorizationServer | undefined;
  let firstError: AppError | undefined;
  for (const algorithm of ALGORITHMS) {
    try {
      const res = await discoveryRequest(issuer, { ...requestOptions(net, 'discovery', signal), algorithm });
      as = await processDiscoveryResponse(issuer, res);
      break;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const error = toAppError(err, {
        endpoint: 'discovery',
        client_id: net.client_id,
        url: discoveryUrl(issuer, algorithm),
      });
      // Only "no such document" is a reason to try the RFC 8414 location; everything else is final.
      if (error.code !== 'bad_response') throw error;
      firstError ??= error;
    }
  }
  if (!as) throw firstError!;
  if (!as.device_authorization_endpoint) {
    throw new AppError('no_device_endpoint', {
      facts: { endpoint: 'discovery', origin: issuer.origin, field: 'device_authorization_endpoint' },
      details: `${issuer.href}: no device_authorization_endpoint in the metadata`,
    });
  }
  if (!as.token_endpoint) {
    throw new AppError('bad_response', {
      reason: 'unusable',
      facts: { endpoint: 'discovery', origin: issuer.origin, field: 'token_endpoint' },
      details: `${issuer.href}: no token_endpoint in the metadata`,
    });
  }
  return as;
}
