/**
 * Runtime configuration: `config.json` beside index.html, then URL query parameters on top (the URL
 * wins). One static build serves many screens, so nothing here is baked in at build time.
 *
 * The URL is the less trusted source: anyone can send a link to the screen's origin (RFC 8628 §5.4
 * remote phishing). So some keys are config.json's alone (FILE_ONLY_KEYS), config.json may `lock`
 * keys against the URL, and addresses the URL gives may only point where config.json already
 * points (see `urlAddressProblems`).
 */
import { parseColor } from './color.ts';
import { UNSHOWABLE } from './showable.ts';

export interface Config {
  issuer: URL;
  client_id: string;
  scope: string;
  api?: URL;
  /** How the API's answer is shown: `auto` picks list, label/value or JSON by its shape; `json` always JSON. */
  api_view: 'auto' | 'json';
  /** The deployer's page, shown full-screen in a sandboxed frame once signed in (src/broker/). */
  app?: URL;
  /** Origins the app may call through the screen; default the origin of `api`. */
  app_apis: string[];
  audience?: string;
  resource?: string;
  lang?: string;
  /** Bind tokens to an in-memory key (RFC 9449) when the IdP supports it. */
  dpop: boolean;
  /** Seconds between API calls while signed in; 0 = call once. */
  api_interval: number;
  /** Seconds without input or API activity before the sign-out warning; 0 = never. */
  idle_timeout: number;
  /** Hard cap on a session's length in seconds; 0 = none. */
  max_session: number;
  /** Whether the signed-in person's name is shown. */
  show_user: boolean;
  /** Proxy mode: a same-origin path ("/idp/") that forwards to the IdP, for IdPs without CORS (src/core/endpoints.ts). */
  proxy?: string;
  /** Endpoints given directly, for IdPs without discovery; with the first two set, nothing is discovered. */
  device_authorization_endpoint?: URL;
  token_endpoint?: URL;
  revocation_endpoint?: URL;
  userinfo_endpoint?: URL;
  /** Colour scheme of the screen. */
  theme: 'dark' | 'light';
  /** Brand: a heading above the code, a logo (https or this app's origin), an accent colour. */
  title?: string;
  logo?: URL;
  /** A CSS colour (#rgb, #rrggbb, rgb(), hsl()); its contrast is checked where it is applied. */
  accent?: string;
  /** Signage: no cursor, no context menu, no selection; errors return to a new code by themselves. */
  kiosk: boolean;
  /** After this many codes in a row expire unused, stop asking the IdP until someone is there; 0 = never stop. */
  max_idle_codes: number;
  /** Operator overlay: effective config, endpoints, the last requests and errors (never tokens or codes). */
  debug: boolean;
  /** Which screen this is, shown beside the code so the person approving can check it is the one they see. */
  screen_name?: string;
  /** config.json only: the one host plain http: may reach besides this machine (a LAN demo). */
  allow_http_host?: string;
  /** Survive reboots: keep a DPoP-bound refresh token and its non-extractable key in IndexedDB (remember.ts). */
  remember: boolean;
}

