/**
 * Signage and kiosks: no cursor, menu or selection; an error heals by itself after a visible
 * countdown; the display stays on while a code is shown; and after `max_idle_codes` codes expire
 * unused the screen stops asking the IdP until someone is there.
 */
import type { Page } from '@playwright/test';
import { codeOnScreen, expect, onPhone, test } from './fixtures/stack.ts';

/** Device authorization requests the TV made (each is a new code). */
function countCodeRequests(tv: Page): () => number {
  let n = 0;
  tv.on('request', (req) => {
    if (req.method() === 'POST' && req.url().endsWith('/device/auth')) n++;
  });
  return () => n;
}

test('kiosk=true hides the cursor and blocks selection and the context menu', async ({ openTv }) => {
  const tv = await openTv({ query: { kiosk: 'true' } });
  await codeOnScreen(tv);
  await expect(tv.getByTestId('user-code')).toHaveCSS('cursor', 'none');
  await expect(tv.getByTestId('new-code')).toHaveCSS('cursor', 'none');
  await expect(tv.getByTestId('user-code')).toHaveCSS('user-select', 'none');
  const prevented = await tv.evaluate(
    () => !document.body.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true })),
  );
  expect(prevented).toBe(true);

  const normal = await openTv();
  await codeOnScreen(normal);
  await expect(normal.getByTestId('user-code')).not.toHaveCSS('cursor', 'none');
  expect(
    await normal.evaluate(
      () => !document.body.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true })),
    ),
  ).toBe(false);
});

test('in kiosk mode an error shows a countdown and then a new code by itself', async ({ openTv, phone }) => {
  const tv = await openTv({ clock: true, query: { kiosk: 'true' } });
  const first = await codeOnScreen(tv);
  await onPhone(phone, first.qrUri, 'deny');
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('error')).toContainText('declined');
  await expect(tv.getByTestId('retry-countdown')).toHaveText(/Trying again in 0:(29|30)/);

  await tv.clock.fastForward(31_000);
  const second = await codeOnScreen(tv);
  expect(second.userCode).not.toBe(first.userCode);
});

test('outside kiosk mode an error waits for someone to press Try again', async ({ openTv, phone }) => {
  const tv = await openTv({ clock: true });
  await onPhone(phone, (await codeOnScreen(tv)).qrUri, 'deny');
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('retry-countdown')).toHaveCount(0);
  await tv.clock.fastForward(120_000);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
});

test.describe('codes nobody uses', () => {
  // Codes that live 2 s, so several expire within a test.
  test.use({ idpOptions: { interval: 1, deviceCodeTtl: 2 } });

  test('after 3 codes (the default) expire unused the screen pauses and asks the IdP for nothing more', async ({
    openTv,
  }) => {
    let requests = () => 0;
    const tv = await openTv({ clock: true, init: (page) => void (requests = countCodeRequests(page)) });
    const status = tv.getByTestId('status');
    await expect(tv.getByTestId('idle')).toBeVisible({ timeout: 30_000 });
    // CONTRACT.md's five states: the pause reads as `starting` (nothing under way), marked data-idle.
    await expect(status).toHaveAttribute('data-state', 'starting');
    await expect(status).toHaveAttribute('data-idle', '');
    await expect(tv.getByTestId('idle')).toContainText('Press OK (or tap) to sign in');
    await expect(tv.getByTestId('idle')).toContainText('The last 3 codes expired without being used.');
    await expect(tv.getByTestId('new-code')).toBeFocused();
    expect(requests()).toBe(3);

    await tv.clock.fastForward(3_600_000); // an hour later: still nothing asked
    await expect(status).toHaveAttribute('data-state', 'starting');
    expect(requests()).toBe(3);
  });

  test('any key starts a fresh code at once, and so does a tap', async ({ openTv }) => {
    const tv = await openTv({ query: { max_idle_codes: '1' } });
    await expect(tv.getByTestId('idle')).toBeVisible({ timeout: 20_000 });
    await expect(tv.getByTestId('idle')).toContainText('The last code expired without being used.');
    await tv.keyboard.press('ArrowLeft');
    await codeOnScreen(tv);

    await expect(tv.getByTestId('idle')).toBeVisible({ timeout: 20_000 });
    await tv.mouse.click(10, 10);
    await codeOnScreen(tv);
  });

  test('max_idle_codes=0 never pauses', async ({ openTv }) => {
    let requests = () => 0;
    const tv = await openTv({
      query: { max_idle_codes: '0' },
      init: (page) => void (requests = countCodeRequests(page)),
    });
    await expect.poll(requests, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    await expect(tv.getByTestId('idle')).toHaveCount(0);
  });
});

test('the display is kept on while a code is shown, let go once signed in, and asked again after the page was hidden', async ({
  openTv,
  phone,
}) => {
  const tv = await openTv({
    init: (page) =>
      page.addInitScript(() => {
        // A stand-in for the Screen Wake Lock API that counts, and can drop locks as a UA does when hidden.
        const sentinels: { released: boolean }[] = [];
        const w = window as unknown as { locks: { held: number; requested: number }; dropLocks: () => void };
        w.locks = { held: 0, requested: 0 };
        const release = (s: { released: boolean }) => {
          if (!s.released) w.locks.held--;
          s.released = true;
        };
        w.dropLocks = () => sentinels.forEach(release);
        Object.defineProperty(navigator, 'wakeLock', {
          value: {
            request: async () => {
              w.locks.requested++;
              w.locks.held++;
              const s = { released: false, release: async () => release(s) };
              sentinels.push(s);
              return s;
            },
          },
        });
      }),
  });
  const locks = () => tv.evaluate(() => (window as unknown as { locks: { held: number; requested: number } }).locks);
  const { qrUri } = await codeOnScreen(tv);
  await expect.poll(locks).toEqual({ held: 1, requested: 1 });

  // A visibility change while the lock is held asks for nothing more.
  await tv.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  // The browser drops the lock when the page is hidden; on visible again the app asks anew.
  await tv.evaluate(() => {
    (window as unknown as { dropLocks: () => void }).dropLocks();
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await expect.poll(locks).toEqual({ held: 1, requested: 2 });

  await onPhone(phone, qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect.poll(async () => (await locks()).held).toBe(0);
});
