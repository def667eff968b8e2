/**
 * Accessibility: axe-core finds nothing on any screen (WCAG 2.x A and AA rules, contrast included),
 * status changes are announced, the code is spelled out, and reduced motion stops the animation.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { codeOnScreen, expect, onPhone, test } from './fixtures/stack.ts';

async function expectNoViolations(page: Page, screen: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const summary = violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n: { target: unknown[] }) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe on the ${screen} screen`).toEqual([]);
}

test('the code screen has no axe violations, in the dark and the light theme and right to left', async ({ openTv }) => {
  for (const query of [{}, { theme: 'light' }, { lang: 'ar', screen_name: 'Room 4.12' }] as Record<string, string>[]) {
    const tv = await openTv({ query });
    await codeOnScreen(tv);
    await expect.poll(() => tv.getByTestId('qr').evaluate((c: HTMLCanvasElement) => c.width)).toBeGreaterThan(100);
    await expectNoViolations(tv, `code ${JSON.stringify(query)}`);
  }
});

test('the signed-in screen, its sign-out question and the idle warning have no axe violations', async ({
  openTv,
  phone,
}) => {
  const tv = await openTv({ clock: true, query: { idle_timeout: '60', api_interval: '0' } });
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('api-result')).toContainText('Quarterly planning');
  await expectNoViolations(tv, 'signed-in');

  await tv.keyboard.press('Escape');
  await expect(tv.getByTestId('confirm-sign-out')).toBeVisible();
  await expectNoViolations(tv, 'confirm sign-out');
  await tv.keyboard.press('Escape');
  await expect(tv.getByTestId('confirm-sign-out')).toHaveCount(0);

  await tv.clock.fastForward(61_000);
  await expect(tv.getByTestId('idle-warning')).toBeVisible();
  await expectNoViolations(tv, 'idle warning');
});

test('the error screen has no axe violations, with and without a retry countdown', async ({ openTv, phone }) => {
  const tv = await openTv({ query: { issuer: '' } });
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expectNoViolations(tv, 'error');

  const kiosk = await openTv({ query: { kiosk: 'true' } });
  await onPhone(phone, (await codeOnScreen(kiosk)).qrUri, 'deny');
  await expect(kiosk.getByTestId('retry-countdown')).toBeVisible();
  await expectNoViolations(kiosk, 'error with countdown');
});

test.describe('the idle pause', () => {
  test.use({ idpOptions: { interval: 1, deviceCodeTtl: 2 } });

  test('has no axe violations', async ({ openTv }) => {
    const tv = await openTv({ query: { max_idle_codes: '1' } });
    await expect(tv.getByTestId('idle')).toBeVisible({ timeout: 20_000 });
    await expectNoViolations(tv, 'idle pause');
  });
});

test('status changes are announced politely and the code is spelled out for a screen reader', async ({ tv }) => {
  const status = tv.getByTestId('status');
  await expect(status).toHaveAttribute('role', 'status');
  await expect(status).toHaveAttribute('aria-live', 'polite');
  const { userCode } = await codeOnScreen(tv);
  await expect(tv.getByRole('img', { name: `Code: ${Array.from(userCode).join(' ')}` })).toBeVisible();
  await expect(tv.getByRole('img', { name: /QR code/ })).toBeVisible();
});

test('the user code meets AAA contrast (7:1) in both themes', async ({ openTv }) => {
  for (const theme of ['dark', 'light']) {
    const tv = await openTv({ query: { theme } });
    await codeOnScreen(tv);
    const ratio = await tv.evaluate(() => {
      const rgb = (s: string) =>
        s
          .match(/\d+(\.\d+)?/g)!
          .slice(0, 3)
          .map(Number);
      const lum = (c: number[]) => {
        const [r, g, b] = c.map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const fg = lum(rgb(getComputedStyle(document.querySelector('[data-testid=user-code]')!).color));
      const bg = lum(rgb(getComputedStyle(document.body).backgroundColor));
      return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    });
    expect(ratio, theme).toBeGreaterThanOrEqual(7);
  }
});

test('with reduced motion the countdown bar does not animate', async ({ browser, app, idp, api }) => {
  const url = `${app.url}?${new URLSearchParams({ issuer: idp.issuer, api: api.url })}`;
  for (const [reducedMotion, expected] of [
    ['reduce', '0s'],
    ['no-preference', '1s'],
  ] as const) {
    const context = await browser.newContext({ reducedMotion });
    const page = await context.newPage();
    await page.goto(url);
    await codeOnScreen(page);
    await expect(page.getByTestId('expires').locator('.fill')).toHaveCSS('transition-duration', expected);
    await context.close();
  }
});