/** What can be wrong with a setting; the UI words each one (src/i18n). */
export const CONFIG_PROBLEMS = [
  'missing', // a required key has no value
  'not_absolute_url', // not an absolute URL
  'not_url', // not a URL even relative to the page (logo)
  'not_https', // https: required (http: only for loopback); value: the scheme given
  'has_query', // a URL with a query or fragment
  'has_fragment', // an RFC 8707 resource with a fragment
  'not_absolute_uri', // an RFC 8707 resource that is no absolute URI
  'not_string',
  'not_boolean',
  'not_seconds', // not a number of seconds, 0 or more
  'not_count', // not a whole number, 0 or more
  'not_language', // not a BCP 47 language tag
  'not_theme', // neither dark nor light
  'not_view', // api_view: neither auto nor json
  'same_origin', // app: on this screen's own origin (it could read the screen's memory)
  'not_origin', // app_apis: an entry that is not an origin (scheme://host[:port])
  'not_host', // allow_http_host: not one host name or IP address
  'not_colour', // not #rgb, #rrggbb, rgb() or hsl()
  'logo_origin', // a logo neither https: nor on the app's origin
  'proxy_not_path', // proxy: not a path on this screen's own origin
  'proxy_not_plain', // proxy: "//", "..", "%", a query, …
  'proxy_root', // proxy: "/", where the screen itself is served
  'file_only', // a key only config.json may set, given in the URL
  'locked', // a key config.json locks, changed by the URL
  'not_key_list', // locked: neither "*" nor a list of known keys; value: what is wrong
  'foreign_origin', // an address from the URL on an origin config.json does not name; value: that origin
  'not_plain_text', // value: the most characters allowed; or invisible or reordering characters
  'file_unreachable', // config.json could not be loaded
  'file_status', // config.json answered an HTTP error; value: the status
  'file_timeout', // config.json did not answer in time; value: the limit in seconds
  'file_too_large', // config.json is larger than the cap; value: the cap in bytes
  'file_not_object', // config.json is not a JSON object
] as const;
export type ConfigProblemCode = (typeof CONFIG_PROBLEMS)[number];

export interface ConfigProblem {
  /** The setting concerned (or `config.json` for the file itself). */
  key: string;
  problem: ConfigProblemCode;
  /** What was given, as text, where the explanation names it. */
  value?: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

export const DEFAULT_SCOPE = 'openid profile offline_access';

/** Defaults for a shared screen; the README's configuration table repeats them. */
export const DEFAULTS = {
  dpop: true,
  api_interval: 60,
  idle_timeout: 900,
  max_session: 8 * 3600,
  show_user: true,
  theme: 'dark',
  kiosk: false,
  max_idle_codes: 3,
  debug: false,
  remember: false,
} as const;

const KEYS = [
  'issuer',
  'client_id',
  'scope',
  'api',
  'api_view',
  'app',
  'app_apis',
  'audience',
  'resource',
  'lang',
  'dpop',
  'api_interval',
  'idle_timeout',
  'max_session',
  'show_user',
  'proxy',
  'device_authorization_endpoint',
  'token_endpoint',
  'revocation_endpoint',
  'userinfo_endpoint',
  'theme',
  'title',
  'logo',
  'accent',
  'kiosk',
  'max_idle_codes',
  'debug',
  'screen_name',
  'remember',
] as const;
type Key = (typeof KEYS)[number];

/**
 * Keys only config.json may set, never the URL: they decide what the screen trusts, and a link must
 * not be able to widen that. A URL that sets one is refused, naming the key.
 */
export const FILE_ONLY_KEYS = ['locked', 'allow_http_host'] as const;
type FileOnlyKey = (typeof FILE_ONLY_KEYS)[number];

type EndpointKey = Extract<Key, `${string}_endpoint`>;
const URL_ENDPOINT_KEYS = KEYS.filter((key): key is EndpointKey => key.endsWith('_endpoint'));

const KNOWN_KEYS: ReadonlySet<string> = new Set<string>([...KEYS, ...FILE_ONLY_KEYS]);

/** A screen name is a label beside the code, not a paragraph. */
export const SCREEN_NAME_MAX = 80;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export const isLoopback = (url: URL): boolean => LOOPBACK.has(url.hostname);

/** https everywhere; plain http only to this machine, for development, or to the one `allow_http_host`. */
export const isAllowedUrl = (url: URL, allowHttpHost?: string): boolean =>
  url.protocol === 'https:' || (url.protocol === 'http:' && (isLoopback(url) || url.hostname === allowHttpHost));

/** config.json's `locked`: which keys the URL may not change. */
function parseLocked(value: unknown, problems: ConfigProblem[]): (key: Key) => boolean {
  if (value === undefined || value === null) return () => false;
  if (value === '*') return () => true;
  if (Array.isArray(value)) {
    const unknown = value.filter((k) => typeof k !== 'string' || !KNOWN_KEYS.has(k));
    if (!unknown.length) {
      const locked = new Set<unknown>(value);
      return (key) => locked.has(key);
    }
    problems.push({ key: 'locked', problem: 'not_key_list', value: unknown.map(String).join(', ') });
  } else {
    problems.push({ key: 'locked', problem: 'not_key_list', value: String(value) });
  }
  return () => false; // the problem already stops the screen
}

/** The query repeating config.json's own value changes nothing, so it is no override (old links keep working). */
const sameValue = (text: string, fileValue: unknown): boolean =>
  (typeof fileValue === 'string' || typeof fileValue === 'number' || typeof fileValue === 'boolean') &&
  String(fileValue) === text;

interface Merged {
  raw: Partial<Record<Key, unknown>> & Partial<Record<FileOnlyKey, unknown>>;
  /** The keys whose value is the URL's. */
  fromUrl: ReadonlySet<Key>;
}

/** The file and the query merged (query wins, unless config.json forbids it); unknown keys are ignored. */
function mergeSources(
  file: Record<string, unknown> | undefined,
  query: URLSearchParams,
  problems: ConfigProblem[],
): Merged {
  const raw: Merged['raw'] = {};
  const fromUrl = new Set<Key>();
  for (const key of FILE_ONLY_KEYS) {
    if (query.has(key)) problems.push({ key, problem: 'file_only' });
    raw[key] = file?.[key];
  }
  const locked = parseLocked(raw.locked, problems);
  for (const key of KEYS) {
    const text = query.get(key);
    raw[key] = file?.[key];
    if (text === null || sameValue(text, raw[key])) continue;
    if (locked(key)) {
      problems.push({ key, problem: 'locked' });
      continue;
    }
    raw[key] = text;
    fromUrl.add(key);
  }
  return { raw, fromUrl };
}

function parseUrl(key: string, value: unknown, problems: ConfigProblem[], allowHttpHost?: string): URL | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push({ key, problem: 'missing' });
    return undefined;
  }
  const url = allowedUrl(key, value, problems, allowHttpHost);
  if (!url) return undefined;
  if (url.search || url.hash) {
    problems.push({ key, problem: 'has_query' });
    return undefined;
  }
  return url;
}

