/**
 * The main path in a second real engine: Debian's WebKitGTK, driven over W3C WebDriver
 * (`WebKitWebDriver`, package webkit2gtk-driver; `xvfb-run` gives it a display). Playwright cannot
 * drive that engine, so this is a plain script: the TV is MiniBrowser, the phone is Chromium.
 *
 *   apt-get install -y webkit2gtk-driver xvfb && npm run build && npm run smoke:webkit
 *
 * `npm test` runs it after the Playwright suite (.ci/run installs the packages). It waits on
 * states, never on time, and gives up as a failure after WATCHDOG_MS so it cannot hang a CI run.
 *
 * WebKitGTK here is a current WebKit (2.4x), not Safari 12: it proves the build runs on a second
 * engine family, while `npm run check:dist` is the evidence for the old ones.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { startApi } from './fixtures/api.ts';
import { startIdp } from './fixtures/idp.ts';
import { decideOnPhone } from './fixtures/phone.ts';
import { CHROMIUM_ARGS, chromiumPath } from './fixtures/chromium.ts';
import { freePort } from './fixtures/nginx.ts';
import { startStatic } from '../demo/static.ts';

const MINIBROWSER = [
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser',
].find(existsSync);
if (!MINIBROWSER || !existsSync('/usr/bin/WebKitWebDriver')) {
  console.error('WebKitGTK is not installed: apt-get install -y webkit2gtk-driver xvfb');
  process.exit(2);
}
const WATCHDOG_MS = 90_000;
const PORT = await freePort();
const driver = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${PORT}`], { stdio: 'ignore', detached: true });
// The driver and its Xvfb go with this process, however it ends.
const stopDriver = () => {
  try {
    if (driver.pid) process.kill(-driver.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
process.on('exit', stopDriver);
// A hung driver or browser fails the run instead of holding CI for ever.
const watchdog = setTimeout(() => {
  console.error(`webkit smoke: failed: no result within ${WATCHDOG_MS / 1000} s`);
  process.exit(1);
}, WATCHDOG_MS);

async function wd<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { value: T & { error?: string; message?: string } };
  if (!res.ok) throw new Error(`${method} ${path}: ${json.value.error}: ${json.value.message}`);
  return json.value;
}

const app = await startStatic({ port: 0, root: 'dist' });
const origin = new URL(app.url).origin;
const idp = await startIdp({ port: 0, appOrigins: [origin], interval: 1 });
const api = await startApi({ port: 0, issuer: idp.issuer, audience: 'http://127.0.0.1:4020/', appOrigins: [origin] });
const phoneBrowser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
let session = '';
const step = (what: string) => console.log(`webkit: ${what}`);

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
const js = <T>(script: string) => wd<T>('POST', `/session/${session}/execute/sync`, { script, args: [] });
const state = () =>
  js<string>("var s = document.querySelector('[data-testid=status]'); return s && s.getAttribute('data-state');");

try {
  await until('WebKitWebDriver', () => fetch(`http://127.0.0.1:${PORT}/status`).then((r) => r.ok));
  ({ sessionId: session } = await wd<{ sessionId: string }>('POST', '/session', {
    capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
  }));
  const ua = await js<string>('return navigator.userAgent');
  step(`engine ${ua}`);
  await wd('POST', `/session/${session}/url`, {
    url: `${app.url}?${new URLSearchParams({ issuer: idp.issuer, api: api.url })}`,
  });

  await until('a code', async () => (await state()) === 'code');
  const code = await js<string>("return document.querySelector('[data-testid=user-code]').textContent");
  const qrUri = await js<string>("return document.querySelector('[data-testid=qr]').getAttribute('data-uri')");
  step(`code ${code} shown`);
  if (!/^[A-Z]{4}-[A-Z]{4}$/.test(code)) throw new Error(`unexpected code text ${JSON.stringify(code)}`);

  const phone = await (await phoneBrowser.newContext()).newPage();
  await decideOnPhone(phone, qrUri);
  step('approved on the phone (Chromium)');

  await until('signed in', async () => (await state()) === 'signed-in');
  const user = await until('the user', () =>
    js<string>("var u = document.querySelector('[data-testid=user]'); return u && u.textContent"),
  );
  await until('the API answer', () =>
    js<boolean>(
      "var a = document.querySelector('[data-testid=api-result]'); return !!a && a.textContent.indexOf('Quarterly planning') >= 0",
    ),
  );
  step(`signed in as ${user}, API answered`);

  await js("document.querySelector('[data-testid=sign-out]').click()");
  await until(
    'a new code after sign-out',
    async () =>
      (await state()) === 'code' &&
      (await js<string>("return document.querySelector('[data-testid=user-code]').textContent")) !== code,
  );
  step('signed out, new code shown');
  console.log('webkit smoke: passed');
} catch (err) {
  console.error(`webkit smoke: failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  if (session) await wd('DELETE', `/session/${session}`).catch(() => undefined);
  stopDriver();
  await phoneBrowser.close();
  await api.close();
  await idp.close();
  await app.close();
  clearTimeout(watchdog);
}
