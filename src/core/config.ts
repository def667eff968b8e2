/**
 * Runtime configuration: `config.json` beside index.html, then URL query parameters on top (the URL
 * wins). One static build serves many screens, so nothing here is baked in at build time.
 */
import { parseColor } from './color';

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
}

export interface ConfigProblem {
  key: string;
  problem: string;
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
] as const;
type Key = (typeof KEYS)[number];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export const isLoopback = (url: URL): boolean => LOOPBACK.has(url.hostname);

/** https everywhere; plain http only to this machine, for development. */
export const isAllowedUrl = (url: URL): boolean =>
  url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));

/** The file and the query merged (query wins); unknown keys are ignored. */
function mergeSources(
  file: Record<string, unknown> | undefined,
  query: URLSearchParams,
): Partial<Record<Key, unknown>> {
  const raw: Partial<Record<Key, unknown>> = {};
  for (const key of KEYS) raw[key] = query.get(key) ?? file?.[key];
  return raw;
}

function parseUrl(key: string, value: unknown, problems: ConfigProblem[]): URL | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push({ key, problem: 'is missing' });
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    problems.push({ key, problem: `"${value}" is not an absolute URL` });
    return undefined;
  }
  if (!isAllowedUrl(url)) {
    problems.push({ key, problem: `must use https: (http: only for localhost), got "${url.protocol}"` });
    return undefined;
  }
  if (url.search || url.hash) {
    problems.push({ key, problem: 'must not contain a query or fragment' });
    return undefined;
  }
  return url;
}

function optionalString(key: string, value: unknown, problems: ConfigProblem[]): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    problems.push({ key, problem: 'must be a string' });
    return undefined;
  }
  return value.trim();
}

function parseBoolean(key: string, value: unknown, fallback: boolean, problems: ConfigProblem[]): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  problems.push({ key, problem: `must be true or false, got "${String(value)}"` });
  return fallback;
}

function parseSeconds(key: string, value: unknown, fallback: number, problems: ConfigProblem[]): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) {
    problems.push({ key, problem: `must be a number of seconds (0 or more), got "${String(value)}"` });
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
  const problem = !path.startsWith('/')
    ? `must be a path on this screen's own address, such as "/idp/", got "${path}"`
    : path.startsWith('//') || /[\\?#\s%]/.test(path) || path.split('/').some((s) => s === '..' || s === '.')
      ? `must be a plain path such as "/idp/", got "${path}"`
      : path === '/'
        ? 'must be a sub-path such as "/idp/", not "/" (the screen itself is served there)'
        : undefined;
  if (problem) {
    problems.push({ key: 'proxy', problem });
    return undefined;
  }
  return path.endsWith('/') ? path : `${path}/`;
}

const optionalUrl = (key: string, value: unknown, problems: ConfigProblem[]): URL | undefined =>
  value === undefined || value === null || value === '' ? undefined : parseUrl(key, value, problems);

function parseCount(key: string, value: unknown, fallback: number, problems: ConfigProblem[]): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0) {
    problems.push({ key, problem: `must be a whole number (0 or more), got "${String(value)}"` });
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
    problems.push({ key: 'logo', problem: `"${text}" is not a URL` });
    return undefined;
  }
  if (url.protocol === 'https:' || (page && url.origin === page.origin)) return url;
  problems.push({ key: 'logo', problem: `must be an https: URL or on this app's origin, got "${text}"` });
  return undefined;
}

