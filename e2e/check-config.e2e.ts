/**
 * `npm run check-config` against the real demo IdP, with its CORS on and off, and through nginx in
 * proxy mode. The command runs as a child process, as a deployer would run it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { startApi, type DemoApi } from './fixtures/api.ts';
import { startIdp, type Idp } from './fixtures/idp.ts';
import { NGINX, NO_NGINX, freePort, startNginx } from './fixtures/nginx.ts';

const SCREEN = 'http://127.0.0.1:4999';
/** The demo IdP's user codes: eight consonants, BCDF-GHJK. */
const USER_CODE = /\b[B-DF-HJ-NP-TV-Z]{4}-[B-DF-HJ-NP-TV-Z]{4}\b/;

interface Run {
  code: number;
  out: string;
}

/** Runs the command without blocking this process, which hosts the IdP it talks to. */
function checkConfig(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'scripts/check-config.ts', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: stdout + stderr });
      },
    );
  });
}

const test = base.extend<{ cors: boolean; appOrigin: string; idp: Idp; api: DemoApi; configFile: string }>({
  cors: [true, { option: true }],
  appOrigin: [SCREEN, { option: true }],
  idp: async ({ cors, appOrigin }, use) => {
    const idp = await startIdp({ port: 0, appOrigins: [appOrigin], cors });
    await use(idp);
    await idp.close();
  },
  api: async ({ idp, appOrigin }, use) => {
    const api = await startApi({ port: 0, issuer: idp.issuer, appOrigins: [appOrigin] });
    await use(api);
    await api.close();
  },
  configFile: async ({ idp, api }, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'check-config-'));
    const file = join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({
        issuer: idp.issuer,
        client_id: 'screen-signin',
        scope: 'openid profile offline_access api:read',
        api: api.url,
      }),
    );
    await use(file);
    await rm(dir, { recursive: true, force: true });
  },
});

test('passes a config whose IdP and API allow the screen origin, and masks the user code', async ({ configFile }) => {
  const run = await checkConfig(configFile, '--origin', SCREEN);
  expect(run.out).toContain('All checks passed');
  expect(run.code).toBe(0);
  expect(run.out).toMatch(/✓ device authorization: got user code [B-Z]•••-••••/);
  expect(run.out).toContain('✓ token endpoint: answers authorization_pending');
  expect(run.out).toContain(`✓ CORS: the API allows ${SCREEN} with authorization, dpop`);
  expect(run.out).not.toMatch(USER_CODE);
  expect(run.out).not.toMatch(/device_code/);
});

test.describe('an IdP without CORS', () => {
  test.use({ cors: false });

  test('fails, names each endpoint that refuses the origin and suggests proxy mode', async ({ configFile, idp }) => {
    const run = await checkConfig(configFile, '--origin', SCREEN);
    expect(run.code).toBe(1);
    for (const what of [
      'discovery document',
      'device authorization endpoint',
      'token endpoint',
      'revocation endpoint',
    ]) {
      expect(run.out).toContain(`✗ CORS: the ${what} at ${new URL(idp.issuer).origin} does not allow ${SCREEN}`);
    }
    expect(run.out).toContain('or use proxy mode');
    expect(run.out).not.toMatch(USER_CODE);
  });

  test.describe('through nginx in proxy mode', () => {
    test.skip(!NGINX, NO_NGINX);
    let port = 0;
    test.beforeAll(async () => {
      port = await freePort();
    });
    test.use({ appOrigin: async ({}, use) => use(`http://127.0.0.1:${port}`) });

    test('passes when the screen URL sets proxy and nginx forwards /idp/', async ({ idp, api }) => {
      const nginx = await startNginx({
        port,
        root: 'dist',
        connectSrc: [new URL(api.url).origin],
        proxy: { path: '/idp/', idpOrigin: new URL(idp.issuer).origin },
      });
      try {
        const query = new URLSearchParams({
          issuer: idp.issuer,
          client_id: 'screen-signin',
          scope: 'openid offline_access api:read',
          api: api.url,
          proxy: '/idp/',
        });
        const run = await checkConfig(`${nginx.url}?${query}`);
        expect(run.out).toContain('All checks passed');
        expect(run.code).toBe(0);
        expect(run.out).toContain(
          `✓ discovery: ${nginx.url}idp/.well-known/openid-configuration (proxied to ${idp.issuer}/.well-known/openid-configuration)`,
        );
        expect(run.out).toContain('the phone must be able to open');
        // The proxied IdP needs no CORS, so none of its endpoints is CORS-checked.
        expect(run.out).not.toContain('✗');
      } finally {
        await nginx.close();
      }
    });
  });
});
