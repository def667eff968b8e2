/**
 * Renders deploy/nginx.conf (the template and single source of truth) with a deployment's values,
 * and wraps it into a self-contained nginx.conf for an unprivileged run (tests, a local try).
 *
 *   npx tsx deploy/render.ts --listen '443 ssl' --server-name screens.example.com \
 *     --root /srv/screen-signin/dist --connect-src 'https://login.example.com https://api.example.com' \
 *     [--frame-src https://rooms.example.com] [--img-src 'https://images.example.com']
 *     [--proxy /idp/ --idp-origin https://login.microsoftonline.com]
 *     [--preload https://login.example.com/.well-known/openid-configuration] [--standalone /tmp/nginx-prefix]
 *
 * prints the site file (for /etc/nginx/conf.d/), or with --standalone a whole nginx.conf whose pid,
 * logs and temp files live in that folder: `nginx -p DIR -c DIR/nginx.conf -e DIR/error.log -g 'daemon off;'`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const TEMPLATE = fileURLToPath(new URL('./nginx.conf', import.meta.url));

export interface SiteOptions {
  /** What nginx's `listen` takes: "443 ssl", "127.0.0.1:8080". */
  listen: string;
  serverName: string;
  /** Absolute path of dist/. */
  root: string;
  /** Origins the page may call besides its own (CSP connect-src): the IdP's and the API's. */
  connectSrc: string[];
  /** The origin of config `app`, the only page the screen may frame; none: the screen frames nothing. */
  frameSrc?: string;
  /** https origins the built-in view may show images from (CSP img-src). */
  imgSrc?: string[];
  /** Proxy mode: turns on the `#proxy` block, forwarding `path` to `idpOrigin`. */
  proxy?: { path: string; idpOrigin: string };
  /**
   * The IdP's discovery address, for the browser to ask for with the page (a Link preload): the
   * address the screen's discovery asks for, so an absolute URL on an origin of `connectSrc`, or
   * in proxy mode the proxy's path (`/idp/.well-known/openid-configuration`).
   */
  preload?: string;
}

/** The Link header that has the browser ask for `url` (a discovery document) with the page. */
export const preloadLink = (url: string): string => `<${url}>; rel=preload; as=fetch; crossorigin=anonymous`;

/** Example values for the proxy block while it stays commented out. */
const EXAMPLE_PROXY = { path: '/idp/', idpOrigin: 'https://login.example.com' };