function optionalString(key: string, value: unknown, problems: ConfigProblem[]): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    problems.push({ key, problem: 'not_string' });
    return undefined;
  }
  return value.trim();
}

function parseBoolean(key: string, value: unknown, fallback: boolean, problems: ConfigProblem[]): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  problems.push({ key, problem: 'not_boolean', value: String(value) });
  return fallback;
}

function parseSeconds(key: string, value: unknown, fallback: number, problems: ConfigProblem[]): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) {
    problems.push({ key, problem: 'not_seconds', value: String(value) });
    return fallback;
  }
  return n;
}

/**
 * Proxy mode's path on this screen's own origin: absolute ("/idp/"), one trailing slash added when
 * missing so that "/idp" and "/idp/" mean the same place. Not "/" (the app lives there), and nothing
 * that could leave the origin ("//host" is a network-path reference, RFC 3986 §4.2) or the prefix.
 */
function parseProxy(value: unknown, problems: ConfigProblem[]): string | undefined {
  const path = optionalString('proxy', value, problems);
  if (path === undefined) return undefined;
  const problem: ConfigProblemCode | undefined = !path.startsWith('/')
    ? 'proxy_not_path'
    : path.startsWith('//') || /[\\?#\s%]/.test(path) || path.split('/').some((s) => s === '..' || s === '.')
      ? 'proxy_not_plain'
      : path === '/'
        ? 'proxy_root'
        : undefined;
  if (problem) {
    problems.push({ key: 'proxy', problem, value: path });
    return undefined;
  }
  return path.endsWith('/') ? path : `${path}/`;
}

const optionalUrl = (
  key: string,
  value: unknown,
  problems: ConfigProblem[],
  allowHttpHost?: string,
): URL | undefined =>
  value === undefined || value === null || value === '' ? undefined : parseUrl(key, value, problems, allowHttpHost);

/**
 * A host name or IP address, nothing else (no scheme, port or path). Read from config.json only,
 * never from the URL: a link must not be able to widen where the screen sends its tokens.
 */
function parseHttpHost(value: unknown, problems: ConfigProblem[]): string | undefined {
  const text = optionalString('allow_http_host', value, problems);
  if (text === undefined) return undefined;
  try {
    const url = new URL(`http://${text}/`);
    if (url.hostname === text.toLowerCase()) return url.hostname;
  } catch {
    // not a host
  }
  problems.push({ key: 'allow_http_host', problem: 'not_host', value: text });
  return undefined;
}

function parseCount(key: string, value: unknown, fallback: number, problems: ConfigProblem[]): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0) {
    problems.push({ key, problem: 'not_count', value: String(value) });
    return fallback;
  }
  return n;
}

