/**
 * `npm run screenshots` (builds first): the README's pictures, taken from the real app. Alone, run
 * `npm run build` first (the script says so when dist/ is missing). Starts the demo IdP, API and
 * static server on free ports, opens the built app in Chromium and writes docs/screenshots/*.png:
 * the code screen at 1920×1080 and portrait 1080×1920, the signed-in screen and an error screen.
 *
 *   npx tsx e2e/screenshots.ts [--out docs/screenshots] [--lang de] [--theme light]
 */
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import { startApi } from './fixtures/api.ts';
import { CHROMIUM_ARGS, chromiumPath } from './fixtures/chromium.ts';
import { startIdp } from './fixtures/idp.ts';
import { decideOnPhone } from './fixtures/phone.ts';
import { startStatic } from '../demo/static.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/screenshots' },
    lang: { type: 'string' },
    theme: { type: 'string' },
  },
});
const out = path.resolve(values.out!);
if (!existsSync('dist/index.html')) {
  console.error('dist/ is missing: run `npm run build` first.');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

const executablePath = chromiumPath();
const suffix = [values.lang, values.theme].filter(Boolean).join('-');
const file = (name: string) => path.join(out, `${name}${suffix ? `-${suffix}` : ''}.png`);

const app = await startStatic({ port: 0, root: 'dist' });
const origin = new URL(app.url).origin;
const idp = await startIdp({ port: 0, appOrigins: [origin], interval: 1 });
const api = await startApi({ port: 0, issuer: idp.issuer, audience: 'http://127.0.0.1:4020/', appOrigins: [origin] });
const browser: Browser = await chromium.launch({
  executablePath,
  args: CHROMIUM_ARGS,
});

async function tv(width: number, height: number, extra: Record<string, string> = {}): Promise<Page> {
  const page = await (
    await browser.newContext({ viewport: { width, height }, locale: values.lang ?? 'en-US' })
  ).newPage();
  const query = new URLSearchParams({
    issuer: idp.issuer,
    api: api.url,
    ...(values.lang ? { lang: values.lang } : {}),
    ...(values.theme ? { theme: values.theme } : {}),
    ...extra,
  });
  await page.goto(`${app.url}?${query}`);
  return page;
}

async function codeShown(page: Page): Promise<string> {
  await page.locator('[data-testid=status][data-state=code]').waitFor();
  // The QR loads after the text and draws into its canvas: wait for pixels, not for time.
  await page.waitForFunction(
    () => ((document.querySelector('[data-testid=qr]') as HTMLCanvasElement | null)?.width ?? 0) > 100,
  );
  return (await page.getByTestId('qr').getAttribute('data-uri')) ?? '';
}

async function phone(qrUri: string, allow: boolean): Promise<void> {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
  await decideOnPhone(page, qrUri, allow ? 'allow' : 'deny');
  await page.context().close();
}

try {
  for (const [name, w, h] of [
    ['code-1920x1080', 1920, 1080],
    ['code-1080x1920', 1080, 1920],
  ] as const) {
    const page = await tv(w, h);
    await codeShown(page);
    await page.screenshot({ path: file(name) });
    console.log(`wrote ${file(name)}`);
    await page.context().close();
  }

  const signedIn = await tv(1920, 1080);
  await phone(await codeShown(signedIn), true);
  await signedIn.getByTestId('api-result').filter({ hasText: 'Quarterly planning' }).waitFor();
  await signedIn.screenshot({ path: file('signed-in-1920x1080') });
  console.log(`wrote ${file('signed-in-1920x1080')}`);
  await signedIn.context().close();

  const denied = await tv(1920, 1080);
  await phone(await codeShown(denied), false);
  await denied.locator('[data-testid=status][data-state=error]').waitFor();
  await denied.screenshot({ path: file('error-1920x1080') });
  console.log(`wrote ${file('error-1920x1080')}`);
  await denied.context().close();
} finally {
  await browser.close();
  await api.close();
  await idp.close();
  await app.close();
}
