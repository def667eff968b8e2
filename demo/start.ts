// `npm start`: build the app, then run the demo IdP, the demo API and the app's static server.
//
//   npm start -- --host 192.168.1.20   serve on that address, so a phone on the same network can
//                                      scan the QR code (default 127.0.0.1: this machine only)
//   npm start -- --no-build            serve an existing dist/ (or SKIP_BUILD=1)
//
// Env: APP_PORT (4000), IDP_PORT (4010), API_PORT (4020), DASHBOARD_PORT (4030).

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { DEMO_LOGIN, DEMO_PASSWORD } from './idp.ts';
import { startDemo } from './stack.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distDir = path.join(repoRoot, 'dist');

function fail(message: string): never {
  console.error(`\nscreen-signin demo: ${message}\n`);
  process.exit(1);
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${name}=${raw} is not a port number (1-65535)`);
  return port;
}

const { values: args } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, 'no-build': { type: 'boolean', default: false } },
});
const host = args.host;
if (host === '0.0.0.0' || host === '::') {
  fail(`--host ${host} listens everywhere but names no address; give the one the phone can reach.`);
}

if (args['no-build'] || process.env.SKIP_BUILD === '1') {
  if (!existsSync(path.join(distDir, 'index.html'))) fail(`--no-build, but ${distDir}/index.html does not exist.`);
} else {
  console.log('Building the app (vite build)…');
  const { build } = await import('vite');
  await build({ root: repoRoot, logLevel: 'warn' }).catch((err: unknown) =>
    fail(`vite build failed: ${err instanceof Error ? err.message : String(err)}`),
  );
}

const demo = await startDemo({
  host,
  root: distDir,
  ports: {
    app: portFromEnv('APP_PORT', 4000),
    idp: portFromEnv('IDP_PORT', 4010),
    api: portFromEnv('API_PORT', 4020),
    dashboard: portFromEnv('DASHBOARD_PORT', 4030),
  },
}).catch((err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    fail(`${(err as Error).message}: stop the other process or set APP_PORT / IDP_PORT / API_PORT / DASHBOARD_PORT.`);
  if (code === 'EADDRNOTAVAIL') fail(`${host} is not an address of this machine (see \`ip addr\`).`);
  throw err;
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the demo…`);
    setTimeout(() => process.exit(0), 3000).unref();
    void demo.close().finally(() => process.exit(0));
  });
}

const pad = (label: string): string => `  ${label}`.padEnd(36);
console.log(
  [
    '',
    'screen-signin demo is running',
    `${pad('TV (open this on the screen):')}${demo.app}`,
    `${pad('TV with your page behind sign-in:')}${demo.dashboardScreen}   (frames the demo dashboard, ${demo.dashboard})`,
    `${pad('Phone (approve here):')}${demo.issuer}/device   (or scan the QR code on the TV)`,
    `${pad('Demo user:')}${DEMO_LOGIN} / ${DEMO_PASSWORD}`,
    `${pad('Demo IdP issuer:')}${demo.issuer}`,
    `${pad('Demo API:')}${demo.api}`,
    ...(demo.config.allow_http_host
      ? [`${pad('Plain http allowed to:')}${host} (config.json allow_http_host; DPoP off: no secure context)`]
      : []),
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'),
);