/** A logo may come from https anywhere or from this app's own origin (a relative path is that). */
function parseLogo(value: unknown, page: URL | undefined, problems: ConfigProblem[]): URL | undefined {
  const text = optionalString('logo', value, problems);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text, page);
  } catch {
    problems.push({ key: 'logo', problem: 'not_url', value: text });
    return undefined;
  }
  if (url.protocol === 'https:' || (page && url.origin === page.origin)) return url;
  problems.push({ key: 'logo', problem: 'logo_origin', value: text });
  return undefined;
}

/** A label a person reads: plain, short, nothing invisible or reordering. */
function parseScreenName(value: unknown, problems: ConfigProblem[]): string | undefined {
  const text = optionalString('screen_name', value, problems);
  if (text === undefined || (Array.from(text).length <= SCREEN_NAME_MAX && !UNSHOWABLE.test(text))) return text;
  problems.push({ key: 'screen_name', problem: 'not_plain_text', value: String(SCREEN_NAME_MAX) });
  return undefined;
}

const originOrUndefined = (value: unknown, base?: URL): string | undefined => {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  try {
    return new URL(value.trim(), base).origin;
  } catch {
    return undefined;
  }
};

/**
 * Where addresses from the URL may point, so that a link cannot send the device code or a token to
 * another server while the person approves at the real IdP (RFC 8628 §5.4):
 * - an endpoint (`*_endpoint`) only to the issuer's origin, or an origin config.json gives the
 *   issuer or an endpoint; `proxy` is a path on the screen's own origin anyway (parseProxy);
 * - when the issuer is config.json's, `api` (it receives the access token) only to one of those
 *   origins or config.json's `api` origin, and `logo` only to the screen's own origin or
 *   config.json's `logo` origin (a picture on the trusted screen could spell a false instruction).
 * With the issuer from the URL there is nothing to anchor `api` or `logo` to: the URL configures
 * the screen, as docs/contract.md §1 has it, and `locked` is how a deployer forbids that.
 */
function urlAddressProblems(
  file: Record<string, unknown> | undefined,
  fromUrl: ReadonlySet<Key>,
  given: Partial<Record<'issuer' | 'api' | 'logo' | 'app' | EndpointKey, URL>> & { app_apis?: readonly string[] },
  page: URL | undefined,
): ConfigProblem[] {
  if (!given.issuer) return []; // already a problem
  const named = (keys: readonly string[], base?: URL) =>
    keys.map((key) => originOrUndefined(file?.[key], base)).filter((o): o is string => o !== undefined);
  const idp = new Set([given.issuer.origin, ...named(['issuer', ...URL_ENDPOINT_KEYS])]);
  const allowed: Partial<Record<'api' | 'logo' | 'app' | EndpointKey, Set<string>>> = {};
  for (const key of URL_ENDPOINT_KEYS) allowed[key] = idp;
  if (!fromUrl.has('issuer') && named(['issuer']).length) {
    allowed.api = new Set([...idp, ...named(['api'])]);
    allowed.logo = new Set([...(page ? [page.origin] : []), ...named(['logo'], page)]);
    // The embedded app gets API answers through the screen: a link may not frame another app.
    allowed.app = new Set(named(['app']));
  }
  const problems: ConfigProblem[] = [];
  // ...nor let the app reach origins config.json did not name (its app_apis, api or the IdP's).
  if (allowed.api && fromUrl.has('app_apis')) {
    const fileApis = Array.isArray(file?.app_apis)
      ? file.app_apis
      : typeof file?.app_apis === 'string'
        ? file.app_apis.split(/[\s,]+/)
        : [];
    const apis = new Set([...allowed.api, ...fileApis.map((o) => originOrUndefined(o)).filter((o) => o !== undefined)]);
    for (const origin of given.app_apis ?? [])
      if (!apis.has(origin)) problems.push({ key: 'app_apis', problem: 'foreign_origin', value: origin });
  }
  for (const [key, origins] of Object.entries(allowed) as [keyof typeof allowed, Set<string>][]) {
    const url = given[key];
    if (fromUrl.has(key) && url && !origins.has(url.origin)) {
      problems.push({ key, problem: 'foreign_origin', value: url.origin });
    }
  }
  return problems;
}

