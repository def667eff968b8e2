/**
 * The README's pictures of the two ways to use the signed-in screen, taken from the real app
 * (`npm run build` first): the built-in view of the demo API's room schedule, and the demo
 * dashboard app (demo/app/) in the screen's frame. Writes docs/screenshots/content-*.png.
 *
 *   npx tsx e2e/screenshots-content.ts [--out docs/screenshots]
 */
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import { startApi } from './fixtures/api.ts';
import { startDemoApp } from '../demo/app/server.ts';
import { startIdp } from './fixtures/idp.ts';
import { decideOnPhone } from './fixtures/phone.ts';
import { startStatic } from '../demo/static.ts';
import { CHROMIUM_ARGS, chromiumPath } from './fixtures/chromium.ts';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/screenshots' } } });
const out = path.resolve(values.out!);
if (!existsSync('dist/embed.js')) {
  console.error('dist/ is missing or old: run `npm run build` first.');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

const screen = await startStatic({ port: 0, root: 'dist', headers: { 'Access-Control-Allow-Origin': '*' } });
const origin = new URL(screen.url).origin;
const idp = await startIdp({ port: 0, appOrigins: [origin], interval: 1 });
const api = await startApi({ port: 0, issuer: idp.issuer, audience: 'http://127.0.0.1:4020/', appOrigins: [origin] });
const demoApp = await startDemoApp({ port: 0, screenOrigin: origin, api: api.url });
const browser: Browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });

async function signedIn(query: Record<string, string>): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
  await page.goto(`${screen.url}?${new URLSearchParams({ issuer: idp.issuer, api: api.url, ...query })}`);
  await page.locator('[data-testid=status][data-state=code]').waitFor();
  const qrUri = (await page.getByTestId('qr').getAttribute('data-uri')) ?? '';
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
  await decideOnPhone(phone, qrUri);
  await phone.context().close();
  await page.locator('[data-testid=status][data-state=signed-in]').waitFor();
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  const file = path.join(out, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`wrote ${file}`);
  await page.context().close();
}

try {
  const view = await signedIn({});
  await view.locator('[data-testid=api-result] li').first().waitFor();
  await shoot(view, 'content-view-1920x1080');

  const app = await signedIn({ app: demoApp.url });
  const frame = app.frameLocator('[data-testid=app-frame]');
  await frame.locator('[data-testid=demo-schedule] li').first().waitFor();
  await shoot(app, 'content-app-1920x1080');
} finally {
  await browser.close();
  await demoApp.close();
  await api.close();
  await idp.close();
  await screen.close();
}
