import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSite, renderStandalone, TEMPLATE, type SiteOptions } from './render.ts';

const base: SiteOptions = {
  listen: '127.0.0.1:8080',
  serverName: 'screens.example.com',
  root: '/srv/screen-signin/dist',
  connectSrc: ['https://login.example.com', 'https://api.example.com'],
};

describe('renderSite', () => {
  it('fills every placeholder of deploy/nginx.conf and leaves nginx variables alone', () => {
    const site = renderSite(base);
    expect(site).not.toMatch(/\$\{[A-Z_]+\}/);
    expect(site).toContain('listen 127.0.0.1:8080;');
    expect(site).toContain('root /srv/screen-signin/dist;');
    expect(site).toContain("connect-src 'self' https://login.example.com https://api.example.com;");
    expect(site).toContain('map $uri $screen_signin_cache_control');
    expect(site).toContain('try_files $uri $uri/ =404;');
  });

  it('keeps the proxy block commented out unless proxy mode is asked for', () => {
    const off = renderSite(base);
    expect(off).toMatch(/^\s*#proxy location \^~ \/idp\/ \{$/m);
    expect(off).not.toMatch(/^\s*location \^~ \/idp\//m);
    const on = renderSite({ ...base, proxy: { path: '/entra/', idpOrigin: 'https://login.microsoftonline.com' } });
    expect(on).toMatch(/^\s*location \^~ \/entra\/ \{$/m);
    expect(on).toContain('proxy_pass https://login.microsoftonline.com/;');
    expect(on).not.toContain('#proxy');
  });

  it('sends the discovery preload with the page only, and no Link header at all without one', () => {
    const preloadMap = (site: string) => /map \$uri \$screen_signin_preload \{([^}]*)\}/.exec(site)?.[1] ?? '';
    expect(renderSite(base)).toContain('add_header Link $screen_signin_preload always;');
    // nginx sends no header whose value is empty.
    expect(preloadMap(renderSite(base))).not.toMatch(/"[^"\n]+"/);
    const url = 'https://login.example.com/.well-known/openid-configuration';
    const map = preloadMap(renderSite({ ...base, preload: url }));
    const link = `"<${url}>; rel=preload; as=fetch; crossorigin=anonymous"`;
    expect(map).toMatch(new RegExp(`^\\s*/\\s+${link.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};$`, 'm'));
    expect(map).toContain(`/index.html    ${link};`);
    expect(map).toMatch(/default\s+"";/);
    // Proxy mode: the proxy's path, on the page's own origin.
    const proxied = renderSite({
      ...base,
      connectSrc: [],
      proxy: { path: '/idp/', idpOrigin: 'https://login.example.com' },
      preload: '/idp/.well-known/openid-configuration',
    });
    expect(preloadMap(proxied)).toContain('"</idp/.well-known/openid-configuration>; rel=preload;');
  });

  it('refuses a preload the CSP would block or that would break the header or the file', () => {
    for (const preload of [
      'https://elsewhere.example.com/.well-known/openid-configuration',
      'login.example.com/.well-known/openid-configuration',
      'https://login.example.com/x>; rel=preload; as=script',
      'https://login.example.com/a b',
      'https://login.example.com/a"; add_header X y;',
      'https://login.example.com/${ROOT}',
      '',
    ])
      expect(() => renderSite({ ...base, preload }), preload).toThrow(/^render: preload/);
  });

  it('writes a clean CSP when the page calls nothing but itself (proxy mode, same-origin API)', () => {
    expect(renderSite({ ...base, connectSrc: [] })).toContain("connect-src 'self'; frame-src 'none'; frame-ancestors");
  });

  it('lets the screen frame the configured app’s origin only, and nothing without an app', () => {
    const csp = (site: string) => /Content-Security-Policy "([^"]+)"/.exec(site)?.[1].split('; ');
    expect(csp(renderSite(base))).toContain("frame-src 'none'");
    const framed = csp(renderSite({ ...base, frameSrc: 'https://rooms.example.com' }));
    expect(framed).toContain('frame-src https://rooms.example.com');
    // The screen itself stays unframeable, and the rest of the policy is as it was.
    expect(framed).toContain("frame-ancestors 'none'");
    expect(framed).toContain("default-src 'none'");
    expect(framed).toContain("img-src 'self' data:");
  });

  it('adds the image origins of the built-in view to img-src', () => {
    expect(renderSite({ ...base, imgSrc: ['https://img.example.com', 'https://cdn.example.com'] })).toContain(
      "img-src 'self' data: https://img.example.com https://cdn.example.com;",
    );
  });

  it('lets any origin read embed.js (a module script is fetched with CORS), and only embed.js', () => {
    const site = renderSite(base);
    expect(site).toMatch(/map \$uri \$screen_signin_embed_cors \{\s+\/embed\.js\s+"\*";\s+default\s+"";\s+\}/);
    expect(site).toContain('add_header Access-Control-Allow-Origin $screen_signin_embed_cors always;');
  });

  it.each([
    ['a directive smuggled into connect-src', { connectSrc: ["https://ok.example; script-src 'unsafe-inline'"] }],
    ['a path in connect-src', { connectSrc: ['https://api.example.com/v1'] }],
    ['an app page instead of an origin in frame-src', { frameSrc: 'https://rooms.example.com/board' }],
    ['a wildcard in frame-src', { frameSrc: '*' }],
    ['a directive smuggled into img-src', { imgSrc: ["https://img.example; script-src 'unsafe-inline'"] }],
    ['a relative root', { root: 'dist' }],
    ['a root with a semicolon', { root: '/srv/x; include /etc/passwd' }],
    ['a listen with a brace', { listen: '80 } server {' }],
    ['an IdP origin with a path', { proxy: { path: '/idp/', idpOrigin: 'https://login.example.com/tenant' } }],
    ['a proxy path without its slashes', { proxy: { path: 'idp', idpOrigin: 'https://login.example.com' } }],
  ])('refuses %s', (_what, change) => {
    expect(() => renderSite({ ...base, ...change })).toThrow(/^render:/);
  });

  it('fails on a placeholder it does not know instead of leaving a blank', () => {
    expect(() => renderSite(base, 'listen ${LISTEN};\nserver_name ${SERVRE_NAME};\n')).toThrow(/SERVRE_NAME/);
  });

  it('drops the usage comment but keeps the comments that explain directives', () => {
    const site = renderSite(base);
    expect(readFileSync(TEMPLATE, 'utf8')).toContain('envsubst');
    expect(site).not.toContain('envsubst');
    expect(site).toContain('drops every inherited one');
  });
});

describe('renderStandalone', () => {
  it('keeps pid, logs and temp files in the prefix, so nginx runs without root', () => {
    const conf = renderStandalone(renderSite(base), '/tmp/x');
    for (const line of [
      'pid /tmp/x/nginx.pid;',
      'error_log /tmp/x/error.log',
      'access_log /tmp/x/access.log;',
      'proxy_temp_path /tmp/x/proxy;',
      'client_body_temp_path /tmp/x/client_body;',
    ]) {
      expect(conf).toContain(line);
    }
  });
});
