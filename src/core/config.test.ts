import { describe, expect, it } from 'vitest';
import { DEFAULT_SCOPE, DEFAULTS, FILE_ONLY_KEYS, parseConfig, SCREEN_NAME_MAX, type ConfigResult } from './config';

const q = (s = '') => new URLSearchParams(s);
const valid = { issuer: 'https://idp.example', client_id: 'screen-signin' };

function problems(result: ConfigResult) {
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.config)}`);
  return result.problems;
}
function config(result: ConfigResult) {
  if (!result.ok) throw new Error(`expected a config, got ${JSON.stringify(result.problems)}`);
  return result.config;
}
const keys = (result: ConfigResult) => problems(result).map((p) => p.key);

describe('parseConfig', () => {
  it('accepts a valid config.json and types its values', () => {
    const c = config(
      parseConfig(
        {
          ...valid,
          scope: 'openid',
          api: 'https://api.example/me',
          audience: 'tv-api',
          resource: 'https://api.example/',
          lang: 'de-DE',
        },
        q(),
      ),
    );
    expect(c.issuer).toBeInstanceOf(URL);
    expect(c.issuer.href).toBe('https://idp.example/');
    expect(c.client_id).toBe('screen-signin');
    expect(c.scope).toBe('openid');
    expect(c.api?.href).toBe('https://api.example/me');
    expect(c.audience).toBe('tv-api');
    expect(c.resource).toBe('https://api.example/');
    expect(c.lang).toBe('de-DE');
  });

  it('lets URL query parameters override the file', () => {
    const c = config(
      parseConfig({ ...valid, scope: 'openid' }, q('issuer=https://other.example&client_id=tv-2&scope=openid+email')),
    );
    expect(c.issuer.href).toBe('https://other.example/');
    expect(c.client_id).toBe('tv-2');
    expect(c.scope).toBe('openid email');
  });

  it('works from the query alone when there is no file', () => {
    const c = config(parseConfig(undefined, q('issuer=https://idp.example&client_id=screen-signin')));
    expect(c.client_id).toBe('screen-signin');
  });

  it('names both issuer and client_id when they are missing', () => {
    const p = problems(parseConfig({}, q()));
    expect(p).toEqual(
      expect.arrayContaining([
        { key: 'issuer', problem: 'missing' },
        { key: 'client_id', problem: 'missing' },
      ]),
    );
  });

  it('treats an empty or blank issuer as missing', () => {
    expect(problems(parseConfig({ ...valid, issuer: '   ' }, q()))).toEqual([{ key: 'issuer', problem: 'missing' }]);
  });

  it('refuses an issuer that is not an absolute URL and quotes it', () => {
    const p = problems(parseConfig({ ...valid, issuer: 'idp.example' }, q()));
    expect(p).toEqual([{ key: 'issuer', problem: 'not_absolute_url', value: 'idp.example' }]);
  });

  it('refuses a plain-http issuer on another host', () => {
    const p = problems(parseConfig({ ...valid, issuer: 'http://idp.example' }, q()));
    expect(p).toEqual([{ key: 'issuer', problem: 'not_https', value: 'http:' }]);
  });

  it.each(['http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080'])(
    'allows a plain-http issuer on this machine (%s)',
    (issuer) => {
      expect(config(parseConfig({ ...valid, issuer }, q())).issuer.protocol).toBe('http:');
    },
  );

  it('refuses an issuer with a query or fragment', () => {
    expect(keys(parseConfig({ ...valid, issuer: 'https://idp.example/?tenant=a' }, q()))).toEqual(['issuer']);
    expect(keys(parseConfig({ ...valid, issuer: 'https://idp.example/#x' }, q()))).toEqual(['issuer']);
  });

  it.each(['not a url', 'http://api.example/me', 'ftp://api.example/'])('refuses an invalid api URL (%s)', (api) => {
    expect(keys(parseConfig({ ...valid, api }, q()))).toEqual(['api']);
  });

  it('leaves api undefined when it is not configured', () => {
    expect(config(parseConfig(valid, q())).api).toBeUndefined();
  });

  it('uses the default scope when none is given', () => {
    expect(config(parseConfig(valid, q())).scope).toBe(DEFAULT_SCOPE);
    expect(DEFAULT_SCOPE).toBe('openid profile offline_access');
  });

  it('refuses a lang that is not a BCP 47 tag', () => {
    const p = problems(parseConfig({ ...valid, lang: 'en_US' }, q()));
    expect(p).toEqual([{ key: 'lang', problem: 'not_language', value: 'en_US' }]);
  });

  it('refuses a client_id that is not a string', () => {
    expect(problems(parseConfig({ ...valid, client_id: 42 }, q()))).toEqual([
      { key: 'client_id', problem: 'not_string' },
    ]);
  });

  it('refuses a resource that is not an absolute URI or has a fragment (RFC 8707 §2)', () => {
    expect(keys(parseConfig({ ...valid, resource: 'api' }, q()))).toEqual(['resource']);
    expect(keys(parseConfig({ ...valid, resource: 'https://api.example/#frag' }, q()))).toEqual(['resource']);
  });

  it('reports every problem at once, not only the first', () => {
    expect(keys(parseConfig({ issuer: 'http://idp.example', api: 'nope', lang: 'en_US' }, q())).sort()).toEqual([
      'api',
      'client_id',
      'issuer',
      'lang',
    ]);
  });
});

describe('parseConfig: screen settings', () => {
  it('uses the shared-screen defaults when nothing is set', () => {
    const c = config(parseConfig(valid, q()));
    const picked = Object.fromEntries(Object.keys(DEFAULTS).map((key) => [key, c[key as keyof typeof DEFAULTS]]));
    expect(picked).toEqual(DEFAULTS);
  });

  it('reads booleans and seconds from the query as text', () => {
    const c = config(parseConfig(valid, q('dpop=false&show_user=0&api_interval=30&idle_timeout=0&max_session=3600')));
    expect(c.dpop).toBe(false);
    expect(c.show_user).toBe(false);
    expect(c.api_interval).toBe(30);
    expect(c.idle_timeout).toBe(0);
    expect(c.max_session).toBe(3600);
  });

  it('reads JSON booleans and numbers from the file', () => {
    const c = config(parseConfig({ ...valid, dpop: false, idle_timeout: 120 }, q()));
    expect(c.dpop).toBe(false);
    expect(c.idle_timeout).toBe(120);
  });

  it('names a boolean setting that is neither true nor false', () => {
    expect(keys(parseConfig({ ...valid, dpop: 'yes' }, q()))).toEqual(['dpop']);
  });

  it.each(['-1', 'soon'])('names a seconds setting that is not 0 or more (%s)', (value) => {
    expect(keys(parseConfig(valid, q(`idle_timeout=${value}`)))).toEqual(['idle_timeout']);
  });
});

describe('parseConfig: proxy mode and endpoints given directly', () => {
  it('takes a proxy path and adds the trailing slash the mapping needs', () => {
    expect(config(parseConfig({ ...valid, proxy: '/idp/' }, q())).proxy).toBe('/idp/');
    expect(config(parseConfig(valid, q('proxy=/auth/entra'))).proxy).toBe('/auth/entra/');
    expect(config(parseConfig(valid, q())).proxy).toBeUndefined();
  });

  it.each([
    ['idp/', 'proxy_not_path'],
    ['https://proxy.example/idp/', 'proxy_not_path'],
    ['//evil.example/idp/', 'proxy_not_plain'],
    ['/idp/../assets/', 'proxy_not_plain'],
    ['/idp/%2e%2e/', 'proxy_not_plain'],
    ['/idp/?x=1', 'proxy_not_plain'],
    ['/', 'proxy_root'],
  ])('refuses the proxy "%s", naming the key', (proxy, problem) => {
    const p = problems(parseConfig({ ...valid, proxy }, q()));
    expect(p).toEqual([{ key: 'proxy', problem, value: proxy }]);
  });

  it('takes endpoints given directly as URLs', () => {
    const c = config(
      parseConfig(
        {
          ...valid,
          device_authorization_endpoint: 'https://github.com/login/device/code',
          token_endpoint: 'https://github.com/login/oauth/access_token',
          revocation_endpoint: 'https://idp.example/revoke',
          userinfo_endpoint: 'https://idp.example/userinfo',
        },
        q(),
      ),
    );
    expect(c.device_authorization_endpoint?.href).toBe('https://github.com/login/device/code');
    expect(c.token_endpoint?.href).toBe('https://github.com/login/oauth/access_token');
    expect(c.revocation_endpoint?.href).toBe('https://idp.example/revoke');
    expect(c.userinfo_endpoint?.href).toBe('https://idp.example/userinfo');
  });

  it('holds endpoints given directly to the same rules as the issuer (https, absolute)', () => {
    const p = problems(
      parseConfig(
        { ...valid, token_endpoint: 'http://idp.example/token', device_authorization_endpoint: '/device' },
        q(),
      ),
    );
    expect(p.map((x) => x.key).sort()).toEqual(['device_authorization_endpoint', 'token_endpoint']);
  });
});

describe('parseConfig: look and signage', () => {
  const page = new URL('http://127.0.0.1:4000/tv/index.html');

  it('defaults to the dark theme, no kiosk mode and 3 idle codes', () => {
    const c = config(parseConfig(valid, q()));
    expect({ theme: c.theme, kiosk: c.kiosk, max_idle_codes: c.max_idle_codes }).toEqual({
      theme: 'dark',
      kiosk: false,
      max_idle_codes: 3,
    });
    expect([c.title, c.logo, c.accent]).toEqual([undefined, undefined, undefined]);
  });

  it('reads theme, title, accent, kiosk and max_idle_codes from the query', () => {
    const c = config(parseConfig(valid, q('theme=light&title=Room+4&accent=%23ff8800&kiosk=true&max_idle_codes=0')));
    expect(c.theme).toBe('light');
    expect(c.title).toBe('Room 4');
    expect(c.accent).toBe('#ff8800');
    expect(c.kiosk).toBe(true);
    expect(c.max_idle_codes).toBe(0);
  });

  it('names a theme that is neither dark nor light', () => {
    expect(problems(parseConfig({ ...valid, theme: 'blue' }, q()))).toEqual([
      { key: 'theme', problem: 'not_theme', value: 'blue' },
    ]);
  });

  it.each(['#ff8800', '#f80', 'rgb(255, 136, 0)', 'rgb(255 136 0)', 'hsl(32, 100%, 50%)'])(
    'accepts the accent colour %s',
    (accent) => {
      expect(config(parseConfig({ ...valid, accent }, q())).accent).toBe(accent);
    },
  );

  it.each(['orange', '#ff880080', 'rgba(0,0,0,0.5)', 'rgb(300, 0, 0)', 'url(x)', '#ggg'])(
    'names an accent it cannot check the contrast of (%s)',
    (accent) => {
      expect(keys(parseConfig({ ...valid, accent }, q()))).toEqual(['accent']);
    },
  );

  it('accepts a logo over https or on the app origin, resolving a relative path against the page', () => {
    expect(config(parseConfig({ ...valid, logo: 'https://cdn.example/logo.svg' }, q(), page)).logo?.href).toBe(
      'https://cdn.example/logo.svg',
    );
    expect(config(parseConfig({ ...valid, logo: 'brand/logo.png' }, q(), page)).logo?.href).toBe(
      'http://127.0.0.1:4000/tv/brand/logo.png',
    );
    expect(config(parseConfig({ ...valid, logo: 'http://127.0.0.1:4000/logo.png' }, q(), page)).logo?.origin).toBe(
      page.origin,
    );
  });

  it.each([
    'http://cdn.example/logo.svg',
    '//cdn.example/logo.svg',
    'data:image/svg+xml,<svg/>',
    'javascript:alert(1)',
  ])('refuses a logo that is neither https nor on the app origin (%s)', (logo) => {
    expect(keys(parseConfig({ ...valid, logo }, q(), page))).toEqual(['logo']);
  });

  it.each(['-1', '1.5', 'many'])('names a max_idle_codes that is not a whole number (%s)', (value) => {
    expect(keys(parseConfig(valid, q(`max_idle_codes=${value}`)))).toEqual(['max_idle_codes']);
  });
});

describe('parseConfig: operator diagnostics', () => {
  it('keeps the debug overlay off unless debug=true', () => {
    expect(config(parseConfig(valid, q())).debug).toBe(false);
    expect(config(parseConfig(valid, q('debug=true'))).debug).toBe(true);
    expect(keys(parseConfig(valid, q('debug=maybe')))).toEqual(['debug']);
  });
});

describe('parseConfig: allow_http_host, the named exception for a LAN demo', () => {
  const lan = { ...valid, issuer: 'http://192.168.1.20:4010', api: 'http://192.168.1.20:4020/' };

  it('refuses plain http to a LAN address without it', () => {
    expect(keys(parseConfig(lan, q()))).toEqual(['issuer', 'api']);
  });

  it('accepts plain http to exactly that host when config.json names it', () => {
    const c = config(parseConfig({ ...lan, allow_http_host: '192.168.1.20' }, q()));
    expect(c.allow_http_host).toBe('192.168.1.20');
    expect(c.issuer.href).toBe('http://192.168.1.20:4010/');
    expect(c.api?.href).toBe('http://192.168.1.20:4020/');
    const other = parseConfig({ ...lan, allow_http_host: '192.168.1.20' }, q('api=http://192.168.1.21:4020/'));
    expect(keys(other)).toEqual(['api']);
  });

  it('is refused in the URL, naming it: a link cannot widen where tokens go', () => {
    const result = parseConfig(lan, q('allow_http_host=192.168.1.20'));
    expect(keys(result)).toEqual(['allow_http_host', 'issuer', 'api']);
    expect(problems(parseConfig(valid, q('allow_http_host=192.168.1.20')))).toEqual([
      { key: 'allow_http_host', problem: 'file_only' },
    ]);
  });

  it.each(['http://192.168.1.20', '192.168.1.20:4010', '192.168.1.20/x', 'a b', 'user@host'])(
    'names a value that is not one host (%s)',
    (value) => {
      expect(keys(parseConfig({ ...valid, allow_http_host: value }, q()))).toEqual(['allow_http_host']);
    },
  );
});

describe('parseConfig: what a link may change (RFC 8628 §5.4 remote phishing)', () => {
  const page = new URL('https://screens.example/room/');
  const crafted = 'https://evil.example';

  it('refuses a URL issuer when config.json locks it, naming the key and keeping the file out of it', () => {
    const p = problems(parseConfig({ ...valid, locked: ['issuer'] }, q(`issuer=${crafted}`)));
    expect(p).toEqual([{ key: 'issuer', problem: 'locked' }]);
  });

  it('still lets the URL change the keys config.json does not lock', () => {
    const c = config(parseConfig({ ...valid, locked: ['issuer'] }, q('client_id=tv-2&screen_name=Room+2')));
    expect([c.issuer.href, c.client_id, c.screen_name]).toEqual(['https://idp.example/', 'tv-2', 'Room 2']);
  });

  it('locks every key with "*", even one config.json leaves unset', () => {
    const p = problems(parseConfig({ ...valid, locked: '*' }, q('client_id=tv-2&title=Hello&dpop=false')));
    expect(p).toEqual([
      { key: 'client_id', problem: 'locked' },
      { key: 'dpop', problem: 'locked' },
      { key: 'title', problem: 'locked' },
    ]);
  });

  it("accepts a locked key the URL repeats with config.json's own value, so old links keep working", () => {
    const file = { ...valid, dpop: false, locked: '*' };
    const c = config(parseConfig(file, q('issuer=https://idp.example&client_id=screen-signin&dpop=false')));
    expect(c.dpop).toBe(false);
  });

  it('counts an empty URL value as a change: a link may not unset a locked api', () => {
    const file = { ...valid, api: 'https://api.example/me', locked: ['api'] };
    expect(problems(parseConfig(file, q('api=')))).toEqual([{ key: 'api', problem: 'locked' }]);
  });

  it.each(FILE_ONLY_KEYS)('never takes %s from the URL: only config.json may set it', (key) => {
    const p = problems(parseConfig(valid, q(`${key}=*`)));
    expect(p).toEqual([{ key, problem: 'file_only' }]);
  });

  it("does not let a URL's locked lift config.json's", () => {
    const p = problems(parseConfig({ ...valid, locked: ['issuer'] }, q(`locked=&issuer=${crafted}`)));
    expect(p).toEqual([
      { key: 'locked', problem: 'file_only' },
      { key: 'issuer', problem: 'locked' },
    ]);
  });

  it.each([
    ['a key that does not exist', ['issuer', 'isuer'], 'isuer'],
    ['a single key instead of a list', 'issuer', 'issuer'],
    ['a number in the list', ['issuer', 4], '4'],
  ])('names a locked that is %s', (_what, locked, value) => {
    expect(problems(parseConfig({ ...valid, locked }, q()))).toEqual([
      { key: 'locked', problem: 'not_key_list', value },
    ]);
  });

  it("refuses a URL endpoint on another origin than the issuer's, even without config.json", () => {
    const query = q(`issuer=https://idp.example&client_id=tv&token_endpoint=${crafted}/token`);
    expect(problems(parseConfig(undefined, query))).toEqual([
      { key: 'token_endpoint', problem: 'foreign_origin', value: crafted },
    ]);
  });

  it("accepts URL endpoints on the issuer's origin (GitHub's are on github.com)", () => {
    const query = q(
      'issuer=https://github.com&client_id=tv&device_authorization_endpoint=https://github.com/login/device/code' +
        '&token_endpoint=https://github.com/login/oauth/access_token',
    );
    expect(config(parseConfig(undefined, query)).token_endpoint?.href).toBe(
      'https://github.com/login/oauth/access_token',
    );
  });

  it('accepts a URL endpoint on an origin config.json already gives an endpoint (Entra userinfo on Graph)', () => {
    const file = { ...valid, userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo' };
    const c = config(parseConfig(file, q('userinfo_endpoint=https://graph.microsoft.com/v1.0/me')));
    expect(c.userinfo_endpoint?.href).toBe('https://graph.microsoft.com/v1.0/me');
  });

  it("refuses a URL api on another server when the issuer is config.json's: the token would go there", () => {
    const file = { ...valid, api: 'https://api.example/me' };
    expect(problems(parseConfig(file, q(`api=${crafted}/collect`)))).toEqual([
      { key: 'api', problem: 'foreign_origin', value: crafted },
    ]);
    expect(problems(parseConfig({ ...valid, locked: ['issuer'] }, q(`api=${crafted}/collect`)))).toEqual([
      { key: 'api', problem: 'foreign_origin', value: crafted },
    ]);
  });

  it("accepts a URL api on the origin of config.json's api or issuer", () => {
    const file = { ...valid, api: 'https://api.example/me' };
    expect(config(parseConfig(file, q('api=https://api.example/rooms/4'))).api?.href).toBe(
      'https://api.example/rooms/4',
    );
    expect(config(parseConfig(file, q('api=https://idp.example/userinfo'))).api?.href).toBe(
      'https://idp.example/userinfo',
    );
  });

  it('lets a URL that sets the issuer set api anywhere, as docs/contract.md §1 has it', () => {
    const query = q('issuer=https://login.example&client_id=tv&api=https://api.example/me');
    expect(config(parseConfig(undefined, query)).api?.href).toBe('https://api.example/me');
    expect(config(parseConfig(valid, query)).api?.href).toBe('https://api.example/me');
  });

  it("refuses a URL logo from another server when the issuer is config.json's, but not one on the screen's origin", () => {
    expect(problems(parseConfig(valid, q(`logo=${crafted}/logo.png`), page))).toEqual([
      { key: 'logo', problem: 'foreign_origin', value: crafted },
    ]);
    expect(config(parseConfig(valid, q('logo=/brand/room4.svg'), page)).logo?.href).toBe(
      'https://screens.example/brand/room4.svg',
    );
    const file = { ...valid, logo: 'https://cdn.example/brand/a.svg' };
    expect(config(parseConfig(file, q('logo=https://cdn.example/brand/b.svg'), page)).logo?.href).toBe(
      'https://cdn.example/brand/b.svg',
    );
  });
});

