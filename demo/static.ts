// Static file server for the built app (`dist/`).

import type * as http from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import * as path from 'node:path';

import { listen } from './listen.ts';

export interface StaticOptions {
  /** default 4000, 0 = free */
  port?: number;
  /** the address to listen on, default 127.0.0.1 */
  host?: string;
  /** directory to serve, e.g. 'dist' */
  root: string;
  /** when set, served as /config.json instead of the file */
  config?: Record<string, unknown>;
  /**
   * More screens from the same build, by directory: `{ '/dashboard/': config }` serves the build
   * under /dashboard/ too (its paths are relative), with that config as /dashboard/config.json (the
   * app reads the config.json beside its page).
   */
  screens?: Record<string, Record<string, unknown>>;
  /** extra response headers on every response */
  headers?: Record<string, string>;
  /** extra response headers on the page (index.html) only, read at each request: deploy/nginx.conf's Link preload */
  pageHeaders?: Record<string, string>;
}

export interface StaticServer {
  /** `http://<host>:<port>/` */
  url: string;
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Served gzipped to a client that accepts it, as deploy/nginx.conf does (gzip_comp_level 6,
 * gzip_min_length 256, the same types; nginx gzips HTML always): `npm run bench` measures the
 * transfer a deployed screen makes.
 */
const COMPRESSED = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg']);
const MIN_COMPRESSED = 256;
const gzipped = promisify(gzip);

/** The request handler: files under `opts.root`, `opts.config` as /config.json, `opts.screens`. */
export function createStatic(opts: Omit<StaticOptions, 'port' | 'host'>): http.RequestListener {
  const root = path.resolve(opts.root);
  const extraHeaders = opts.headers ?? {};
  const json = (config: Record<string, unknown>) => JSON.stringify(config, null, 2);
  const configs = new Map<string, string>();
  if (opts.config) configs.set('/config.json', json(opts.config));
  for (const [dir, config] of Object.entries(opts.screens ?? {})) configs.set(`${dir}config.json`, json(config));
  const dirs = Object.keys(opts.screens ?? {});
  /** Gzipped files by path, kept while the file's size and mtime stay the same. */
  const zipped = new Map<string, { key: string; body: Promise<Buffer> }>();
  const zippedFile = (filePath: string, key: string): Promise<Buffer> => {
    const cached = zipped.get(filePath);
    if (cached?.key === key) return cached.body;
    const entry = { key, body: readFile(filePath).then((raw) => gzipped(raw, { level: 6 })) };
    zipped.set(filePath, entry);
    // A failed read is this request's 500, not every later one's.
    entry.body.catch(() => zipped.get(filePath) === entry && zipped.delete(filePath));
    return entry.body;
  };

  function finish(
    res: http.ServerResponse,
    status: number,
    headers: Record<string, string | number>,
    body?: string | Buffer,
  ): void {
    res.statusCode = status;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
    res.end(body);
  }

  function notFound(res: http.ServerResponse): void {
    finish(res, 404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, 'Not found\n');
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      finish(res, 405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }, 'Method not allowed\n');
      return;
    }
    const rawPath = (req.url ?? '/').split(/[?#]/)[0] || '/';
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(rawPath);
    } catch {
      finish(res, 400, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Bad request\n');
      return;
    }
    if (urlPath.includes('\0')) {
      finish(res, 400, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Bad request\n');
      return;
    }
    if (urlPath.endsWith('/')) urlPath += 'index.html';
    const configBody = configs.get(urlPath);
    const dir = dirs.find((d) => urlPath.startsWith(d));
    if (dir) urlPath = `/${urlPath.slice(dir.length)}`;

    if (configBody !== undefined) {
      finish(
        res,
        200,
        {
          'Content-Type': TYPES['.json'] ?? 'application/json',
          'Content-Length': Buffer.byteLength(configBody),
          'Cache-Control': 'no-store',
        },
        req.method === 'HEAD' ? undefined : configBody,
      );
      return;
    }

    // Resolve under root and refuse anything that escapes it (../, absolute paths, encoded slashes).
    const filePath = path.resolve(root, `.${path.posix.normalize(urlPath)}`);
    if (filePath !== root && !filePath.startsWith(root + path.sep)) {
      notFound(res);
      return;
    }
    let size: number;
    let version: string;
    try {
      const info = await stat(filePath);
      if (!info.isFile()) {
        notFound(res);
        return;
      }
      size = info.size;
      version = `${info.size}:${info.mtimeMs}`;
    } catch {
      notFound(res);
      return;
    }

    const ext = path.extname(filePath).toLowerCase();
    const base = path.basename(filePath);
    const headers: Record<string, string | number> = {
      // embed.js is imported by the deployer's page on its own origin: a module script is fetched with CORS.
      ...(urlPath === '/embed.js' ? { 'Access-Control-Allow-Origin': '*' } : {}),
      ...(base === 'index.html' ? opts.pageHeaders : {}),
      'Content-Type': TYPES[ext] ?? 'application/octet-stream',
      'Content-Length': size,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control':
        base === 'index.html' || base === 'config.json'
          ? 'no-store'
          : rawPath.startsWith('/assets/')
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
    };
    const compressible = COMPRESSED.has(ext) && size >= MIN_COMPRESSED;
    if (compressible) headers['Vary'] = 'Accept-Encoding';
    if (compressible && /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''))) {
      const body = await zippedFile(filePath, version);
      finish(
        res,
        200,
        { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': body.length },
        req.method === 'HEAD' ? undefined : body,
      );
      return;
    }
    if (req.method === 'HEAD') {
      finish(res, 200, headers);
      return;
    }
    res.statusCode = 200;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
    const stream = createReadStream(filePath);
    stream.on('error', (err) => {
      console.error('[demo-static] read error:', err);
      res.destroy(err);
    });
    stream.pipe(res);
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('[demo-static] error:', err);
      if (!res.headersSent) finish(res, 500, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Server error\n');
      else res.end();
    });
  };
}

export async function startStatic(opts: StaticOptions): Promise<StaticServer> {
  const server = await listen(opts.port ?? 4000, opts.host);
  server.server.on('request', createStatic(opts));
  return { url: `${server.origin}/`, port: server.port, close: server.close };
}
