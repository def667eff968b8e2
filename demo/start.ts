// `npm start`: build the app, then run the demo IdP, the demo API and the app's static server.
//
// Env: IDP_PORT (4010), API_PORT (4020), APP_PORT (4000); SKIP_BUILD=1 (or --no-build) serves an
// existing dist/ without building it again.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startApi } from './api.ts';
import type { DemoApi } from './api.ts';
import { startIdp } from './idp.ts';
import type { Idp } from './idp.ts';
import { startStatic } from './static.ts';
import type { StaticServer } from './static.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distDir = path.join(repoRoot, 'dist');

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name}=${raw} is not a port number (1-65535)`);
  }
  return port;
}

function fail(message: string): never {
  console.error(`\nscreen-signin demo: ${message}\n`);
  process.exit(1);
}

async function buildApp(): Promise<void> {
  const configs = ['vite.config.ts', 'vite.config.js', 'vite.config.mjs', 'vite.config.mts'];
  if (!configs.some((name) => existsSync(path.join(repoRoot, name)))) {
    fail(
      `no vite.config.ts in ${repoRoot}, so the app cannot be built.\n` +
        '  Add the Vite config (or run with SKIP_BUILD=1 to serve an existing dist/).',
    );
  }
  console.log('Building the app (vite build)…');
  const { build } = await import('vite');
  try {
    await build({ root: repoRoot, logLevel: 'warn' });
  } catch (err) {
    fail(`vite build failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function readDistConfig(): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(distDir, 'config.json'), 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const idpPort = portFromEnv('IDP_PORT', 4010);
  const apiPort = portFromEnv('API_PORT', 4020);
  const appPort = portFromEnv('APP_PORT', 4000);
  const skipBuild = process.env.SKIP_BUILD === '1' || process.argv.includes('--no-build');

  if (skipBuild) {
    if (!existsSync(path.join(distDir, 'index.html')))
      fail(`SKIP_BUILD is set but ${distDir}/index.html does not exist.`);
  } else {
    await buildApp();
  }
  if (!existsSync(path.join(distDir, 'index.html'))) fail(`the build left no ${distDir}/index.html.`);

  const appOrigins = [`http://127.0.0.1:${appPort}`, `http://localhost:${appPort}`];
  const apiAudience = `http://127.0.0.1:${apiPort}/`;
  const portsChanged = idpPort !== 4010 || apiPort !== 4020 || appPort !== 4000;

  let idp: Idp | undefined;
  let api: DemoApi | undefined;
  let app: StaticServer | undefined;
  let closing = false;
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled([app?.close(), api?.close(), idp?.close()]);
  };
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    console.log(`\n${signal}: stopping the demo…`);
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    void closeAll().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    idp = await startIdp({ port: idpPort, appOrigins, apiAudience });
    api = await startApi({ port: apiPort, issuer: idp.issuer, audience: apiAudience, appOrigins });
    // public/config.json (copied into dist/ by Vite) points at the default ports; when a port is
    // overridden, serve a config.json that points at the right ones.
    const config = portsChanged ? { ...(await readDistConfig()), issuer: idp.issuer, api: api.url } : undefined;
    app = await startStatic({ port: appPort, root: distDir, config });
  } catch (err) {
    await closeAll();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      fail(
        `a port is already in use (${(err as Error).message}). Stop the other process or set IDP_PORT / API_PORT / APP_PORT.`,
      );
    }
    throw err;
  }

  const pad = (label: string): string => `  ${label}`.padEnd(34);
  console.log(
    [
      '',
      'screen-signin demo is running',
      `${pad('TV (open this on the screen):')}${app.url}`,
      `${pad('Phone (approve here):')}${idp.issuer}/device   (or scan the QR code on the TV)`,
      `${pad('Demo user:')}ada / screen`,
      `${pad('Demo IdP issuer:')}${idp.issuer}`,
      `${pad('Demo API:')}${api.url}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error('screen-signin demo failed to start:', err);
  process.exit(1);
});
