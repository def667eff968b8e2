/**
 * Discovery sent before the code that reads it has loaded. The boot path knows the issuer (from the
 * URL at once, else from config.json) while the core's chunk is still on its way, so it sends the
 * OpenID Connect discovery request itself, exactly as oauth4webapi's `discoveryRequest` sends it,
 * and hands the answer over when the core makes that very request. The core processes it as any
 * other answer (same checks, same timeout from when it asks). A request that differs in anything
 * (proxy mode, another issuer once config.json is in) goes to the network as usual: a wrong guess
 * costs one GET of a public document, never a wrong answer.
 */

/** oauth4webapi's init for a discovery request (build/index.js `performDiscovery`), signal aside. */
const DISCOVERY_INIT = { method: 'GET', redirect: 'manual', headers: { accept: 'application/json' } } as const;

/**
 * OpenID Connect Discovery 1.0 §4.1: `/.well-known/openid-configuration` after the issuer's path,
 * as oauth4webapi spells it (its `appendWellKnown`, which folds the first `//`).
 */
export function discoveryUrl(issuer: URL): string {
  const url = new URL(issuer.href);
  url.pathname = `${url.pathname}/.well-known/openid-configuration`.replace('//', '/');
  return url.href;
}

const urlOf = (input: RequestInfo | URL): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;

/** Whether `init` asks for what DISCOVERY_INIT sent: a GET without a body, redirects not followed, only `accept` set. */
function sameAsSent(init: RequestInit | undefined): boolean {
  if (!init || (init.method ?? 'GET') !== DISCOVERY_INIT.method || init.body != null) return false;
  if (init.redirect !== DISCOVERY_INIT.redirect) return false;
  const headers = [...new Headers(init.headers).entries()];
  return headers.length === 1 && headers[0]![0] === 'accept' && headers[0]![1] === DISCOVERY_INIT.headers.accept;
}

export class Prefetch {
  readonly #fetch: typeof fetch;
  readonly #ahead = new Map<string, { response: Promise<Response>; controller: AbortController }>();

  constructor(fetchFn: typeof fetch) {
    this.#fetch = fetchFn;
  }

  /** Sends the discovery request for `issuer` now (once per address). */
  discovery(issuer: URL): void {
    const url = discoveryUrl(issuer);
    if (this.#ahead.has(url)) return;
    const controller = new AbortController();
    const response = this.#fetch(url, { ...DISCOVERY_INIT, signal: controller.signal });
    // Nobody may ever ask for it (the guess was wrong): its failure is news only to whoever does.
    response.catch(() => undefined);
    this.#ahead.set(url, { response, controller });
  }

  /** A fetch that answers a request sent ahead from that request, once; everything else goes out as usual. */
  readonly fetch: typeof fetch = (input, init) => {
    const url = urlOf(input);
    const ahead = this.#ahead.get(url);
    if (!ahead || typeof input !== 'string' || !sameAsSent(init)) return this.#fetch(input, init);
    this.#ahead.delete(url);
    // The asker's signal (its timeout, its cancel) now governs the request sent ahead.
    const signal = init?.signal;
    if (signal?.aborted) ahead.controller.abort(signal.reason);
    else signal?.addEventListener('abort', () => ahead.controller.abort(signal.reason), { once: true });
    return ahead.response;
  };
}
