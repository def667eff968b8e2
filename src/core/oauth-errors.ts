/**
 * Whatever oauth4webapi throws (an OAuth error answer, a WWW-Authenticate challenge, a response it
 * cannot use), as an AppError with a stable code and the facts an explanation names. RFC 6749 §5.2
 * and RFC 8628 §3.5 name the error codes.
 */
import { OperationProcessingError, ResponseBodyError, WWWAuthenticateChallengeError } from 'oauth4webapi';
import { AppError, clip, originOf, where, type Endpoint, type ErrorCode, type ErrorFacts } from './errors';

const OAUTH_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'access_denied',
  'expired_token',
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
  'invalid_grant',
]);

/** What went wrong where: the request's endpoint, and the facts an explanation names. */
export interface ErrorContext {
  endpoint: Endpoint;
  client_id: string;
  /** The scopes asked for, named when the IdP refuses them. */
  scope?: string;
  /** The endpoint's address, so the details line names the IdP as well as the endpoint. */
  url?: string;
}

const oauthCode = (error: string): ErrorCode => (OAUTH_CODES.has(error) ? (error as ErrorCode) : 'oauth');

export function toAppError(err: unknown, ctx: ErrorContext): AppError {
  if (err instanceof AppError) return err;
  const place = where(ctx.endpoint, ctx.url);
  const facts: ErrorFacts = {
    endpoint: ctx.endpoint,
    client_id: ctx.client_id,
    scope: ctx.scope,
    origin: ctx.url === undefined ? undefined : originOf(ctx.url),
  };
  if (err instanceof ResponseBodyError) {
    const description = err.error_description ? `: ${clip(err.error_description)}` : '';
    return new AppError(oauthCode(err.error), {
      facts: { ...facts, status: err.status, oauth_error: clip(err.error, 60) },
      cause: err,
      details: `${place} answered ${clip(err.error, 60)}${description}`,
    });
  }
  if (err instanceof WWWAuthenticateChallengeError) {
    const error = err.cause[0]?.parameters.error ?? 'unauthorized';
    return new AppError(oauthCode(error), {
      facts: { ...facts, status: err.status, oauth_error: clip(error, 60) },
      cause: err,
      details: `${place} answered HTTP ${err.status} (${clip(error, 60)})`,
    });
  }
  if (err instanceof OperationProcessingError) {
    const attribute = (err.cause as { attribute?: string } | undefined)?.attribute;
    if (attribute === 'issuer') {
      const expected = (err.cause as { expected?: string }).expected;
      const body = (err.cause as { body?: { issuer?: unknown } }).body;
      const found = clip(String(body?.issuer), 120);
      return new AppError('issuer_mismatch', {
        facts: { ...facts, expected, found },
        cause: err,
        details: `configured ${expected}, discovery says ${found}`,
      });
    }
    return new AppError('bad_response', {
      reason: 'unusable',
      facts,
      cause: err,
      details: `${place}: ${clip(err.message.replace(/"response" body /, ''), 160)}`,
    });
  }
  return new AppError('bad_response', {
    reason: 'unexpected',
    facts,
    cause: err,
    details: `${place}: ${clip(err instanceof Error ? err.message : String(err), 160)}`,
  });
}
