/**
 * RFC 8628 Device Authorization Grant, the first half: ask for a code (§3.1–3.2) and check what is
 * shown and encoded (§3.3, §5.4). The boot path needs only this; polling (§3.4–3.5) is ./poll.ts,
 * loaded with the app.
 */
import {
  deviceAuthorizationRequest,
  None,
  processDeviceAuthorizationResponse,
  type AuthorizationServer,
  type Client,
  type DPoPHandle,
} from 'oauth4webapi';
import { isAllowedUrl, type Config } from './config';
import { AppError, clip } from './errors';
import { toAppError } from './oauth-errors';
import { requestOptions, type Net } from './transport';
import { UNSHOWABLE } from './showable';

export interface DeviceCode {
  device_code: string;
  user_code: string;
  /** Normalised (`URL.href`), as shown. */
  verification_uri: string;
  /** Normalised; kept only when the QR may encode it: on verification_uri's origin and short enough. */
  verification_uri_complete?: string;
  /** Epoch ms after which the code is dead (RFC 8628 §3.2 expires_in, counted from arrival). */
  expires_at: number;
  /** Epoch ms when the code arrived: the first poll is one interval after it (RFC 8628 §3.5). */
  received_at: number;
  /** Polling interval in ms (RFC 8628 §3.2 interval, default 5 s). */
  interval: number;
}

export interface FlowContext {
  net: Net;
  as: AuthorizationServer;
  client: Client;
  config: Pick<Config, 'scope' | 'audience' | 'resource'>;
  dpop?: DPoPHandle;
  /** [0, 1); injected so backoff jitter is deterministic in tests. */
  random?: () => number;
}

export const DEFAULT_INTERVAL_MS = 5_000; // RFC 8628 §3.2
/** RFC 8628 §3.2 counts the interval in seconds: a sub-second one is a bug (or hostile) and would flood the IdP. */
export const MIN_INTERVAL_MS = 1_000;
/** RFC 8628 §6.1 expects short codes; anything longer than this is not meant for a person. */
export const MAX_USER_CODE_LENGTH = 32;
/**
 * The longest address the screen shows and puts in its QR: 213 bytes is what a version-10 QR code
 * (57×57 modules) holds at error-correction level M in byte mode, the worst case for a URL. At the
 * layout's QR size (52vmin) that keeps a module at 5.7 CSS px or more on a 1280×720 TV, readable by
 * a phone across a room; a longer address makes a denser QR, and past 2331 bytes none at all.
 */
export const MAX_SHOWN_URI_LENGTH = 213;

function refusedUri(name: string, value: string, reason: 'shown' | 'userinfo', why: string): AppError {
  return new AppError('insecure_uri', {
    reason,
    facts: { endpoint: 'device_authorization', field: name },
    details: `device authorization endpoint: ${name} "${clip(value, 80)}" ${why}`,
  });
}

/**
 * An address the screen shows or encodes (RFC 8628 §5.4 remote phishing): https (or loopback
 * http), no userinfo ("https://login.example.com@evil.example/" reads as one host and leads to
 * another), and returned normalised (`URL.href`: punycode host, percent-encoded path), so that
 * what is shown is what was checked and a look-alike host or a bidi character shows as such.
 */
function shownUri(name: string, value: string | undefined, allowHttpHost?: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // not a URL at all
  }
  if (!url || !isAllowedUrl(url, allowHttpHost)) throw refusedUri(name, value, 'shown', 'is not an https: URL');
  if (url.username || url.password) throw refusedUri(name, value, 'userinfo', 'has a user name before "@"');
  return url.href;
}

/** What the QR encodes (RFC 8628 §3.3.1): the complete URI when the IdP sent one that passed the checks above. */
export const qrUri = (code: Pick<DeviceCode, 'verification_uri' | 'verification_uri_complete'>): string =>
  code.verification_uri_complete ?? code.verification_uri;

/** RFC 8628 §3.1–3.2. */
export async function requestDeviceCode(ctx: FlowContext, signal?: AbortSignal): Promise<DeviceCode> {
  const { net, as, client, config } = ctx;
  const params = new URLSearchParams({ scope: config.scope });
  if (config.audience) params.set('audience', config.audience);
  if (config.resource) params.set('resource', config.resource);
  let res;
  try {
    const response = await deviceAuthorizationRequest(
      as,
      client,
      None(),
      params,
      requestOptions(net, 'device_authorization', signal),
    );
    res = await processDeviceAuthorizationResponse(as, client, response);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw toAppError(err, {
      endpoint: 'device_authorization',
      client_id: net.client_id,
      scope: config.scope,
      url: as.device_authorization_endpoint,
    });
  }
  const verification_uri = shownUri('verification_uri', res.verification_uri, net.allowHttpHost)!;
  let verification_uri_complete = shownUri(
    'verification_uri_complete',
    res.verification_uri_complete,
    net.allowHttpHost,
  );
  if (verification_uri.length > MAX_SHOWN_URI_LENGTH) {
    throw new AppError('bad_response', {
      reason: 'uri_too_long',
      facts: { endpoint: 'device_authorization', field: 'verification_uri', max_bytes: MAX_SHOWN_URI_LENGTH },
      details: `device authorization endpoint: verification_uri is ${verification_uri.length} characters, more than the ${MAX_SHOWN_URI_LENGTH} a readable QR code holds`,
    });
  }
  // The QR carries the code only to the server whose address is shown beside it (RFC 8628 §5.4),
  // and only when it fits a readable QR; else it encodes the shown address and the person types the code.
  if (
    verification_uri_complete &&
    (new URL(verification_uri_complete).origin !== new URL(verification_uri).origin ||
      verification_uri_complete.length > MAX_SHOWN_URI_LENGTH)
  ) {
    verification_uri_complete = undefined;
  }
  // The code is shown as text only; still, a person cannot type a paragraph, an empty code or
  // characters they cannot see (and which could make the code on screen read differently).
  const code = res.user_code;
  if (!code.trim() || code.length > MAX_USER_CODE_LENGTH || UNSHOWABLE.test(code)) {
    throw new AppError('bad_response', {
      reason: 'user_code',
      facts: { endpoint: 'device_authorization', field: 'user_code' },
      details: `device authorization endpoint: user_code is empty, longer than ${MAX_USER_CODE_LENGTH} characters (${code.length}), or has invisible or control characters`,
    });
  }
  const received_at = net.clock.now();
  const interval = res.interval ? Math.max(MIN_INTERVAL_MS, res.interval * 1000) : DEFAULT_INTERVAL_MS;
  // A code that dies before the first poll could never be redeemed; asking again at once would loop.
  if (res.expires_in * 1000 <= interval) {
    throw new AppError('bad_response', {
      reason: 'expires_at_once',
      facts: { endpoint: 'device_authorization', field: 'expires_in' },
      details: `device authorization endpoint: expires_in ${res.expires_in} s is not longer than the polling interval`,
    });
  }
  // Only RFC 8628 §3.2 fields are kept: extras such as Microsoft's `message` (a sentence naming an
  // address) are never shown, so the screen shows only addresses it has checked.
  return {
    device_code: res.device_code,
    user_code: code,
    verification_uri,
    verification_uri_complete,
    expires_at: received_at + res.expires_in * 1000,
    received_at,
    interval,
  };
}