/** A URL with https: (or loopback http:), else a problem under `key`. */
function allowedUrl(key: string, text: string, problems: ConfigProblem[]): URL | undefined {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    problems.push({ key, problem: `"${text}" is not an absolute URL` });
    return undefined;
  }
  if (isAllowedUrl(url)) return url;
  problems.push({ key, problem: `"${text}" must use https: (http: only for localhost)` });
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
): Pick<Config, 'api_view' | 'app' | 'app_apis'> {
  const view = optionalString('api_view', raw.api_view, problems) ?? 'auto';
  if (view !== 'auto' && view !== 'json')
    problems.push({ key: 'api_view', problem: `must be auto or json, got "${view}"` });
  const text = optionalString('app', raw.app, problems);
  let app = text === undefined ? undefined : allowedUrl('app', text, problems);
  if (app && page && app.origin === page.origin) {
    problems.push({ key: 'app', problem: `must be on another origin than this screen (${page.origin})` });
    app = undefined;
  }
  const list = Array.isArray(raw.app_apis)
    ? raw.app_apis
    : optionalString('app_apis', raw.app_apis, problems)?.split(/[\s,]+/);
  const app_apis: string[] = [];
  for (const item of list ?? (api ? [api.origin] : [])) {
    // An origin as CSP and CORS write it: scheme://host[:port], nothing after (a trailing slash is forgiven).
    const url = item ? allowedUrl('app_apis', String(item), problems) : undefined;
    if (url && url.href !== `${url.origin}/`)
      problems.push({ key: 'app_apis', problem: `"${String(item)}" is not an origin (scheme://host[:port], no path)` });
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
  const raw = mergeSources(file, query);
  const problems: ConfigProblem[] = [];

  const issuer = parseUrl('issuer', raw.issuer, problems);
  const client_id = optionalString('client_id', raw.client_id, problems);
  if (!client_id && !problems.some((p) => p.key === 'client_id')) {
    problems.push({ key: 'client_id', problem: 'is missing' });
  }
  const scope = optionalString('scope', raw.scope, problems) ?? DEFAULT_SCOPE;
  const api = raw.api === undefined || raw.api === '' ? undefined : parseUrl('api', raw.api, problems);
  const content = parseContent(raw, api, page, problems);
  const audience = optionalString('audience', raw.audience, problems);
  const resource = optionalString('resource', raw.resource, problems);
  if (resource !== undefined) {
    // RFC 8707 §2: an absolute URI without a fragment.
    try {
      if (new URL(resource).hash) problems.push({ key: 'resource', problem: 'must not contain a fragment' });
    } catch {
      problems.push({ key: 'resource', problem: `"${resource}" is not an absolute URI` });
    }
  }
  const lang = optionalString('lang', raw.lang, problems);
  if (lang !== undefined) {
    try {
      Intl.getCanonicalLocales(lang);
    } catch {
      problems.push({ key: 'lang', problem: `"${lang}" is not a BCP 47 language tag` });
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
  );
  const token_endpoint = optionalUrl('token_endpoint', raw.token_endpoint, problems);
  const revocation_endpoint = optionalUrl('revocation_endpoint', raw.revocation_endpoint, problems);
  const userinfo_endpoint = optionalUrl('userinfo_endpoint', raw.userinfo_endpoint, problems);
  const themeText = optionalString('theme', raw.theme, problems) ?? DEFAULTS.theme;
  const theme = themeText === 'light' || themeText === 'dark' ? themeText : DEFAULTS.theme;
  if (theme !== themeText) problems.push({ key: 'theme', problem: `must be dark or light, got "${themeText}"` });
  const title = optionalString('title', raw.title, problems);
  const logo = parseLogo(raw.logo, page, problems);
  const accent = optionalString('accent', raw.accent, problems);
  if (accent !== undefined && !parseColor(accent)) {
    problems.push({ key: 'accent', problem: `must be a colour as #rgb, #rrggbb, rgb() or hsl(), got "${accent}"` });
  }
  const kiosk = parseBoolean('kiosk', raw.kiosk, DEFAULTS.kiosk, problems);
  const max_idle_codes = parseCount('max_idle_codes', raw.max_idle_codes, DEFAULTS.max_idle_codes, problems);
  const debug = parseBoolean('debug', raw.debug, DEFAULTS.debug, problems);

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
    },
  };
}

/**
 * Reads `config.json`. Missing (404) means "all from the URL"; anything else that is not a JSON
 * object is a problem worth naming, because the deployer put the file there for a reason.
 */
export async function loadConfigFile(
  fetchFn: typeof fetch,
  url: string,
): Promise<{ file?: Record<string, unknown>; problem?: ConfigProblem }> {
  let res: Response;
  try {
    res = await fetchFn(url, { cache: 'no-store' });
  } catch {
    return { problem: { key: 'config.json', problem: 'could not be loaded' } };
  }
  if (res.status === 404) return {};
  if (!res.ok) return { problem: { key: 'config.json', problem: `answered HTTP ${res.status}` } };
  try {
    const json: unknown = await res.json();
    if (json && typeof json === 'object' && !Array.isArray(json)) return { file: json as Record<string, unknown> };
  } catch {
    // fall through
  }
  return { problem: { key: 'config.json', problem: 'is not a JSON object' } };
}
