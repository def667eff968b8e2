/**
 * English: the source catalogue. Its shape types every other one (a missing or extra key is a type
 * error there) and it is the fallback for anything a language lacks. `{name}` marks a placeholder;
 * plural entries give Intl.PluralRules categories (`other` is required).
 */
import type { ConfigProblemCode } from '../core/config.ts';
import type { ErrorCode, ErrorReason } from '../core/errors.ts';
import type { NoticeCode } from '../session/notice.ts';

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
  explain_config: 'Check the settings in config.json and the address of this screen.',
  explain_cors: `The server at {origin} did not allow this screen's address ({app_origin}). Add {app_origin} to the allowed web origins (CORS) of client "{client_id}" in the identity provider.`,
  explain_network: `Cannot reach {origin}. Check the screen's network connection.`,
  explain_timeout: 'The server at {origin} did not answer in time.',
  explain_http: 'The server at {origin} answered with an error (HTTP {status}).',
  explain_bad_response: 'The sign-in server sent an answer this screen cannot use.',
  explain_issuer_mismatch:
    'The sign-in server names a different issuer than configured. Check the issuer setting (watch for a trailing slash).',
  explain_no_device_endpoint:
    'This identity provider does not offer sign-in with a code (the device authorization grant). Enable it in the identity provider.',
  explain_insecure_uri: 'The sign-in server gave an address that is not secure (https).',
  explain_access_denied: 'Sign-in was declined on the phone.',
  explain_expired_token: 'The code expired before anyone used it.',
  explain_invalid_client:
    'The identity provider does not accept client "{client_id}". Register it as a public client (no secret) with the device authorization grant.',
  explain_unauthorized_client:
    'Client "{client_id}" may not use the device authorization grant. Enable the device code grant for it in the identity provider.',
  explain_invalid_scope:
    'The identity provider refused the scopes "{scope}". Allow them for client "{client_id}", or change the scope setting.',
  explain_invalid_grant: 'The sign-in is no longer valid (it was revoked or has expired).',
  explain_oauth: 'The identity provider refused the request.',
  explain_session_ended: 'The sign-in has ended. Sign in again with a new code.',
  reason_offline: `Cannot reach {origin}. Check the screen's network connection.`,
  reason_lna:
    'The browser did not let this screen (served from {app_origin}) reach {origin} on the local network. Serve the app from the same network as the identity provider, use proxy mode, or allow it with the browser policy for managed devices (docs/deploy.md).',
  reason_cut_off: 'The connection to the sign-in server broke off. Trying again.',
  reason_too_large: 'The sign-in server sent an answer that is far too large.',
  reason_not_json: 'The sign-in server sent an answer this screen cannot read.',
  reason_unusable: 'The sign-in server sent an answer this screen cannot use.',
  reason_unexpected: 'Something unexpected went wrong talking to the sign-in server.',
  reason_internal: 'Something went wrong.',
  reason_user_code: 'The sign-in server sent a code that cannot be shown.',
  reason_expires_at_once: 'The sign-in server sent a code that expires at once.',
  reason_api_failed: 'The API call failed.',
  reason_busy: 'The server at {origin} is busy or failing (HTTP {status}).',
  reason_api_status: 'The API answered with an error (HTTP {status}).',
  reason_api_refused: 'The API refused the request (HTTP {status}).',
  reason_api_challenge: 'The API refused the request (HTTP {status}, {oauth_error}).',
  reason_request: 'The sign-in server gave an address that is not secure (https).',
  reason_shown: 'The sign-in server gave an address that is not a safe web address, so it is not shown.',
  reason_no_refresh: 'The sign-in has ended. Sign in again with a new code.',
  reason_signed_out: 'Signed out.',
  notice_max_session: 'Signed out: the session reached its time limit.',
  notice_idle: 'Signed out because nobody used the screen for a while.',
  notice_revoked: 'Signed out: the sign-in is no longer valid (it was revoked or has expired).',
  notice_ended: 'Signed out: the sign-in has ended.',
  notice_failed: 'Signed out: {reason}',
  config_missing: 'Setting "{key}" is missing.',
  config_not_absolute_url: 'Setting "{key}" "{value}" is not an absolute URL.',
  config_not_url: 'Setting "{key}" "{value}" is not a URL.',
  config_not_https: 'Setting "{key}" must use https: (http: only for localhost), got "{value}".',
  config_has_query: 'Setting "{key}" must not contain a query or fragment.',
  config_has_fragment: 'Setting "{key}" must not contain a fragment.',
  config_not_absolute_uri: 'Setting "{key}" "{value}" is not an absolute URI.',
  config_not_string: 'Setting "{key}" must be a string.',
  config_not_boolean: 'Setting "{key}" must be true or false, got "{value}".',
  config_not_seconds: 'Setting "{key}" must be a number of seconds (0 or more), got "{value}".',
  config_not_count: 'Setting "{key}" must be a whole number (0 or more), got "{value}".',
  config_not_language: 'Setting "{key}" "{value}" is not a BCP 47 language tag.',
  config_not_theme: 'Setting "{key}" must be dark or light, got "{value}".',
  config_not_colour: 'Setting "{key}" must be a colour as #rgb, #rrggbb, rgb() or hsl(), got "{value}".',
  config_logo_origin: `Setting "{key}" must be an https: URL or on this app's origin, got "{value}".`,
  config_proxy_not_path: `Setting "{key}" must be a path on this screen's own address, such as "/idp/", got "{value}".`,
  config_proxy_not_plain: 'Setting "{key}" must be a plain path such as "/idp/", got "{value}".',
  config_proxy_root: 'Setting "{key}" must be a sub-path such as "/idp/", not "/" (the screen itself is served there).',
  config_file_unreachable: 'Setting "{key}" could not be loaded.',
  config_file_status: 'Setting "{key}" answered HTTP {value}.',
  config_file_not_object: 'Setting "{key}" is not a JSON object.',
  // Issue 11, network and clock: a rate limit is named as such.
  code_rate_limited: 'The sign-in server is limiting how often this screen may ask, asking again in {time}',
  reason_rate_limited:
    'The server at {origin} is limiting how often this screen may ask (HTTP 429). The screen waits as long as the server asked, then tries again.',
} satisfies Record<`error_${ErrorCode}` | `explain_${ErrorCode}` | `reason_${ErrorReason}`, string> &
  Record<`notice_${NoticeCode}` | `config_${ConfigProblemCode}`, string> &
  Record<string, string | Plural>;

/** Every catalogue has exactly these keys; plural entries are Plural, the rest strings. */
export type Messages = { [K in keyof typeof en]: (typeof en)[K] extends string ? string : Plural };
export type MessageKey = { [K in keyof Messages]: Messages[K] extends string ? K : never }[keyof Messages];
export type PluralKey = Exclude<keyof Messages, MessageKey>;

const messages: Messages = en;
export default messages;
