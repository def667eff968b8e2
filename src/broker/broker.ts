/**
 * The screen's side of the embedded app (protocol.ts): one MessageChannel per frame, opened only for
 * a hello from that frame's window on the configured origin, and over it API calls made by the
 * session with its token, for URLs on the `app_apis` origins only. Nothing token-shaped is ever
 * posted: requests go out with headers from an allow-list (no Authorization, DPoP or Cookie from
 * the app), answers come back with a safe subset of headers, errors as stable codes.
 *
 * Every message costs a token from a bucket, and every check is a bounded look at a few fields, so
 * a frame that floods the screen gets cheap `rate_limited` answers and never stalls it.
 */
import type { ErrorCode, Id, Reply, ScreenEvent, Welcome } from './protocol';

/** What the broker asks of the session (session.appFetch and friends). */
export interface BrokerHost {
  /** One authorized request; rejects with the core's AppError (its `code` is all the broker reads). */
  fetch(request: ApiRequest, signal: AbortSignal): Promise<ApiAnswer>;
  /** The display name the screen shows, or undefined (config `show_user` off). */
  user(): string | undefined;
  /** Someone used the app. */
  activity(): void;
  /** Back was pressed in the app and the app did not use it. */
  back(): void;
  now(): number;
}

export interface ApiRequest {
  method: Method;
  url: URL;
  headers: Record<string, string>;
  body: string | null;
  /** The answer's body cap, in bytes. */
  maxBytes: number;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** The frame's window, as far as the broker needs it. */
export interface FrameWindow {
  postMessage(message: unknown, targetOrigin: string, transfer: Transferable[]): void;
}

export interface WindowMessage {
  data: unknown;
  origin: string;
  source: unknown;
}

export interface BrokerOptions {
  /** The origin of config `app`: hellos from any other are ignored, and the port goes only there. */
  appOrigin: string;
  /** Config `app_apis`: the origins the app may reach. Empty: every fetch is refused. */
  apis: readonly string[];
  host: BrokerHost;
  limits?: Partial<Limits>;
}

export interface Limits {
  /** Messages in a burst, and per second after it (token bucket). */
  burst: number;
  perSecond: number;
  /** Fetches in flight at once. */
  inFlight: number;
  urlChars: number;
  headers: number;
  headerChars: number;
  /** Request body, in UTF-8 bytes. */
  bodyBytes: number;
  /** Answer body, in bytes. */
  answerBytes: number;
}

export const LIMITS: Limits = {
  burst: 50,
  perSecond: 25,
  inFlight: 8,
  urlChars: 8_192,
  headers: 32,
  headerChars: 4_096,
  bodyBytes: 256 * 1024,
  answerBytes: 1024 * 1024,
};

export const VERSIONS = [1];

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/** What an app may set: content negotiation and caching. Credentials are the screen's alone. */
const REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'accept-language',
  'content-type',
  'if-none-match',
  'if-modified-since',
]);

/** What the app hears back: nothing that names a credential, a nonce or a challenge. */
const ANSWER_HEADERS = ['content-type', 'content-language', 'etag', 'last-modified', 'cache-control'];

