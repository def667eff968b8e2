/**
 * English explanations of errors, config problems and session-end notices: what happened and what
 * to do, from the core's codes and facts. Apart from en.ts because no screen needs them for its
 * first paint: the app starts loading them at boot with explain.ts, beside the code request.
 * `{name}` marks a fact; every other catalogue has the same keys.
 */
import type { ConfigProblemCode } from '../core/config.ts';
import type { ErrorCode, ErrorReason } from '../core/errors.ts';
import type { NoticeCode } from '../session/notice.ts';

export type ExplanationKey =
  `explain_${ErrorCode}` | `reason_${ErrorReason}` | `notice_${NoticeCode}` | `config_${ConfigProblemCode}`;
export type Explanations = Record<ExplanationKey, string>;

const explanations: Explanations = {
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
  config_not_view: 'Setting "{key}" must be auto or json, got "{value}".',
  config_same_origin:
    'Setting "{key}" must be on another origin than this screen ({value}): an app on the same origin could read the screen\'s tokens.',
  config_not_origin: 'Setting "{key}" must list origins (scheme://host[:port], no path), got "{value}".',
  config_not_colour: 'Setting "{key}" must be a colour as #rgb, #rrggbb, rgb() or hsl(), got "{value}".',
  config_logo_origin: `Setting "{key}" must be an https: URL or on this app's origin, got "{value}".`,
  config_proxy_not_path: `Setting "{key}" must be a path on this screen's own address, such as "/idp/", got "{value}".`,
  config_proxy_not_plain: 'Setting "{key}" must be a plain path such as "/idp/", got "{value}".',
  config_proxy_root: 'Setting "{key}" must be a sub-path such as "/idp/", not "/" (the screen itself is served there).',
  reason_uri_too_long: 'The sign-in server sent a sign-in address too long to type or to scan as a QR code.',
  reason_userinfo:
    'The sign-in server sent an address with a name before an "@", which can disguise where it leads, so it is not shown.',
  config_not_host: 'Setting "{key}" must be one host name or IP address, got "{value}".',
  config_file_only: 'Setting "{key}" can only be set in config.json, not in the address of this screen.',
  config_locked: 'Setting "{key}" is locked by config.json: the address of this screen may not change it.',
  config_not_key_list: 'Setting "{key}" must be "*" or a list of setting names, got "{value}".',
  config_foreign_origin:
    'Setting "{key}" in the address of this screen may not point to another server ({value}). Set it in config.json instead.',
  config_not_plain_text:
    'Setting "{key}" must be plain text of at most {value} characters, without invisible characters.',
  config_file_timeout: 'Setting "{key}" did not arrive within {value} s.',
  config_file_too_large: 'Setting "{key}" is larger than {value} bytes.',
  reason_rate_limited:
    'The server at {origin} is limiting how often this screen may ask (HTTP 429). The screen waits as long as the server asked, then tries again.',
  config_file_unreachable: 'Setting "{key}" could not be loaded.',
  config_file_status: 'Setting "{key}" answered HTTP {value}.',
  config_file_not_object: 'Setting "{key}" is not a JSON object.',
};
export default explanations;
