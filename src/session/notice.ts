/**
 * Why a signed-in session ended by itself, shown beside the next code. Coded, with the facts; the
 * UI words it (src/i18n).
 */
import type { AppError } from '../core/errors.ts';

export const NOTICE_CODES = [
  'max_session', // config max_session reached
  'idle', // nobody used the screen for idle_timeout, and nobody answered the warning
  'revoked', // the IdP no longer accepts the sign-in (invalid_grant: revoked or expired)
  'ended', // the tokens ran out with nothing to refresh them
  'failed', // another error ended it; `error` says which
] as const;
export type NoticeCode = (typeof NOTICE_CODES)[number];

export interface Notice {
  code: NoticeCode;
  /** For `max_session` and `idle`: the limit that was reached, in seconds. */
  seconds?: number;
  /** For `failed`: what ended the session. */
  error?: AppError;
}
