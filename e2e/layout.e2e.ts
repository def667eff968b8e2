/**
 * The 10-foot layout on every screen shape it ships to: nothing clipped or overlapping, the code
 * the largest text, and nothing moving when a new code replaces the old one.
 */
import type { Page } from '@playwright/test';
import { codeOnScreen, expect, onPhone, test } from './fixtures/stack.ts';

const VIEWPORTS = [
  { name: 'HD TV', width: 1280, height: 720 },
  { name: 'Full HD TV', width: 1920, height: 1080 },
  { name: '4K TV', width: 3840, height: 2160 },
  { name: 'portrait signage', width: 1080, height: 1920 },
  { name: 'small desktop window', width: 800, height: 600 },
];

const CODE_PARTS = ['status', 'verification-uri', 'user-code', 'expires', 'new-code', 'qr'];

type Box = { x: number; y: number; width: number; height: number };

async function boxes(page: Page, ids: string[]): Promise<Record<string, Box>> {
  const out: Record<string, Box> = {};
  for (const id of ids) {
    const box = await page.getByTestId(id).boundingBox();
    expect(box, `${id} is laid out`).not.toBeNull();
    out[id] = box!;
  }
  return out;
}

function expectInside(all: Record<string, Box>, width: number, height: number) {
  for (const [id, b] of Object.entries(all)) {
    expect(b.x, `${id} left edge`).toBeGreaterThanOrEqual(0);
    expect(b.y, `${id} top edge`).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width, `${id} right edge`).toBeLessThanOrEqual(width + 0.5);
    expect(b.y + b.height, `${id} bottom edge`).toBeLessThanOrEqual(height + 0.5);
  }
}

function expectApart(all: Record<string, Box>) {
  const entries = Object.entries(all);
  for (const [i, [a, p]] of entries.entries()) {
    for (const [b, q] of entries.slice(i + 1)) {
      const overlap =
        p.x < q.x + q.width - 0.5 &&
        q.x < p.x + p.width - 0.5 &&
        p.y < q.y + q.height - 0.5 &&
        q.y < p.y + p.height - 0.5;
      expect(overlap, `${a} and ${b} do not overlap`).toBe(false);
    }
  }
}

/** Nothing inside may be cut off: its content fits its own box (no hidden horizontal overflow). */
async function expectNotClipped(page: Page, ids: string[]) {
  for (const id of ids) {
    const { scroll, client } = await page
      .getByTestId(id)
      .evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(scroll, `${id} content fits its box`).toBeLessThanOrEqual(client + 1);
  }
}

for (const { name, width, height } of VIEWPORTS) {
  test.describe(`${name} ${width}×${height}`, () => {
    test('the code screen fits without clipping or overlap, with the code as the largest text', async ({ openTv }) => {
      const tv = await openTv({ query: { screen_name: 'Meeting room 4.12, 4th floor, east wing' } });
      await tv.setViewportSize({ width, height });
      const { userCode } = await codeOnScreen(tv);
      // CONTRACT.md: the text exactly as the IdP sent it; grouping is visual only.
      await expect(tv.getByTestId('user-code')).toHaveText(userCode);
      expect(userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);

      const all = await boxes(tv, [...CODE_PARTS, 'screen-name', 'caution']);
      expectInside(all, width, height);
      expectApart(all);
      await expectNotClipped(tv, ['user-code', 'verification-uri', 'screen-name', 'caution']);
      // RFC 8628 §3.3.1: the address and the code are shown beside the QR, not instead of it.
      expect(all['qr']!.width).toBeGreaterThanOrEqual(Math.min(width, height) * 0.4);

      const sizes = await tv.evaluate(() => {
        const px = (el: Element) => parseFloat(getComputedStyle(el).fontSize);
        const code = document.querySelector('[data-testid=user-code]')!;
        const others = Array.from(document.querySelectorAll('main *'))
          .filter(
            (el) =>
              !code.contains(el) &&
              Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim()),
          )
          .map(px);
        return { code: px(code), largestOther: Math.max(...others) };
      });
      expect(sizes.code).toBeGreaterThan(sizes.largestOther * 1.5);
    });

    test('the signed-in and error screens fit too', async ({ openTv, phone }) => {
      const tv = await openTv();
      await tv.setViewportSize({ width, height });
      await onPhone(phone, (await codeOnScreen(tv)).qrUri);
      await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
      await expect(tv.getByTestId('api-result')).toContainText('Quarterly planning');
      const signedIn = await boxes(tv, ['status', 'user', 'api-result', 'sign-out']);
      expectInside(signedIn, width, height);
      expectApart(signedIn);

      const broken = await openTv({ query: { issuer: '' } });
      await broken.setViewportSize({ width, height });
      await expect(broken.getByTestId('status')).toHaveAttribute('data-state', 'error');
      const error = await boxes(broken, ['status', 'error-headline', 'error', 'retry']);
      expectInside(error, width, height);
      expectApart(error);
    });
  });
}

