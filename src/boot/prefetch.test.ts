import { customFetch, discoveryRequest } from 'oauth4webapi';
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../core/clock';
import { discover } from '../core/discovery';
import { AppError } from '../core/errors';
import type { Net } from '../core/transport';
import { discoveryUrl, Prefetch } from './prefetch';

// oauth4webapi adds a user-agent header outside browsers only (it looks at navigator.userAgent when
// it loads): these tests stand in for the browser, where the request sent ahead must be its twin.
vi.hoisted(() => {
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: 'Mozilla/5.0 (test)' },
    configurable: true,
  });
});

interface Sent {
  url: string;
  init: RequestInit;
}

/** A network that records what is sent and answers with the discovery document of `issuer`. */
function network(issuer = 'https://idp.example', answer?: () => Promise<Response>) {
  const sent: Sent[] = [];
  const fetchFn = ((url: string, init: RequestInit = {}) => {
    sent.push({ url, init });
    if (answer) return answer();
    return Promise.resolve(
      new Response(
        JSON.stringify({
          issuer,
          device_authorization_endpoint: `${issuer}/device`,
          token_endpoint: `${issuer}/token`,
        }),
        { headers: { 'content-type': 'application/json' } },
      ),
    );
  }) as typeof fetch;
  return { sent, fetchFn };
}

/** What oauth4webapi itself sends for discovery of `issuer`. */
async function libraryRequest(issuer: URL): Promise<Sent> {
  let request: Sent | undefined;
  await discoveryRequest(issuer, {
    [customFetch]: (url: string, init: RequestInit) => {
      request = { url, init };
      return Promise.resolve(new Response('{}'));
    },
  });
  return request!;
}

const netOf = (fetchFn: typeof fetch): Net => ({
  fetch: fetchFn,
  clock: systemClock,
  appOrigin: 'http://127.0.0.1:4000',
  client_id: 'screen-signin',
});

describe('the discovery request sent ahead', () => {
  for (const issuer of [
    'https://idp.example',
    'https://idp.example/',
    'https://idp.example/realms/tv',
    'https://idp.example/realms/tv/',
  ]) {
    it(`is the request oauth4webapi sends for ${issuer}, and answers it without a second one`, async () => {
      const library = await libraryRequest(new URL(issuer));
      expect(discoveryUrl(new URL(issuer))).toBe(library.url);

      const { sent, fetchFn } = network();
      const prefetch = new Prefetch(fetchFn);
      prefetch.discovery(new URL(issuer));
      expect(sent).toHaveLength(1);
      const { signal: _ahead, ...aheadInit } = sent[0]!.init;
      const { signal: _asked, ...libraryInit } = library.init;
      expect({ url: sent[0]!.url, init: aheadInit }).toEqual({ url: library.url, init: libraryInit });

      const response = await discoveryRequest(new URL(issuer), { [customFetch]: prefetch.fetch });
      expect(response.ok).toBe(true);
      expect(sent).toHaveLength(1);
    });
  }

  it('is processed by the core like any answer: same checks, one request in all', async () => {
    const { sent, fetchFn } = network('https://idp.example');
    const prefetch = new Prefetch(fetchFn);
    prefetch.discovery(new URL('https://idp.example'));
    const as = await discover(netOf(prefetch.fetch), new URL('https://idp.example'));
    expect(as.device_authorization_endpoint).toBe('https://idp.example/device');
    expect(sent).toHaveLength(1);
  });

  it('that names another issuer is refused as the core refuses its own answer', async () => {
    const { fetchFn } = network('https://evil.example');
    const prefetch = new Prefetch(fetchFn);
    prefetch.discovery(new URL('https://idp.example'));
    const error = await discover(netOf(prefetch.fetch), new URL('https://idp.example')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('issuer_mismatch');
  });

  it('answers one request only; another one, or one that differs, goes to the network', async () => {
    const { sent, fetchFn } = network();
    const prefetch = new Prefetch(fetchFn);
    prefetch.discovery(new URL('https://idp.example'));
    const url = discoveryUrl(new URL('https://idp.example'));
    await prefetch.fetch(url, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'follow' });
    await prefetch.fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json', 'x-extra': '1' },
      redirect: 'manual',
    });
    await prefetch.fetch(url, { method: 'POST', headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(sent).toHaveLength(4);
    await prefetch.fetch(url, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(sent).toHaveLength(4);
    await prefetch.fetch(url, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(sent).toHaveLength(5);
  });

  it('is sent once per address however often it is asked for', () => {
    const { sent, fetchFn } = network();
    const prefetch = new Prefetch(fetchFn);
    prefetch.discovery(new URL('https://idp.example'));
    prefetch.discovery(new URL('https://idp.example/'));
    prefetch.discovery(new URL('https://other.example'));
    expect(sent.map((s) => s.url)).toEqual([
      'https://idp.example/.well-known/openid-configuration',
      'https://other.example/.well-known/openid-configuration',
    ]);
  });

  it('is cancelled when whoever took it over cancels (its timeout)', async () => {
    const { sent, fetchFn } = network('https://idp.example', () => new Promise<Response>(() => undefined));
    const prefetch = new Prefetch(fetchFn);
    prefetch.discovery(new URL('https://idp.example'));
    const asker = new AbortController();
    void prefetch.fetch(discoveryUrl(new URL('https://idp.example')), {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: asker.signal,
    });
    const ahead = sent[0]!.init.signal!;
    expect(ahead.aborted).toBe(false);
    asker.abort(new Error('timed out'));
    expect(ahead.aborted).toBe(true);
    expect((ahead.reason as Error).message).toBe('timed out');
  });

  it('that fails while nobody wants it goes unnoticed; whoever asks for it gets the failure', async () => {
    const { fetchFn } = network('https://idp.example', () => Promise.reject(new TypeError('Failed to fetch')));
    const prefetch = new Prefetch(fetchFn);
    prefetch.discovery(new URL('https://idp.example'));
    prefetch.discovery(new URL('https://unused.example'));
    // A turn of the event loop: an unhandled rejection would be reported (and fail the run) by now.
    await new Promise((resolve) => setImmediate(resolve));
    const asked = prefetch.fetch(discoveryUrl(new URL('https://idp.example')), {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
    });
    await expect(asked).rejects.toThrow('Failed to fetch');
  });
});
