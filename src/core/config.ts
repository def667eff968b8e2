/**
 * Runtime configuration: `config.json` beside index.html, then URL query parameters on top (the URL
 * wins). One static build serves many screens, so nothing here is baked in at build time.
 */
export interface Config {
  issuer: URL;
  client_id: string;
  scope: string;
  api?: URL;
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
} as const;

const KEYS = [
  'issuer',
  'client_id',
  'scope',
  'api',
  'audience',
  'resource',
  'lang',
  'dpop',
  'api_interval',
  'idle_timeout',
  'max_session',
  'show_user',
] as const;
type Key = (typeof KEYS)[number];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export const isLoopback = (url: URL): boolean => LOOPBACK.has(url.hostname);

/** https everywhere; plain http only to this machine, for development. */
export const isAllowedUrl = (url: URL): boolean =>
  url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));

/** The file and the query merged (query wins); unknown keys are ignored. */
function mergeSources(file: Record<string, unknown> | undefined, query: URLSearchParams): Partial<Record<Key, unknown>> {
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

export function parseConfig(file: Record<string, unknown> | undefined, query: URLSearchParams): ConfigResult {
  const raw = mergeSources(file, query);
  const problems: ConfigProblem[] = [];

  const issuer = parseUrl('issuer', raw.issuer, problems);
  const client_id = optionalString('client_id', raw.client_id, problems);
  if (!client_id && !problems.some((p) => p.key === 'client_id')) {
    problems.push({ key: 'client_id', problem: 'is missing' });
  }
  const scope = optionalString('scope', raw.scope, problems) ?? DEFAULT_SCOPE;
  const api = raw.api === undefined || raw.api === '' ? undefined : parseUrl('api', raw.api, problems);
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

  if (problems.length || !issuer || !client_id) return { ok: false, problems };
  return {
    ok: true,
    config: { issuer, client_id, scope, api, audience, resource, lang, dpop, api_interval, idle_timeout, max_session, show_user },
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
