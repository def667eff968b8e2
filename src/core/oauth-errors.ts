/**
 * Whatever oauth4webapi throws (an OAuth error answer, a WWW-Authenticate challenge, a response it
 * cannot use), as an AppError with a stable code. RFC 6749 §5.2 names the error codes.
 */
import { OperationProcessingError, ResponseBodyError, WWWAuthenticateChallengeError } from 'oauth4webapi';
import { AppError, clip, where, type Endpoint, type ErrorCode } from './errors';

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

/** What the person at the screen (or the deployer standing next to it) should do about an IdP error. */
function oauthMessage(code: string, ctx: ErrorContext): string {
  switch (code) {
    case 'access_denied':
      return 'Sign-in was declined on the phone.';
    case 'expired_token':
      return 'The code expired before anyone used it.';
    case 'invalid_client':
      return `The identity provider does not accept client "${ctx.client_id}". Register it as a public client (no secret) with the device authorization grant.`;
    case 'unauthorized_client':
      return `Client "${ctx.client_id}" may not use the device authorization grant. Enable the device code grant for it in the identity provider.`;
    case 'invalid_scope':
      return `The identity provider refused the scopes "${ctx.scope ?? ''}". Allow them for client "${ctx.client_id}", or change the scope setting.`;
    case 'invalid_grant':
      return 'The sign-in is no longer valid (it was revoked or has expired).';
    default:
      return 'The identity provider refused the request.';
  }
}

export function toAppError(err: unknown, ctx: ErrorContext): AppError {
  if (err instanceof AppError) return err;
  const place = where(ctx.endpoint, ctx.url);
  if (err instanceof ResponseBodyError) {
    const code = OAUTH_CODES.has(err.error) ? (err.error as ErrorCode) : 'oauth';
    const description = err.error_description ? `: ${clip(err.error_description)}` : '';
    return new AppError(code, oauthMessage(err.error, ctx), {
      cause: err,
      details: `${place} answered ${clip(err.error, 60)}${description}`,
    });
  }
  if (err instanceof WWWAuthenticateChallengeError) {
    const error = err.cause[0]?.parameters.error ?? 'unauthorized';
    const code = OAUTH_CODES.has(error) ? (error as ErrorCode) : 'oauth';
    return new AppError(code, oauthMessage(error, ctx), {
      cause: err,
      details: `${place} answered HTTP ${err.status} (${clip(error, 60)})`,
    });
  }
  if (err instanceof OperationProcessingError) {
    const attribute = (err.cause as { attribute?: string } | undefined)?.attribute;
    if (attribute === 'issuer') {
      const expected = (err.cause as { expected?: string }).expected;
      const body = (err.cause as { body?: { issuer?: unknown } }).body;
      return new AppError(
        'issuer_mismatch',
        'The sign-in server names a different issuer than configured. Check the issuer setting (watch for a trailing slash).',
        { cause: err, details: `configured ${expected}, discovery says ${clip(String(body?.issuer), 120)}` },
      );
    }
    return new AppError('bad_response', 'The sign-in server sent an answer this screen cannot use.', {
      cause: err,
      details: `${place}: ${clip(err.message.replace(/"response" body /, ''), 160)}`,
    });
  }
  return new AppError('bad_response', 'Something unexpected went wrong talking to the sign-in server.', {
    cause: err,
    details: `${place}: ${clip(err instanceof Error ? err.message : String(err), 160)}`,
  });
}
