/**
 * The messages between the screen and the deployer's app in its frame (docs/embedding.md). Types
 * only: the screen's broker and the app's `embed.js` both import them, and a type import adds no
 * code to either bundle, so embed.js stays one file with no dependency.
 *
 * 1. Window messages, only for the handshake: the app posts a `Hello` to `window.parent`; the screen
 *    answers the frame's window with a `Welcome` carrying one end of a new MessageChannel.
 * 2. Everything else travels over that port: requests from the app (`AppMessage`), answers to them
 *    (`Reply`, matched by `id`), and events from the screen (`ScreenEvent`).
 * Every message carries the protocol version `v`; a screen answers versions it does not speak with
 * `unsupported_version` and the list it does, so an app can fall back.
 */

/** The `type` of the two window messages, so that other postMessage traffic is told apart. */
export type Channel = 'screen-signin';

export type Id = string | number;

export interface Hello {
  type: Channel;
  /** The newest version the app speaks. */
  v: number;
  op: 'hello';
}

export interface Welcome {
  type: Channel;
  v: 1;
  op: 'welcome';
  /** Versions this screen speaks. */
  versions: number[];
}

export interface FetchRequest {
  v: 1;
  id: Id;
  op: 'fetch';
  method: string;
  /** Absolute URL; its origin must be one of the screen's `app_apis`. */
  url: string;
  headers?: Record<string, string>;
  body?: string | null;
}

export type AppMessage =
  | FetchRequest
  | { v: 1; id: Id; op: 'user' }
  /** Gives up on the fetch with this id: its answer is an `aborted` error. */
  | { v: 1; id: Id; op: 'abort' }
  /** Someone used the app (a key, a touch): the screen's idle timer starts over. No answer. */
  | { v: 1; op: 'activity' }
  /** A remote key the app did not use; `back` asks before signing out, as on the screen. No answer. */
  | { v: 1; op: 'key'; key: 'back' };

export type ErrorCode =
  | 'bad_request' // not a message of this protocol, or a field of the wrong type
  | 'too_large' // the message, a header or the body is over its cap
  | 'rate_limited' // too many messages, or too many requests at once
  | 'unsupported_version'
  | 'not_allowed_origin' // the URL's origin is not in `app_apis`
  | 'not_allowed_method'
  | 'not_allowed_header' // a request header outside the allow-list (Authorization, Cookie, DPoP, …)
  | 'signed_out' // the screen is signed out (or the sign-in ended while asking)
  | 'network' // the API could not be reached (offline, DNS, CORS)
  | 'timeout'
  | 'http' // the API is busy or failing (5xx, 429), or redirected
  | 'bad_response' // the API's answer could not be read (over the size cap)
  | 'aborted';

export type Reply =
  | { v: 1; id: Id; ok: true; status: number; headers: Record<string, string>; body: string }
  | { v: 1; id: Id; ok: true; name?: string }
  /** `id` is null when the message had no usable id. */
  | { v: 1; id: Id | null; ok: false; error: { code: ErrorCode; message: string; versions?: number[] } };

export type ScreenEvent =
  /** The idle warning is up: the screen signs out at `at` (epoch ms) unless someone acts. */
  | { v: 1; event: 'signing-out'; at: number }
  | { v: 1; event: 'signing-out-cancelled' }
  /** The session is over; the screen removes the frame right after this. */
  | { v: 1; event: 'signed-out' };
