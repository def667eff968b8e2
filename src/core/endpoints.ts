/**
 * Where the IdP's endpoints are and how requests reach them.
 *
 * - Metadata comes from discovery, or straight from config for IdPs without a discovery document
 *   (GitHub): with `device_authorization_endpoint` and `token_endpoint` set, nothing is discovered.
 *   Endpoints set in config win over discovered ones either way.
 * - Proxy mode (config `proxy`, e.g. "/idp/") is for IdPs that send no CORS headers: requests to the
 *   IdP's own origin go to the same path under `{app origin}{proxy}` instead, where the screen's web
 *   server forwards them (deploy/nginx.conf). Only the IdP's requests on the issuer's origin are
 *   routed: discovery, device authorization, token, revocation and userinfo. The API, and endpoints
 *   on other origins (Entra's userinfo is on graph.microsoft.com), are not.
 *
 * The routing happens at the transport (the fetch under oauth4webapi), not by rewriting the
 * metadata: oauth4webapi keeps the IdP's real addresses, so the DPoP proof's `htu` names the URI the
 * IdP knows itself by (RFC 9449 §4.3 check 9: the IdP compares `htu` with its own URI for the
 * request, and behind our proxy it does not know the proxied one), the DPoP nonce is kept per real
 * origin, and the issuer check of discovery still compares with the configured issuer.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { Config } from './config';
import { discover, discoveryUrls } from './discovery';
import type { Net } from './transport';

/** The endpoints config may give directly; names as in RFC 8414 §2 / RFC 8628 §4. */
export const ENDPOINT_KEYS = [
  'device_authorization_endpoint',
  'token_endpoint',
  'revocation_endpoint',
  'userinfo_endpoint',
] as const;
export type EndpointKey = (typeof ENDPOINT_KEYS)[number];

type EndpointConfig = Pick<Config, 'issuer' | 'proxy'> & Partial<Record<EndpointKey, URL>>;

/** `{appOrigin}{proxy}{path}{query}`: the issuer's path is kept, the IdP's origin is replaced. */
export function proxiedUrl(url: URL, proxy: string, appOrigin: string): string {
  return `${appOrigin}${proxy}${url.pathname.replace(/^\//, '')}${url.search}`;
}

/** The IdP addresses that go through the proxy: discovery, and every endpoint on the issuer's origin. */
export function proxiedAddresses(issuer: URL, as?: Partial<AuthorizationServer>): Set<string> {
  const addresses = new Set(discoveryUrls(issuer));
  for (const key of ENDPOINT_KEYS) {
    const value = as?.[key];
    if (typeof value !== 'string') continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue; // oauth4webapi rejects it when it is used; nothing to route
    }
    if (url.origin === issuer.origin) addresses.add(`${url.origin}${url.pathname}`);
  }
  return addresses;
}

/**
 * Where a request for `url` goes. Without `proxy` that is `url` itself; with it, an address of the
 * IdP (see `proxiedAddresses`) goes to the proxy and everything else is left alone.
 */
export function routeFor(
  config: Pick<Config, 'issuer' | 'proxy'>,
  appOrigin: string,
  as?: Partial<AuthorizationServer>,
): (url: string) => string {
  const { proxy } = config;
  if (!proxy) return (url) => url;
  const addresses = proxiedAddresses(config.issuer, as);
  return (url) => {
    const u = new URL(url);
    return addresses.has(`${u.origin}${u.pathname}`) ? proxiedUrl(u, proxy, appOrigin) : url;
  };
}

/** A fetch that sends each request where `route` says. */
export function routedFetch(fetchFn: typeof fetch, route: (url: string) => string): typeof fetch {
  return (input, init) => {
    if (input instanceof Request) {
      const target = route(input.url);
      return fetchFn(target === input.url ? input : new Request(target, input), init);
    }
    return fetchFn(route(input instanceof URL ? input.href : input), init);
  };
}

/** The endpoints set in config, as metadata fields. */
function configuredEndpoints(config: Partial<Record<EndpointKey, URL>>): Partial<AuthorizationServer> {
  const out: Partial<Record<EndpointKey, string>> = {};
  for (const key of ENDPOINT_KEYS) if (config[key]) out[key] = config[key].href;
  return out;
}

/**
 * Metadata for an IdP without discovery, when config names both endpoints the device flow needs;
 * else undefined. A root issuer is spelled without the URL parser's trailing slash, as IdPs spell
 * their `iss` (OIDC Discovery §4.2 examples), so an ID token from such an IdP still matches.
 */
export function metadataFromConfig(config: EndpointConfig): AuthorizationServer | undefined {
  if (!config.device_authorization_endpoint || !config.token_endpoint) return undefined;
  const issuer = config.issuer.pathname === '/' ? config.issuer.origin : config.issuer.href;
  return { issuer, ...configuredEndpoints(config) };
}

/** The IdP's metadata: from config when it has the endpoints, else by discovery (through the proxy in proxy mode). */
export async function resolveMetadata(
  net: Net,
  config: EndpointConfig,
  signal?: AbortSignal,
): Promise<AuthorizationServer> {
  const fromConfig = metadataFromConfig(config);
  if (fromConfig) return fromConfig;
  const discovering: Net = { ...net, fetch: routedFetch(net.fetch, routeFor(config, net.appOrigin)) };
  const as = await discover(discovering, config.issuer, signal);
  return { ...as, ...configuredEndpoints(config) };
}

/** The Net for everything after discovery: IdP endpoints routed through the proxy in proxy mode. */
export function routedNet(net: Net, config: Pick<Config, 'issuer' | 'proxy'>, as: AuthorizationServer): Net {
  if (!config.proxy) return net;
  return { ...net, fetch: routedFetch(net.fetch, routeFor(config, net.appOrigin, as)) };
}