const ORIGIN = /^https?:\/\/[^/\s;'"]+$/;

/** Checks each value, since a stray `;` or quote would change what nginx reads. */
function check(options: SiteOptions): void {
  const fail = (what: string) => {
    throw new Error(`render: ${what}`);
  };
  if (!/^[\w.:[\] -]+$/.test(options.listen)) fail(`listen "${options.listen}" is not a listen address`);
  if (!/^[\w.*-]+( [\w.*-]+)*$/.test(options.serverName))
    fail(`server name "${options.serverName}" is not a host name`);
  if (!options.root.startsWith('/') || /[\s;{}'"$]/.test(options.root))
    fail(`root "${options.root}" must be an absolute path without spaces or ; { } ' " $`);
  for (const [what, origins] of [
    ['connect-src', options.connectSrc],
    ['frame-src', options.frameSrc ? [options.frameSrc] : []],
    ['img-src', options.imgSrc ?? []],
  ] as const)
    for (const origin of origins)
      if (!ORIGIN.test(origin)) fail(`${what} "${origin}" is not an origin (scheme://host[:port], no path)`);
  if (options.preload !== undefined) {
    // A URL as a Link header carries it: no space, quote, angle bracket, comma or ; (nor nginx's $ { }).
    const url = /^(https?:\/\/[^/\s;'"<>,{}$\\]+)?\/[^\s;'"<>,{}$\\]*$/.exec(options.preload);
    if (!url) fail(`preload "${options.preload}" is not an absolute URL or path without spaces or ; , ' " < > { } $`);
    else if (url[1] && !options.connectSrc.includes(url[1]))
      fail(`preload "${options.preload}": its origin must be in connect-src, or the CSP blocks it`);
  }
  if (options.proxy) {
    if (!/^\/[\w.~-]+(\/[\w.~-]+)*\/$/.test(options.proxy.path))
      fail(`proxy path "${options.proxy.path}" must look like /idp/`);
    if (!ORIGIN.test(options.proxy.idpOrigin))
      fail(`IdP origin "${options.proxy.idpOrigin}" is not an origin (no path, no trailing slash)`);
  }
}

/** The template with `${NAME}` placeholders filled; unknown placeholders are an error, not a silent blank. */
export function renderSite(options: SiteOptions, template = readFileSync(TEMPLATE, 'utf8')): string {
  check(options);
  const proxy = options.proxy ?? EXAMPLE_PROXY;
  const values: Record<string, string> = {
    LISTEN: options.listen,
    SERVER_NAME: options.serverName,
    ROOT: options.root,
    CONNECT_SRC: options.connectSrc.join(' '),
    FRAME_SRC: options.frameSrc ?? "'none'",
    IMG_SRC: (options.imgSrc ?? []).join(' '),
    PROXY_PATH: proxy.path,
    IDP_ORIGIN: proxy.idpOrigin,
    PRELOAD: options.preload ? preloadLink(options.preload) : '',
  };
  // The template's opening comment explains the placeholders; the rendered file needs none of it.
  const body = template.replace(/^(#[^\n]*\n)+\n/, '# Rendered from deploy/nginx.conf by deploy/render.ts.\n\n');
  let text = body.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`render: the template names an unknown placeholder \${${name}}`);
    return value;
  });
  // The CSP must not end up with "connect-src 'self' ;" style gaps when there is nothing to add.
  text = text
    .replace("connect-src 'self' ;", "connect-src 'self';")
    .replace("img-src 'self' data: ;", "img-src 'self' data:;");
  if (options.proxy) text = text.replace(/^(\s*)#proxy ?/gm, '$1');
  return text;
}

/** A whole nginx.conf around the site, with pid, logs and temp files in `prefix` (an unprivileged run). */
export function renderStandalone(site: string, prefix: string): string {
  return `# Generated by deploy/render.ts --standalone; the site part is deploy/nginx.conf.
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 128; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${prefix}/access.log;
    client_body_temp_path ${prefix}/client_body;
    proxy_temp_path ${prefix}/proxy;
    fastcgi_temp_path ${prefix}/fastcgi;
    uwsgi_temp_path ${prefix}/uwsgi;
    scgi_temp_path ${prefix}/scgi;
    sendfile on;

${site}
}
`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string', default: '443 ssl' },
      'server-name': { type: 'string', default: '_' },
      root: { type: 'string' },
      'connect-src': { type: 'string', default: '' },
      'frame-src': { type: 'string' },
      'img-src': { type: 'string', default: '' },
      proxy: { type: 'string' },
      'idp-origin': { type: 'string' },
      preload: { type: 'string' },
      standalone: { type: 'string' },
    },
  });
  if (!values.root) {
    process.stderr.write('render: --root <absolute path of dist/> is required\n');
    process.exit(2);
  }
  if (Boolean(values.proxy) !== Boolean(values['idp-origin'])) {
    process.stderr.write('render: --proxy and --idp-origin go together\n');
    process.exit(2);
  }
  const site = renderSite({
    listen: values.listen,
    serverName: values['server-name'],
    root: values.root,
    connectSrc: values['connect-src'].split(/\s+/).filter(Boolean),
    frameSrc: values['frame-src'],
    imgSrc: values['img-src'].split(/\s+/).filter(Boolean),
    proxy: values.proxy && values['idp-origin'] ? { path: values.proxy, idpOrigin: values['idp-origin'] } : undefined,
    preload: values.preload,
  });
  process.stdout.write(values.standalone ? renderStandalone(site, values.standalone) : site);
}
