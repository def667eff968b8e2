/**
 * The viewer's language: config `lang`, else the browser's; English where nothing matches. Arabic
 * lays the screen out right to left. Errors are explained in the screen's language too: the core
 * hands over codes and facts (origins, client_id), the catalogue words them; only the details line
 * stays as the core wrote it.
 */
import type { Browser, Page } from '@playwright/test';
import ar from '../src/i18n/ar.ts';
import de from '../src/i18n/de.ts';
import en from '../src/i18n/en.ts';
import es from '../src/i18n/es.ts';
import fr from '../src/i18n/fr.ts';
import ja from '../src/i18n/ja.ts';
import { CORS_CONSOLE, fault, ROUTES, test as faultTest } from './fixtures/faults.ts';
import { codeOnScreen, expect, test } from './fixtures/stack.ts';

const CATALOGUES = { en, de, fr, es, ja, ar };

for (const [lang, messages] of Object.entries(CATALOGUES)) {
  test(`lang=${lang} shows the code screen in that language`, async ({ openTv }) => {
    const tv = await openTv({ query: { lang } });
    await codeOnScreen(tv);
    await expect(tv.locator('html')).toHaveAttribute('lang', lang);
    await expect(tv.locator('html')).toHaveAttribute('dir', lang === 'ar' ? 'rtl' : 'ltr');
    await expect(tv.getByTestId('status')).toHaveText(messages.status_code);
    await expect(tv.getByTestId('new-code')).toHaveText(messages.new_code);
    const [before] = messages.code_instruction.split('{uri}');
    await expect(tv.locator('.go')).toContainText(before!.trim());
    // The code itself is never translated or reordered.
    const code = (await tv.getByTestId('user-code').textContent()) ?? '';
    expect(code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    await expect(tv.getByTestId('user-code')).toHaveAttribute(
      'aria-label',
      messages.code_label.replace('{spelled}', Array.from(code).join(' ')),
    );
  });
}

test('Arabic lays the screen out right to left: the QR on the left, the text on the right', async ({ openTv }) => {
  const tv = await openTv({ query: { lang: 'ar' } });
  await codeOnScreen(tv);
  const qr = (await tv.getByTestId('qr').boundingBox())!;
  const code = (await tv.getByTestId('user-code').boundingBox())!;
  expect(qr.x + qr.width).toBeLessThan(code.x);

  const ltr = await openTv({ query: { lang: 'en' } });
  await codeOnScreen(ltr);
  const qrLtr = (await ltr.getByTestId('qr').boundingBox())!;
  const codeLtr = (await ltr.getByTestId('user-code').boundingBox())!;
  expect(codeLtr.x + codeLtr.width).toBeLessThan(qrLtr.x);
});

test('a config error is headlined and explained in the screen’s language, naming the key', async ({ openTv }) => {
  const tv = await openTv({ query: { lang: 'de', issuer: '' } });
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('error-headline')).toHaveText(de.error_config);
  await expect(tv.getByTestId('error')).toHaveText(de.config_missing.replace('{key}', 'issuer'));
  await expect(tv.getByTestId('retry')).toHaveText(de.retry);
});

faultTest.describe('an IdP whose CORS refuses the app origin', () => {
  // Chromium logs each refused response itself; exactly that line is expected here.
  faultTest.use({ allowedConsoleErrors: [CORS_CONSOLE] });

  faultTest(
    'lang=ja explains the CORS refusal in Japanese, naming both origins and the client_id',
    async ({ openTv, idpProxy, app }) => {
      idpProxy.add({ path: ROUTES.discovery, method: 'GET', fault: fault.stripCors });
      const tv = await openTv({ query: { lang: 'ja' } });
      const appOrigin = new URL(app.url).origin;
      await expect(tv.locator('html')).toHaveAttribute('lang', 'ja');
      await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'cors');
      await expect(tv.getByTestId('error-headline')).toHaveText(ja.error_cors);
      const expected = ja.explain_cors
        .replaceAll('{origin}', idpProxy.url)
        .replaceAll('{app_origin}', appOrigin)
        .replaceAll('{client_id}', 'screen-signin');
      await expect(tv.getByTestId('error')).toHaveText(expected);
      const explanation = (await tv.getByTestId('error').textContent()) ?? '';
      for (const fact of [idpProxy.url, appOrigin, 'screen-signin']) expect(explanation).toContain(fact);
      expect(explanation).toMatch(/[\u3040-\u30ff]/); // kana: Japanese, not English
      expect(explanation).not.toContain('did not allow');
      // The details line is technical data and stays as the core wrote it.
      await expect(tv.getByTestId('error-details')).toHaveText(
        `discovery document ${idpProxy.url}/.well-known/openid-configuration: request blocked by CORS`,
      );
    },
  );
});

/** A TV whose browser prefers `locale` (navigator.languages), with no `lang` configured. */
async function tvInLocale(browser: Browser, url: string, locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

test('without lang the browser’s language is used, and an unknown one falls back to English', async ({
  browser,
  app,
  idp,
  api,
}) => {
  const url = `${app.url}?${new URLSearchParams({ issuer: idp.issuer, api: api.url })}`;
  const french = await tvInLocale(browser, url, 'fr-CA');
  await codeOnScreen(french);
  await expect(french.getByTestId('status')).toHaveText(fr.status_code);
  await expect(french.locator('html')).toHaveAttribute('lang', 'fr');

  const dutch = await tvInLocale(browser, url, 'nl-NL');
  await codeOnScreen(dutch);
  await expect(dutch.getByTestId('status')).toHaveText(en.status_code);
  await expect(dutch.locator('html')).toHaveAttribute('lang', 'en');

  // Config wins over the browser.
  const configured = await tvInLocale(browser, `${url}&lang=ja`, 'fr-FR');
  await codeOnScreen(configured);
  await expect(configured.getByTestId('status')).toHaveText(ja.status_code);
  for (const page of [french, dutch, configured]) await page.context().close();
});

test('the countdown is written the language’s way and keeps the English wording in English', async ({ openTv }) => {
  const tv = await openTv({ query: { lang: 'es' } });
  await codeOnScreen(tv);
  await expect(tv.getByTestId('expires')).toHaveText(/^El código caduca en \d+:\d\d$/);
  const english = await openTv();
  await codeOnScreen(english);
  await expect(english.getByTestId('expires')).toHaveText(/^Code expires in \d+:\d\d$/);
});
