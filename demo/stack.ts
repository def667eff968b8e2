// The demo servers as `npm start` runs them, on one address: the app's static server, the IdP, the
// API and a dashboard (a deployer's own page, demo/app/), each told the others' URLs. The static
// server serves two screens from the one build: / shows the API's answer, /dashboard/ frames the
// dashboard (its config.json names it as `app`). A test starts the same stack in-process.

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { preloadLink } from '../deploy/render.ts';

import { createApi } from './api.ts';
import { createDemoApp } from './app/server.ts';
import { CLIENT_ID, createIdp, idpConfiguration } from './idp.ts';
import { listen, type Listening } from './listen.ts';
import { createStatic } from './static.ts';

export interface DemoOptions {
  /** The address the servers listen on and announce, default 127.0.0.1. */
  host?: string;
  /** Defaults 4000, 4010, 4020, 4030; 0 = a free port. */
  ports?: { app?: number; idp?: number; api?: number; dashboard?: number };
  /** The built app, default dist/. */
  root: string;
}

export interface Demo {
  /** The TV's address, `http://<host>:<app port>/`. */
  app: string;
  /** The TV's address with the dashboard behind the sign-in, `<app>dashboard/`. */
  dashboardScreen: string;
  /** The dashboard's own address (on another origin than the screen's). */
  dashboard: string;
  issuer: string;
  api: string;
  /** The settings the app is served with (its config.json). */
  config: Record<string, unknown>;
  close(): Promise<void>;
}

/** Addresses the app itself accepts plain http to (src/core/config.ts `isLoopback`). */
const APP_LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startDemo({ host = '127.0.0.1', ports = {}, root }: DemoOptions): Promise<Demo> {
  const started = await Promise.allSettled([
    listen(ports.app ?? 4000, host),
    listen(ports.idp ?? 4010, host),
    listen(ports.api ?? 4020, host),
    listen(ports.dashboard ?? 4030, host),
  ]);
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const close = async () => void (await Promise.allSettled(servers.map((s) => s.close())));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason;
  }
  const [app, idp, api, dash] = servers as [Listening, Listening, Listening, Listening];
  const issuer = idp.origin;
  const apiUrl = `${api.origin}/`;
  // On this machine, by another name than the screen's: another site, as a deployer's page would be.
  const dashboard = host === '127.0.0.1' ? `http://localhost:${dash.port}/` : `${dash.origin}/`;
  const appOrigins = [app.origin, ...(host === '127.0.0.1' ? [`http://localhost:${app.port}`] : [])];

  // The build's config.json, pointed at these servers. Any other address is, to the app, a LAN
  // address: plain http to it needs the app's named exception, and DPoP needs WebCrypto, which a
  // browser offers only in a secure context (https, or this machine), so it is off.
  const lan = APP_LOOPBACK.has(host) ? {} : { allow_http_host: new URL(app.origin).hostname, dpop: false };
  const config = { ...(await readConfig(root)), issuer, api: apiUrl, ...lan };

  idp.server.on('request', createIdp(issuer, await idpConfiguration({ appOrigins, apiAudience: apiUrl })).handle);
  api.server.on('request', createApi({ issuer, audience: apiUrl, appOrigins }));
  dash.server.on('request', createDemoApp({ screenOrigin: app.origin, api: apiUrl }));
  // The page names discovery in a Link header, as deploy/nginx.conf does with --preload (docs/deploy.md).
  const pageHeaders = { Link: preloadLink(`${issuer}/.well-known/openid-configuration`) };
  app.server.on(
    'request',
    createStatic({ root, config, screens: { '/dashboard/': { ...config, app: dashboard } }, pageHeaders }),
  );
  return {
    app: `${app.origin}/`,
    dashboardScreen: `${app.origin}/dashboard/`,
    dashboard,
    issuer,
    api: apiUrl,
    config,
    close,
  };
}

async function readConfig(root: string): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(root, 'config.json'), 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // none in the build: issuer and api are added, the client is the demo IdP's
  }
  return { client_id: CLIENT_ID };
}
