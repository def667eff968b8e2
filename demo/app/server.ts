// The demo dashboard app: a deployer's own page behind the sign-in (docs/embedding.md). The screen
// shows it in its frame when `app` points here; it calls the demo API only through the screen's
// embed.js, so it never holds a token. It serves three files and nothing else.
//
//   const demoApp = await startDemoApp({ port: 4030, screenOrigin: 'http://127.0.0.1:4000', api: 'http://127.0.0.1:4020/' });

import type * as http from 'node:http';
import { readFile } from 'node:fs/promises';

import { esc } from '../html.ts';
import { listen } from '../listen.ts';

export interface DemoAppSettings {
  /** The screen that frames the app: embed.js comes from there, and only it may frame the app. */
  screenOrigin: string;
  /** The API the schedule comes from (the page's `?api=` overrides it). */
  api: string;
}

export interface DemoApp {
  /** `http://${host}:${port}/` */
  url: string;
  port: number;
  close(): Promise<void>;
}

const FILES: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
};

/** The request handler: the three files, with headers that let only the screen frame them. */
export function createDemoApp(opts: DemoAppSettings): http.RequestListener {
  const screen = new URL(opts.screenOrigin).origin;
  const headers = {
    // No network of its own (connect-src 'none'): every API call goes through the screen.
    'Content-Security-Policy': `default-src 'none'; script-src 'self' ${screen}; style-src 'self'; img-src 'self' https:; connect-src 'none'; frame-ancestors ${screen}; base-uri 'none'; form-action 'none'`,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const file = FILES[path];
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    let body = await readFile(new URL(file[0], import.meta.url), 'utf8');
    if (path === '/') body = body.replace('{{screen}}', esc(`${screen}/`)).replace('{{api}}', esc(opts.api));
    res.writeHead(200, { ...headers, 'Content-Type': file[1] }).end(req.method === 'HEAD' ? undefined : body);
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('[demo-app] error:', err);
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}

/**
 * The app on its own server on 127.0.0.1. `host` is the name in its address (default localhost:
 * another origin than a screen on 127.0.0.1, and another site too).
 */
export async function startDemoApp(opts: DemoAppSettings & { port?: number; host?: string }): Promise<DemoApp> {
  const server = await listen(opts.port ?? 4030);
  server.server.on('request', createDemoApp(opts));
  return { url: `http://${opts.host ?? 'localhost'}:${server.port}/`, port: server.port, close: server.close };
}
