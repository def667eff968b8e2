/**
 * Provider quirks, normalised in one place before oauth4webapi parses a response, so the protocol
 * code only ever sees RFC-shaped JSON. Each rule names the providers that need it.
 */
import type { Endpoint } from './errors';

export type JsonObject = Record<string, unknown>;

const POLLING_ERRORS = new Set(['authorization_pending', 'slow_down']);

/** RFC 8628 §3.5: an answer that means "keep polling", whatever its status. */
export const isPollingError = (json: JsonObject): boolean =>
  typeof json.error === 'string' && POLLING_ERRORS.has(json.error);

/**
 * Some IdPs send numbers as strings ("5"). oauth4webapi 3.x parses a string `expires_in` itself
 * (parseFloat, in processDeviceAuthorizationResponse and every token response), but it refuses a
 * string `interval` in the device authorization answer (assertNumber, no conversion) and hands an
 * error body's `interval` (GitHub's slow_down) through untouched: those two are converted here.
 */
function intervalToNumber(json: JsonObject): void {
  const value = json.interval;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) json.interval = Number(value);
}

export function normaliseDeviceAuthorization(json: JsonObject): JsonObject {
  const out = { ...json };
  // Google and older Microsoft endpoints say verification_url (draft name) instead of RFC 8628's verification_uri.
  if (out.verification_uri === undefined && out.verification_url !== undefined)
    out.verification_uri = out.verification_url;
  if (out.verification_uri_complete === undefined && out.verification_url_complete !== undefined) {
    out.verification_uri_complete = out.verification_url_complete;
  }
  intervalToNumber(out);
  return out;
}

/**
 * Token endpoint: RFC 6749 §5.2 errors are HTTP 400, but GitHub answers errors with 200, some
 * gateways send authorization_pending/slow_down as 401 or 428, and authentik sends slow_down as
 * 429. Any body with an `error` member is an error response, whatever the status.
 */
export function normaliseTokenStatus(status: number, json: JsonObject): number {
  if (typeof json.error !== 'string') return status;
  if (status < 400 || isPollingError(json)) return 400;
  return status;
}

export function normaliseToken(json: JsonObject): JsonObject {
  const out = { ...json };
  // GitHub sends the new polling interval with slow_down.
  intervalToNumber(out);
  return out;
}

/** An answer from `endpoint` as oauth4webapi should see it. */
export function normaliseAnswer(
  endpoint: Endpoint,
  status: number,
  body: JsonObject,
): { status: number; body: JsonObject } {
  if (endpoint === 'device_authorization') return { status, body: normaliseDeviceAuthorization(body) };
  if (endpoint === 'token') return { status: normaliseTokenStatus(status, body), body: normaliseToken(body) };
  return { status, body };
}
