/**
 * A TV whose clock is wrong. Playwright's clock stands in for the TV's: installed before the app
 * loads with a time 10 minutes off, it is the wall clock the page (and oauth4webapi) reads, while the
 * demo IdP and API keep the machine's real time. The IdP checks a DPoP proof's `iat` within 5
 * minutes (oidc-provider), the API within 60 s (demo/api.ts), so without the screen's estimate of
 * the IdP's clock (its `Date` header, src/core/server-time.ts) neither sign-in nor API call works.
 * Then `setSystemTime` jumps the wall clock as NTP would at boot: durations run on the monotonic
 * clock (performance.now), which does not jump, so nothing fires.
 */
import type { Page } from '@playwright/test';
import { codeOnScreen, expect, onPhone, test } from './fixtures/stack.ts';

const TEN_MINUTES = 10 * 60_000;
const TWO_HOURS = 2 * 60 * 60_000;

/** Resolves at the next `n` answers to requests whose URL starts with `prefix`, from now on. */
function answers(page: Page, prefix: string, n: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const onResponse = (res: { url(): string; request(): { method(): string } }) => {
      if (!res.url().startsWith(prefix) || res.request().method() === 'OPTIONS') return;
      if (++seen < n) return;
      page.off('response', onResponse);
      resolve();
    };
    page.on('response', onResponse);
  });
}

for (const [name, offset] of [
  ['fast', TEN_MINUTES],
  ['slow', -TEN_MINUTES],
] as const) {
  test(`signs in and calls the API with DPoP on a TV whose clock is 10 minutes ${name}`, async ({ openTv, phone }) => {
    const tv = await openTv({ init: (page) => page.clock.install({ time: Date.now() + offset }) });
    // The page really lives 10 minutes off.
    expect(Math.abs((await tv.evaluate(() => Date.now())) - Date.now() - offset)).toBeLessThan(60_000);
    const { qrUri } = await codeOnScreen(tv);
    await onPhone(phone, qrUri);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
    await expect(tv.getByTestId('user')).toContainText('Ada Lovelace');
    // The API took the DPoP proof too: it answered with the caller's name, not a refusal.
    await expect(tv.getByTestId('api-result')).toContainText('Ada Lovelace');
    await expect(tv.getByTestId('api-error')).toHaveCount(0);
  });
}

test('a wall-clock jump of +2 h on the code screen neither expires the code nor empties its countdown', async ({
  openTv,
  idp,
}) => {
  const tv = await openTv({ clock: true });
  const { userCode } = await codeOnScreen(tv);
  await expect(tv.getByTestId('expires')).toContainText(/\b(9|10):\d\d\b/);
  const twoPolls = answers(tv, `${idp.issuer}/token`, 2);
  await tv.clock.setSystemTime((await tv.evaluate(() => Date.now())) + TWO_HOURS);
  await twoPolls;
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
  await expect(tv.getByTestId('user-code')).toHaveText(userCode);
  await expect(tv.getByTestId('expires')).toContainText(/\b(9|10):\d\d\b/);
});

test('a wall-clock jump of +2 h while signed in fires neither the idle sign-out nor max_session', async ({
  openTv,
  phone,
  api,
}) => {
  const tv = await openTv({ clock: true, query: { idle_timeout: '600', max_session: '3600', api_interval: '1' } });
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('api-result')).toContainText('Ada Lovelace');

  // Two API calls after the jump: the signed-in loop has ticked since, with the jump in Date.now().
  const twoCalls = answers(tv, api.url, 2);
  await tv.clock.setSystemTime((await tv.evaluate(() => Date.now())) + TWO_HOURS);
  await twoCalls;
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('idle-warning')).toHaveCount(0);
  // The API still takes the DPoP proofs: their iat follows the IdP's clock, not the jumped one.
  await expect(tv.getByTestId('api-error')).toHaveCount(0);
  await expect(tv.getByTestId('api-result')).toContainText('Ada Lovelace');
});
