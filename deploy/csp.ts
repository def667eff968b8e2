/**
 * Reading Content-Security-Policy headers the way a browser does, for the deploy checks
 * (scripts/check-config.ts): may this page be framed by that origin (frame-ancestors), may this
 * page frame that origin (frame-src)?
 */

/**
 * A CSP source list (frame-ancestors, frame-src) against an origin, as a browser matches it (CSP 3
 * §6.7.2): `*`, scheme sources, host sources with `*.` wildcards and ports. `self` is the page's own
 * origin. 'none' and an empty list match nothing.
 */
export function sourceListAllows(list: string, origin: string, self: string): boolean {
  const target = new URL(origin);
  const defaultPort = (scheme: string) => (scheme === 'https:' ? '443' : scheme === 'http:' ? '80' : '');
  const port = target.port || defaultPort(target.protocol);
  // An http: source allows the https: version too (CSP 3: the secure upgrade).
  const schemeOk = (scheme: string) =>
    scheme === target.protocol || (scheme === 'http:' && target.protocol === 'https:');
  return list
    .trim()
    .split(/\s+/)
    .some((source) => {
      const s = source.toLowerCase();
      if (s === "'self'") return origin === self;
      if (s === '*') return /^https?:$/.test(target.protocol);
      if (/^[a-z][a-z0-9+.-]*:$/.test(s)) return schemeOk(s);
      const m = /^(?:([a-z][a-z0-9+.-]*:)\/\/)?(\*|(?:\*\.)?[^:/]+)(?::(\d+|\*))?(?:\/.*)?$/.exec(s);
      if (!m || s.startsWith("'")) return false;
      const [, scheme, host = '', sourcePort] = m;
      if (scheme ? !schemeOk(scheme) : !schemeOk(new URL(self).protocol)) return false;
      const hostOk =
        host === '*' || host === target.hostname || (host.startsWith('*.') && target.hostname.endsWith(host.slice(1)));
      const portOk = sourcePort === '*' || (sourcePort ?? defaultPort(target.protocol)) === port;
      return hostOk && portOk;
    });
}

/** The source list of `directive` in each policy of a CSP header (comma-separated policies), falling back as browsers do. */
export function directives(header: string | null, names: string[]): string[] {
  if (!header) return [];
  const lists: string[] = [];
  for (const policy of header.split(',')) {
    const parsed = new Map(
      policy
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map((d) => [d[0]!.toLowerCase(), d.slice(1).join(' ')] as const),
    );
    const found = names.find((name) => parsed.has(name));
    if (found) lists.push(parsed.get(found)!);
  }
  return lists;
}
