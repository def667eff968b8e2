/**
 * English: the source catalogue. Its shape types every other one (a missing or extra key is a type
 * error there) and it is the fallback for anything a language lacks. `{name}` marks a placeholder;
 * plural entries give Intl.PluralRules categories (`other` is required).
 */
import type { ErrorCode } from '../core/errors.ts';
import type { Explanations } from './en-explain.ts';

export interface Plural {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
}

const en = {
  title: 'Sign in',
  status_starting: 'Connecting to the sign-in server…',
  status_requesting: 'Getting a code…',
  status_code: 'Waiting for approval on a phone…',
  status_signed_in: 'Signed in',
  status_error: 'Sign-in stopped',
  status_idle: 'Paused until someone is here',
  code_instruction: 'Go to {uri} and enter',
  code_scan: 'or scan this with a phone',
  code_screen: 'This screen: {name}',
  code_caution: 'Only enter this code for a screen you can see.',
  code_label: 'Code: {spelled}',
  code_lookalikes: 'Look-alike characters in this code: {chars}. The digit zero has a slash.',
  code_expires: 'Code expires in {time}',
  code_retrying: 'Connection trouble, trying again in {time}',
  qr_label: 'QR code that opens the sign-in page with this code',
  new_code: 'New code',
  idle_title: 'Press OK (or tap) to sign in',
  idle_reason: {
    one: 'The last code expired without being used.',
    other: 'The last {count} codes expired without being used.',
  },
  signed_in_as: 'Signed in as {user}',
  signed_in: 'Signed in',
  sign_out: 'Sign out',
  idle_warning: 'Nobody is using this screen. Signing out in {time}',
  stay_signed_in: 'Stay signed in',
  confirm_title: 'Sign out of this screen?',
  confirm_body: 'The next person will need a new code to sign in.',
  confirm_cancel: 'Stay signed in',
  retry: 'Try again',
  retry_now: 'Try now',
  retry_in: 'Trying again in {time}',
  error_config: 'This screen is not set up correctly',
  error_cors: 'The sign-in server does not accept this screen',
  error_network: 'No connection',
  error_timeout: 'The sign-in server did not answer',
  error_http: 'The sign-in server has a problem',
  error_bad_response: 'The sign-in server sent something unexpected',
  error_issuer_mismatch: 'This is not the configured sign-in server',
  error_no_device_endpoint: 'The sign-in server does not offer sign-in with a code',
  error_insecure_uri: 'The sign-in server sent an unsafe address',
  error_access_denied: 'Sign-in was declined',
  error_expired_token: 'The code expired',
  error_invalid_client: 'This screen is not registered with the sign-in server',
  error_unauthorized_client: 'This screen may not sign in with a code',
  error_invalid_scope: 'The requested access is not allowed',
  error_invalid_grant: 'The sign-in is no longer valid',
  error_oauth: 'The sign-in server refused',
  error_session_ended: 'The session has ended',
  code_rate_limited: 'The sign-in server is limiting how often this screen may ask, asking again in {time}',
  status_reconnecting_as: 'Reconnecting as {name}…',
  status_reconnecting: 'Reconnecting…',
  view_updated_now: 'Updated just now',
  view_updated_minutes: { one: 'Updated {count} minute ago', other: 'Updated {count} minutes ago' },
  view_updated_hours: { one: 'Updated {count} hour ago', other: 'Updated {count} hours ago' },
  view_stale: 'Not up to date',
  view_now: 'Now',
  app_frame_title: 'Content of this screen',
} satisfies Record<`error_${ErrorCode}`, string> & Record<string, string | Plural>;

/** The screen's words; plural entries are Plural, the rest strings. */
export type ScreenMessages = { [K in keyof typeof en]: (typeof en)[K] extends string ? string : Plural };
export type MessageKey = {
  [K in keyof ScreenMessages]: ScreenMessages[K] extends string ? K : never;
}[keyof ScreenMessages];
export type PluralKey = Exclude<keyof ScreenMessages, MessageKey>;
/** Every other catalogue has exactly these keys: the screen's words and the explanations (en-explain.ts). */
export type Messages = ScreenMessages & Explanations;

const messages: ScreenMessages = en;
export default messages;