describe('parseConfig: screen_name', () => {
  it('reads the name of the screen from config.json or the URL', () => {
    expect(config(parseConfig({ ...valid, screen_name: 'Room 4.12, 4th floor' }, q())).screen_name).toBe(
      'Room 4.12, 4th floor',
    );
    expect(config(parseConfig(valid, q('screen_name=Lobby'))).screen_name).toBe('Lobby');
    expect(config(parseConfig(valid, q())).screen_name).toBeUndefined();
  });

  it.each([
    ['too long for a label', 'R'.repeat(SCREEN_NAME_MAX + 1)],
    ['a right-to-left override (it reads reversed)', 'Room \u202e21.4'],
    ['a zero-width space', 'Room\u200b 4'],
    ['a line break', 'Room 4\nGo to evil.example'],
  ])('refuses a screen_name that is %s', (_what, screen_name) => {
    expect(problems(parseConfig({ ...valid, screen_name }, q()))).toEqual([
      { key: 'screen_name', problem: 'not_plain_text', value: String(SCREEN_NAME_MAX) },
    ]);
  });

  it('accepts a screen_name of exactly the longest length, in any script', () => {
    const name = '会'.repeat(SCREEN_NAME_MAX);
    expect(config(parseConfig({ ...valid, screen_name: name }, q())).screen_name).toBe(name);
  });
});
