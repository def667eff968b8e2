/**
 * `npm run check-config` on a screen with `app` set: the app answers and lets the screen frame it,
 * the screen's CSP lets it frame the app, embed.js is readable from the app's origin, and each
 * `app_apis` origin lets the screen call it. The command runs as a child process against the real
 * demo IdP, API and dashboard app, and nginx with deploy/nginx.conf for the screen.
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { startApi, type DemoApi } from './fixtures/api.ts';
import { startDemoApp, type DemoApp } from '../demo/app/server.ts';
import { startIdp, type Idp } from './fixtures/idp.ts';
import { NGINX, NO_NGINX, freePort, startNginx } from './fixtures/nginx.ts';

function checkConfig(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'scripts/check-config.ts', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, out, err) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: out + err }),
    );
  });
}

/** A page that refuses to be framed (/deny: X-Frame-Options, /self: frame-ancestors 'self'), on an origin with no CORS. */
async function startRefuser(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/deny') res.setHeader('X-Frame-Options', 'DENY');
    if (req.url === '/self') res.setHeader('Content-Security-Policy', "frame-ancestors 'self'");
    res.writeHead(req.method === 'OPTIONS' ? 204 : 200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const test = base.extend<{
  screenAt: { port: number; origin: string };
  idp: Idp;
  api: DemoApi;
  demoApp: DemoApp;
  refuser: { origin: string };
  configFile: (extra: Record<string, unknown>) => Promise<string>;
}>({
  screenAt: async ({}, use) => {
    const port = await freePort();
    await use({ port, origin: `http://127.0.0.1:${port}` });
  },
  idp: async ({ screenAt }, use) => {
    const idp = await startIdp({ port: 0, appOrigins: [screenAt.origin] });
    await use(idp);
    await idp.close();
  },
  api: async ({ idp, screenAt }, use) => {
    const api = await startApi({ port: 0, issuer: idp.issuer, appOrigins: [screenAt.origin] });
    await use(api);
    await api.close();
  },
  demoApp: async ({ screenAt, api }, use) => {
    const app = await startDemoApp({ port: 0, screenOrigin: screenAt.origin, api: api.url });
    await use(app);
    await app.close();
  },
  refuser: async ({}, use) => {
    const refuser = await startRefuser();
    await use(refuser);
    await refuser.close();
  },
  configFile: async ({ idp, api }, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'check-config-app-'));
    await use(async (extra) => {
      const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
      const base = { issuer: idp.issuer, client_id: 'screen-signin', scope: 'openid offline_access api:read' };
      await writeFile(file, JSON.stringify({ ...base, api: api.url, ...extra }));
      return file;
    });
    await rm(dir, { recursive: true, force: true });
  },
});

test('passes an app that answers, lets the screen frame it, and calls an API that allows the screen', async ({
  configFile,
  screenAt,
  demoApp,
  api,
}) => {
  const run = await checkConfig(await configFile({ app: demoApp.url }), '--origin', screenAt.origin);
  expect(run.out).toContain(`✓ app ${demoApp.url} answers`);
  expect(run.out).toContain(`✓ the app lets ${screenAt.origin} frame it`);
  expect(run.out).toContain(`✓ CORS: app_apis origin ${new URL(api.url).origin} allows ${screenAt.origin}`);
  expect(run.out).toContain('All checks passed');
  expect(run.code).toBe(0);
});

test('fails an app that refuses to be framed, and an app_apis origin without CORS, saying what to change', async ({
  configFile,
  screenAt,
  refuser,
  api,
}) => {
  const apis = [new URL(api.url).origin, refuser.origin];
  const denied = await checkConfig(
    await configFile({ app: `${refuser.origin}/deny`, app_apis: apis }),
    '--origin',
    screenAt.origin,
  );
  expect(denied.code).toBe(1);
  expect(denied.out).toContain(`✗ the app does not let ${screenAt.origin} frame it (X-Frame-Options: DENY)`);
  expect(denied.out).toContain(`→ send "Content-Security-Policy: frame-ancestors ${screenAt.origin}" from the app`);
  expect(denied.out).toContain(`✓ CORS: app_apis origin ${apis[0]} allows ${screenAt.origin}`);
  expect(denied.out).toContain(`✗ CORS: app_apis origin ${refuser.origin} does not allow ${screenAt.origin}`);

  const self = await checkConfig(await configFile({ app: `${refuser.origin}/self` }), '--origin', screenAt.origin);
  expect(self.out).toContain(`✗ the app does not let ${screenAt.origin} frame it (frame-ancestors 'self')`);
});

test.describe('the screen behind nginx', () => {
  test.skip(!NGINX, NO_NGINX);

  test('checks the screen’s own frame-src and that embed.js is readable from the app', async ({
    screenAt,
    idp,
    api,
    demoApp,
  }) => {
    const query = new URLSearchParams({
      issuer: idp.issuer,
      client_id: 'screen-signin',
      scope: 'openid offline_access api:read',
      api: api.url,
      app: demoApp.url,
    });
    const connectSrc = [new URL(idp.issuer).origin, new URL(api.url).origin];
    const appOrigin = new URL(demoApp.url).origin;
    for (const frameSrc of [appOrigin, undefined]) {
      const nginx = await startNginx({ port: screenAt.port, root: 'dist', connectSrc, frameSrc });
      try {
        const run = await checkConfig(`${nginx.url}?${query}`);
        expect(run.out).toContain(`✓ embed.js is readable from ${appOrigin}`);
        if (frameSrc) {
          expect(run.out).toContain(`✓ the screen's CSP lets it frame ${appOrigin}`);
          expect(run.out).toContain('All checks passed');
        } else {
          expect(run.out).toContain(`✗ the screen's CSP does not let it frame ${appOrigin} (frame-src 'none')`);
          expect(run.out).toContain(`→ render deploy/nginx.conf with --frame-src ${appOrigin}`);
          expect(run.code).toBe(1);
        }
      } finally {
        await nginx.close();
      }
    }
  });
});
