/**
 * Why a request failed when the browser will not say. fetch rejects with a bare TypeError for
 * "offline", "CORS refused" and "Local Network Access refused" alike; a no-cors probe and the two
 * addresses tell them apart.
 */
import { deadline } from './clock';
import { AppError, where, type Endpoint } from './errors';
import { DEFAULT_TIMEOUT_MS } from './body';
import type { Net } from './transport';

/**
 * If a no-cors probe gets through, the server is there and CORS blocked the real request. If not,
 * and a page from a public address was calling a private one, Local Network Access is the likely
 * cause; else the network itself.
 */
export async function diagnose(net: Net, endpoint: Endpoint, url: string, cause: unknown): Promise<AppError> {
  const origin = new URL(url).origin;
  let reachable = false;
  const probe = deadline(net.clock, net.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    await net.fetch(url, { mode: 'no-cors', signal: probe.signal, cache: 'no-store' });
    reachable = true;
  } catch {
    // unreachable: a network problem
  } finally {
    probe.done();
  }
  const facts = { endpoint, origin, app_origin: net.appOrigin, client_id: net.client_id };
  if (reachable) {
    return new AppError('cors', { facts, cause, details: `${where(endpoint, url)}: request blocked by CORS` });
  }
  if (!isPrivateHost(new URL(net.appOrigin).hostname) && isPrivateHost(new URL(url).hostname)) {
    // Chromium's Local Network Access: a page from a public address may not call a private one
    // without the person's permission, which a screen with nobody at it never gives.
    return new AppError('network', {
      reason: 'lna',
      facts,
      cause,
      details: `${where(endpoint, url)}: unreachable from a public origin (Local Network Access?)`,
    });
  }
  return new AppError('network', {
    reason: 'offline',
    facts,
    cause,
    details: `${where(endpoint, url)}: network error`,
  });
}

/** Loopback, RFC 1918, link-local and unique-local addresses, and .local names: the "local network". */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)
    );
  }
  return host === '::1' || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host);
}