test('a new code replaces the old one, text exactly as sent, without moving anything (space is reserved)', async ({
  tv,
}) => {
  const first = await codeOnScreen(tv);
  const before = await boxes(tv, CODE_PARTS);
  // Read the IdP's answer on its way to the page (the browser's network log may drop bodies).
  let user_code: string | undefined;
  await tv.route('**/device/auth', async (route) => {
    const response = await route.fetch();
    user_code = ((await response.json()) as { user_code: string }).user_code;
    await route.fulfill({ response });
  });
  await tv.getByTestId('new-code').click();
  await expect.poll(() => user_code).toBeTruthy();
  await expect(tv.getByTestId('user-code')).not.toHaveText(first.userCode);
  await codeOnScreen(tv);
  // CONTRACT.md: the element's text is exactly what the IdP sent (no spaces added by the grouping).
  expect(await tv.getByTestId('user-code').textContent()).toBe(user_code);
  const after = await boxes(tv, CODE_PARTS);
  for (const id of CODE_PARTS) {
    for (const k of ['x', 'y', 'width', 'height'] as const)
      expect(Math.abs(after[id]![k] - before[id]![k]), `${id}.${k}`).toBeLessThanOrEqual(1);
  }
});

test('the countdown shows a bar as well as the time, and the bar shrinks', async ({ openTv }) => {
  const tv = await openTv({ clock: true });
  await codeOnScreen(tv);
  const fill = tv.getByTestId('expires').locator('.fill');
  // The bar's target width (its CSS transition runs on the compositor's clock, not Playwright's).
  const scale = () => fill.evaluate((el) => new DOMMatrix((el as HTMLElement).style.transform).a);
  const start = await scale();
  expect(start).toBeGreaterThan(0.9);
  await tv.clock.fastForward(120_000);
  await expect.poll(scale).toBeLessThan(start - 0.1);
  await expect(tv.getByTestId('expires')).toHaveText(/^Code expires in \d+:\d\d$/);
});

test.describe('theme and brand', () => {
  test('dark by default; theme=light turns the page light with the text still dark on light', async ({ openTv }) => {
    const colours = async (tv: Page) => {
      await codeOnScreen(tv);
      return tv.evaluate(() => ({
        bg: getComputedStyle(document.body).backgroundColor,
        fg: getComputedStyle(document.querySelector('[data-testid=user-code]')!).color,
      }));
    };
    const dark = await colours(await openTv());
    expect(dark.bg).toBe('rgb(15, 20, 25)');
    const light = await colours(await openTv({ query: { theme: 'light' } }));
    expect(light.bg).toBe('rgb(247, 248, 250)');
    expect(light.fg).toBe('rgb(17, 20, 24)');
  });

  test('title, a same-origin logo and an accent with enough contrast are used', async ({ openTv, app }) => {
    const tv = await openTv({ query: { title: 'Room 4.12', logo: `${app.url}favicon.svg`, accent: '#ff8800' } });
    await codeOnScreen(tv);
    await expect(tv.locator('header')).toContainText('Room 4.12');
    await expect(tv).toHaveTitle('Room 4.12');
    await expect(tv.locator('header img')).toHaveAttribute('src', `${app.url}favicon.svg`);
    await expect(tv.locator('html')).toHaveCSS('--accent', '#ff8800');
    await expect(tv.getByTestId('debug-notes')).toHaveCount(0);
  });

  test('an accent too close to the background falls back to the default, with a note in the debug details', async ({
    openTv,
  }) => {
    const tv = await openTv({ query: { accent: '#202830', debug: 'true' } });
    await codeOnScreen(tv);
    await expect(tv.locator('html')).toHaveCSS('--accent', '#8ab4f8');
    await expect(tv.getByTestId('debug-notes')).toContainText('accent #202830 has');
  });

  test('a logo from a plain-http host elsewhere is refused by name', async ({ openTv }) => {
    const tv = await openTv({ query: { logo: 'http://example.com/logo.png' } });
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
    await expect(tv.getByTestId('error')).toContainText('"logo" must be an https: URL');
  });
});