/** Messages for the app's developer, in English like any web API's errors; none carries data. */
const SAY: Record<ErrorCode, string> = {
  bad_request: 'not a screen-signin message',
  too_large: 'over the size cap',
  rate_limited: 'too many messages; slow down',
  unsupported_version: `this screen speaks protocol version ${VERSIONS.join(', ')}`,
  not_allowed_origin: 'this origin is not in the screen’s app_apis',
  not_allowed_method: `method must be one of ${METHODS.join(', ')}`,
  not_allowed_header: `request headers may only be ${[...REQUEST_HEADERS].join(', ')}`,
  signed_out: 'the screen is not signed in',
  network: 'the screen could not reach the API (offline, or the API does not allow the screen’s origin by CORS)',
  timeout: 'the API did not answer in time',
  http: 'the API is busy or failing (HTTP 5xx or 429)',
  bad_response: 'the API’s answer could not be read (or is over the 1 MiB cap)',
  aborted: 'aborted by the app',
};

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    detail?: string,
  ) {
    super(detail ? `${SAY[code]}: ${detail}` : SAY[code]);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isId = (value: unknown): value is Id =>
  (typeof value === 'string' && value.length > 0 && value.length <= 64) || Number.isSafeInteger(value);

/** Shows what the app sent without echoing much of it. */
const quote = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 79)}…` : text);

/** The core's error codes as the app's: the app learns what kind of failure, never its details. */
function asRefusal(err: unknown): Refusal {
  if (err instanceof Refusal) return err;
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'session_ended':
    case 'invalid_grant':
      return new Refusal('signed_out');
    case 'network':
    case 'cors':
    case 'timeout':
    case 'http':
      return new Refusal(code === 'cors' ? 'network' : code);
    default:
      return new Refusal('bad_response');
  }
}

export class Broker {
  #options: BrokerOptions;
  #limits: Limits;
  #port: MessagePort | undefined;
  #inFlight = new Map<Id, AbortController>();
  #tokens: number;
  #filled: number;
  #signingOutAt: number | undefined;
  #closed = false;
  /** Handlers by protocol version: a v2 goes beside v1, and an old app's v1 keeps working. */
  #versions: Record<number, (message: Record<string, unknown>) => void> = { 1: (m) => this.#v1(m) };

  constructor(options: BrokerOptions) {
    this.#options = options;
    this.#limits = { ...LIMITS, ...options.limits };
    this.#tokens = this.#limits.burst;
    this.#filled = options.host.now();
  }

  /**
   * A message that reached the screen's window. Only a hello from `frame` itself, on the app's
   * origin, opens a port; a second hello (the app reloaded) replaces the first port. True when a
   * port was sent.
   */
  receive(event: WindowMessage, frame: FrameWindow | null | undefined): boolean {
    if (this.#closed || !frame || event.source !== frame || event.origin !== this.#options.appOrigin) return false;
    const data = event.data;
    if (!isRecord(data) || data.type !== 'screen-signin' || data.op !== 'hello' || !this.#take()) return false;
    this.#dropPort();
    const channel = new MessageChannel();
    this.#port = channel.port1;
    channel.port1.onmessage = (e: MessageEvent) => this.#onMessage(e.data);
    const welcome: Welcome = { type: 'screen-signin', v: 1, op: 'welcome', versions: VERSIONS };
    // The target origin again: if the frame navigated elsewhere since its hello, the port is not delivered.
    frame.postMessage(welcome, this.#options.appOrigin, [channel.port2]);
    if (this.#signingOutAt !== undefined) this.#send({ v: 1, event: 'signing-out', at: this.#signingOutAt });
    return true;
  }

  /** The idle warning: `at` is when the screen signs out; undefined when someone stayed. */
  signingOut(at: number | undefined): void {
    if (at === this.#signingOutAt) return;
    const was = this.#signingOutAt;
    this.#signingOutAt = at;
    if (at !== undefined) this.#send({ v: 1, event: 'signing-out', at });
    else if (was !== undefined) this.#send({ v: 1, event: 'signing-out-cancelled' });
  }

  /** The session is over: the app hears it, pending calls end, and no port is ever opened again. */
  close(): void {
    if (this.#closed) return;
    this.#send({ v: 1, event: 'signed-out' });
    this.#closed = true;
    this.#dropPort();
  }

  #dropPort(): void {
    for (const controller of this.#inFlight.values()) controller.abort();
    this.#inFlight.clear();
    this.#port?.close();
    this.#port = undefined;
  }

  #send(message: Reply | ScreenEvent): void {
    this.#port?.postMessage(message);
  }

  #fail(id: Id | null, refusal: Refusal): void {
    const error =
      refusal.code === 'unsupported_version'
        ? { code: refusal.code, message: refusal.message, versions: VERSIONS }
        : { code: refusal.code, message: refusal.message };
    this.#send({ v: 1, id, ok: false, error });
  }

  /** Token bucket: `burst` at once, then `perSecond`. */
  #take(): boolean {
    const now = this.#options.host.now();
    const { burst, perSecond } = this.#limits;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#filled) / 1000) * perSecond);
    this.#filled = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #onMessage(data: unknown): void {
    if (this.#closed) return;
    const message = isRecord(data) ? data : undefined;
    const id = message && isId(message.id) ? message.id : null;
    if (!this.#take()) return this.#fail(id, new Refusal('rate_limited'));
    if (!message) return this.#fail(null, new Refusal('bad_request', 'a message is an object'));
    const handle = typeof message.v === 'number' ? this.#versions[message.v] : undefined;
    if (!handle) return this.#fail(id, new Refusal('unsupported_version', `got v ${quote(String(message.v))}`));
    try {
      handle(message);
    } catch (err) {
      this.#fail(id, asRefusal(err));
    }
  }

  #v1(message: Record<string, unknown>): void {
    const { op, id } = message;
    if (op === 'activity') return this.#options.host.activity();
    if (op === 'key') {
      if (message.key === 'back') this.#options.host.back();
      return;
    }
    if (!isId(id)) throw new Refusal('bad_request', 'id must be a string or an integer');
    if (op === 'user') {
      const name = this.#options.host.user();
      return this.#send(name === undefined ? { v: 1, id, ok: true } : { v: 1, id, ok: true, name });
    }
    if (op === 'abort') return this.#inFlight.get(id)?.abort(new Refusal('aborted'));
    if (op !== 'fetch') throw new Refusal('bad_request', `unknown op ${quote(String(op))}`);
    if (this.#inFlight.has(id)) throw new Refusal('bad_request', 'this id is already in flight');
    if (this.#inFlight.size >= this.#limits.inFlight) throw new Refusal('rate_limited', 'too many requests at once');
    const request = this.#request(message);
    const controller = new AbortController();
    this.#inFlight.set(id, controller);
    const port = this.#port;
    this.#options.host.fetch(request, controller.signal).then(
      (answer) => {
        if (this.#port !== port || this.#inFlight.get(id) !== controller) return;
        this.#inFlight.delete(id);
        // fetch's redirect: 'manual' gives an opaque status 0; the screen follows no redirects.
        if (answer.status < 200 || answer.status > 599)
          return this.#fail(id, new Refusal('http', 'the API redirected'));
        const headers: Record<string, string> = {};
        for (const name of ANSWER_HEADERS) {
          const value = answer.headers.get(name);
          if (value !== null) headers[name] = value;
        }
        this.#send({ v: 1, id, ok: true, status: answer.status, headers, body: answer.body });
      },
      (err: unknown) => {
        if (this.#port !== port || this.#inFlight.get(id) !== controller) return;
        this.#inFlight.delete(id);
        this.#fail(id, controller.signal.aborted ? new Refusal('aborted') : asRefusal(err));
      },
    );
  }

  /** The fetch as the screen will send it, or a refusal naming the first thing wrong with it. */
  #request(message: Record<string, unknown>): ApiRequest {
    const limits = this.#limits;
    const method = typeof message.method === 'string' ? message.method.toUpperCase() : 'GET';
    if (!(METHODS as readonly string[]).includes(method))
      throw new Refusal('not_allowed_method', `got ${quote(method)}`);
    if (typeof message.url !== 'string') throw new Refusal('bad_request', 'url must be a string');
    if (message.url.length > limits.urlChars) throw new Refusal('too_large', `url over ${limits.urlChars} characters`);
    let url: URL;
    try {
      url = new URL(message.url);
    } catch {
      throw new Refusal('bad_request', `url ${quote(message.url)} is not absolute`);
    }
    if (!this.#options.apis.includes(url.origin))
      throw new Refusal(
        'not_allowed_origin',
        `${url.origin} (allowed: ${this.#options.apis.length ? this.#options.apis.join(' ') : 'none'})`,
      );
    const headers: Record<string, string> = {};
    if (message.headers !== undefined) {
      if (!isRecord(message.headers)) throw new Refusal('bad_request', 'headers must be an object of strings');
      const names = Object.keys(message.headers);
      if (names.length > limits.headers) throw new Refusal('too_large', `more than ${limits.headers} headers`);
      for (const name of names) {
        const value = message.headers[name];
        const key = name.toLowerCase();
        if (!REQUEST_HEADERS.has(key)) throw new Refusal('not_allowed_header', `got ${quote(name)}`);
        if (typeof value !== 'string') throw new Refusal('bad_request', `header ${key} must be a string`);
        if (value.length > limits.headerChars) throw new Refusal('too_large', `header ${key}`);
        // A header value is one line of visible text (RFC 9110 §5.5): no CR, LF or NUL.
        if (/[\r\n\0]/.test(value)) throw new Refusal('bad_request', `header ${key} has a line break`);
        headers[key] = value;
      }
    }
    const body = message.body ?? null;
    if (body !== null) {
      if (typeof body !== 'string') throw new Refusal('bad_request', 'body must be a string (JSON.stringify it)');
      if (method === 'GET' || method === 'HEAD') throw new Refusal('bad_request', `${method} has no body`);
      // A UTF-16 unit is at most 3 UTF-8 bytes: only long bodies need counting.
      if (body.length * 3 > limits.bodyBytes && new TextEncoder().encode(body).length > limits.bodyBytes)
        throw new Refusal('too_large', `body over ${limits.bodyBytes} bytes`);
    }
    return { method: method as Method, url, headers, body, maxBytes: limits.answerBytes };
  }
}