/** A URL with https: (or loopback http:), else a problem under `key`. */
function allowedUrl(key: string, text: string, problems: ConfigProblem[], allowHttpHost?: string): URL | undefined {
  let url: URL | undefined;
  try {
    url = new URL(text.trim());
  } catch {
    problems.push({ key, problem: 'not_absolute_url', value: text });
    return undefined;
  }
  if (isAllowedUrl(url, allowHttpHost)) return url;
  problems.push({ key, problem: 'not_https', value: url.protocol });
  return undefined;
}

/**
 * `api_view`, `app` and `app_apis`. The app must live on another origin than the screen: a
 * same-origin frame could read the screen's memory, and with it the tokens.
 */
function parseContent(
  raw: Partial<Record<Key, unknown>>,
  api: URL | undefined,
  page: URL | undefined,
  problems: ConfigProblem[],
  allowHttpHost?: string,
): Pick<Config, 'api_view' | 'app' | 'app_apis'> {
  const view = optionalString('api_view', raw.api_view, problems) ?? 'auto';
  if (view !== 'auto' && view !== 'json') problems.push({ key: 'api_view', problem: 'not_view', value: view });
  const text = optionalString('app', raw.app, problems);
  let app = text === undefined ? undefined : allowedUrl('app', text, problems, allowHttpHost);
  if (app && page && app.origin === page.origin) {
    problems.push({ key: 'app', problem: 'same_origin', value: page.origin });
    app = undefined;
  }
  const list = Array.isArray(raw.app_apis)
    ? raw.app_apis
    : optionalString('app_apis', raw.app_apis, problems)?.split(/[\s,]+/);
  const app_apis: string[] = [];
  for (const item of list ?? (api ? [api.origin] : [])) {
    // An origin as CSP and CORS write it: scheme://host[:port], nothing after (a trailing slash is forgiven).
    const url = item ? allowedUrl('app_apis', String(item), problems, allowHttpHost) : undefined;
    if (url && url.href !== `${url.origin}/`)
      problems.push({ key: 'app_apis', problem: 'not_origin', value: String(item) });
    else if (url && !app_apis.includes(url.origin)) app_apis.push(url.origin);
  }
  return { api_view: view === 'json' ? 'json' : 'auto', app, app_apis };
}

/**
 * `page` is the app's own URL: relative logo paths resolve against it, and its origin may serve
 * the logo over plain http (a local demo).
 */
