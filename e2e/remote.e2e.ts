/**
 * Driven by a TV remote: focus starts on each screen's primary action, arrows move it, OK presses,
 * Back asks before signing out and retries after an error. TV Back keys arrive as bare keyCodes.
 */
import type { Page } from '@playwright/test';
import { codeOnScreen, expect, onPhone, test } from './fixtures/stack.ts';

/** A key as a TV platform sends it: no standard `key` value, only a keyCode (webOS 461, Tizen 10009). */
async function pressTvKey(page: Page, keyCode: number): Promise<void> {
  await page.evaluate((code) => {
    const target = document.activeElement ?? document.body;
    target.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Unidentified', keyCode: code, bubbles: true, cancelable: true }),
    );
  }, keyCode);
}

const WEBOS_BACK = 461;
const TIZEN_BACK = 10009;

test('on the code screen focus is on "New code", and OK gets a new code at once', async ({ tv }) => {
  const first = await codeOnScreen(tv);
  await expect(tv.getByTestId('new-code')).toBeFocused();
  await tv.keyboard.press('Enter');
  await expect(tv.getByTestId('user-code')).not.toHaveText(first.userCode);
  await codeOnScreen(tv);
  await expect(tv.getByTestId('new-code')).toBeFocused();
});

test('OK with focus lost (clicked away) still presses the primary action', async ({ tv }) => {
  const first = await codeOnScreen(tv);
  await tv.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await tv.keyboard.press('Enter');
  await expect(tv.getByTestId('user-code')).not.toHaveText(first.userCode);
});

test('signed in: arrows move between the answer and Sign out; Back asks first, and a second Back keeps the session', async ({
  tv,
  phone,
}) => {
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('sign-out')).toBeFocused();

  // Up to the API answer; Down scrolls it while there is more to read, then moves on.
  const answer = tv.getByTestId('api-result');
  const signOut = tv.getByTestId('sign-out');
  // The answer arrives after the signed-in screen: wait for it before moving to it.
  await expect(answer).toBeVisible();
  await tv.keyboard.press('ArrowUp');
  await expect(answer).toBeFocused();
  const overflows = await answer.evaluate((el) => el.scrollHeight > el.clientHeight);
  await tv.keyboard.press('ArrowDown');
  if (overflows) {
    await expect(answer).toBeFocused();
    expect(await answer.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
    for (let i = 0; i < 20 && !(await signOut.evaluate((el) => el === document.activeElement)); i++)
      await tv.keyboard.press('ArrowDown');
  }
  await expect(signOut).toBeFocused();

  await tv.keyboard.press('Escape');
  const dialog = tv.getByTestId('confirm-sign-out');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('confirm-cancel')).toBeFocused();
  await tv.keyboard.press('ArrowRight');
  await expect(dialog.getByTestId('confirm-sign-out-yes')).toBeFocused();
  await tv.keyboard.press('ArrowDown'); // nothing below inside the dialog: focus stays in it
  await expect(dialog.getByTestId('confirm-sign-out-yes')).toBeFocused();

  await pressTvKey(tv, WEBOS_BACK);
  await expect(dialog).toHaveCount(0);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('sign-out')).toBeFocused();
});

test('signed in: webOS Back, then Right and OK signs out and a new code is shown', async ({ tv, phone }) => {
  const first = await codeOnScreen(tv);
  await onPhone(phone, first.qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');

  await pressTvKey(tv, WEBOS_BACK);
  await expect(tv.getByTestId('confirm-sign-out')).toBeVisible();
  await tv.keyboard.press('ArrowRight');
  await tv.keyboard.press('Enter');
  const second = await codeOnScreen(tv);
  expect(second.userCode).not.toBe(first.userCode);
  await expect(tv.getByTestId('new-code')).toBeFocused();
});

test('after an error focus is on Retry, and Tizen Back retries with a new code', async ({ tv, phone }) => {
  const first = await codeOnScreen(tv);
  await onPhone(phone, first.qrUri, 'deny');
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('retry')).toBeFocused();

  await pressTvKey(tv, TIZEN_BACK);
  const second = await codeOnScreen(tv);
  expect(second.userCode).not.toBe(first.userCode);
});

test('the focused control has a visible ring in the accent colour', async ({ tv }) => {
  await codeOnScreen(tv);
  const button = tv.getByTestId('new-code');
  await expect(button).toBeFocused();
  await expect(button).toHaveCSS('outline-style', 'solid');
  const width = await button.evaluate((el) => parseFloat(getComputedStyle(el).outlineWidth));
  expect(width).toBeGreaterThanOrEqual(3);
  await expect(button).toHaveCSS('outline-color', 'rgb(138, 180, 248)');
});

test('the idle warning takes focus, so OK keeps the session', async ({ openTv, phone }) => {
  const tv = await openTv({ clock: true, query: { idle_timeout: '60', api_interval: '0' } });
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await tv.clock.fastForward(61_000);
  const stay = tv.getByTestId('idle-warning').getByRole('button');
  await expect(stay).toBeFocused();
  await tv.keyboard.press('Enter');
  await expect(tv.getByTestId('idle-warning')).toHaveCount(0);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('sign-out')).toBeFocused();
});