export function parseConfig(
  file: Record<string, unknown> | undefined,
  query: URLSearchParams,
  page?: URL,
): ConfigResult {
  const problems: ConfigProblem[] = [];
  const { raw, fromUrl } = mergeSources(file, query, problems);
  const allow_http_host = parseHttpHost(raw.allow_http_host, problems);

  const issuer = parseUrl('issuer', raw.issuer, problems, allow_http_host);
  const client_id = optionalString('client_id', raw.client_id, problems);
  if (!client_id && !problems.some((p) => p.key === 'client_id')) {
    problems.push({ key: 'client_id', problem: 'missing' });
  }
  const scope = optionalString('scope', raw.scope, problems) ?? DEFAULT_SCOPE;
  const api = raw.api === undefined || raw.api === '' ? undefined : parseUrl('api', raw.api, problems, allow_http_host);
  const content = parseContent(raw, api, page, problems, allow_http_host);
  const audience = optionalString('audience', raw.audience, problems);
  const resource = optionalString('resource', raw.resource, problems);
  if (resource !== undefined) {
    // RFC 8707 §2: an absolute URI without a fragment.
    try {
      if (new URL(resource).hash) problems.push({ key: 'resource', problem: 'has_fragment' });
    } catch {
      problems.push({ key: 'resource', problem: 'not_absolute_uri', value: resource });
    }
  }
  const lang = optionalString('lang', raw.lang, problems);
  if (lang !== undefined) {
    try {
      Intl.getCanonicalLocales(lang);
    } catch {
      problems.push({ key: 'lang', problem: 'not_language', value: lang });
    }
  }

  const dpop = parseBoolean('dpop', raw.dpop, DEFAULTS.dpop, problems);
  const show_user = parseBoolean('show_user', raw.show_user, DEFAULTS.show_user, problems);
  const api_interval = parseSeconds('api_interval', raw.api_interval, DEFAULTS.api_interval, problems);
  const idle_timeout = parseSeconds('idle_timeout', raw.idle_timeout, DEFAULTS.idle_timeout, problems);
  const max_session = parseSeconds('max_session', raw.max_session, DEFAULTS.max_session, problems);
  const proxy = parseProxy(raw.proxy, problems);
  const device_authorization_endpoint = optionalUrl(
    'device_authorization_endpoint',
    raw.device_authorization_endpoint,
    problems,
    allow_http_host,
  );
  const token_endpoint = optionalUrl('token_endpoint', raw.token_endpoint, problems, allow_http_host);
  const revocation_endpoint = optionalUrl('revocation_endpoint', raw.revocation_endpoint, problems, allow_http_host);
  const userinfo_endpoint = optionalUrl('userinfo_endpoint', raw.userinfo_endpoint, problems, allow_http_host);
  const themeText = optionalString('theme', raw.theme, problems) ?? DEFAULTS.theme;
  const theme = themeText === 'light' || themeText === 'dark' ? themeText : DEFAULTS.theme;
  if (theme !== themeText) problems.push({ key: 'theme', problem: 'not_theme', value: themeText });
  const title = optionalString('title', raw.title, problems);
  const logo = parseLogo(raw.logo, page, problems);
  const accent = optionalString('accent', raw.accent, problems);
  if (accent !== undefined && !parseColor(accent)) {
    problems.push({ key: 'accent', problem: 'not_colour', value: accent });
  }
  const kiosk = parseBoolean('kiosk', raw.kiosk, DEFAULTS.kiosk, problems);
  const max_idle_codes = parseCount('max_idle_codes', raw.max_idle_codes, DEFAULTS.max_idle_codes, problems);
  const debug = parseBoolean('debug', raw.debug, DEFAULTS.debug, problems);
  const screen_name = parseScreenName(raw.screen_name, problems);
  problems.push(
    ...urlAddressProblems(
      file,
      fromUrl,
      {
        issuer,
        api,
        logo,
        app: content.app,
        app_apis: content.app_apis,
        device_authorization_endpoint,
        token_endpoint,
        revocation_endpoint,
        userinfo_endpoint,
      },
      page,
    ),
  );
  const remember = parseBoolean('remember', raw.remember, DEFAULTS.remember, problems);

  if (problems.length || !issuer || !client_id) return { ok: false, problems };
  return {
    ok: true,
    config: {
      issuer,
      client_id,
      scope,
      api,
      ...content,
      audience,
      resource,
      lang,
      dpop,
      api_interval,
      idle_timeout,
      max_session,
      show_user,
      proxy,
      device_authorization_endpoint,
      token_endpoint,
      revocation_endpoint,
      userinfo_endpoint,
      theme,
      title,
      logo,
      accent,
      kiosk,
      max_idle_codes,
      debug,
      screen_name,
      allow_http_host,
      remember,
    },
  };
}
