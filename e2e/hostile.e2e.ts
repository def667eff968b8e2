/**
 * A malicious or broken IdP must never run script on the screen or mislead the person in front of
 * it (RFC 8628 §5.4 remote phishing, §6.1 user code; OWASP DOM XSS). Every test watches the page
 * from before the app loads: no dialog opened, no navigation, no element made from IdP text.
 */
import type { Page } from '@playwright/test';
import {
  codeOnScreen,
  expect,
  fault,
  polls,
  ROUTES,
  test,
  to,
  watchPage,
  type PageWatch,
  type TvOptions,
} from './fixtures/faults.ts';

type OpenTv = (options?: TvOptions) => Promise<Page>;

/** Opens the TV with a watch on it from the first byte. */
async function openWatched(openTv: OpenTv, options: { clock?: boolean } = {}): Promise<{ tv: Page; watch: PageWatch }> {
  let watch!: PageWatch;
  const tv = await openTv({ ...options, init: (page) => void (watch = watchPage(page)) });
  return { tv, watch };
}

async function expectNothingRan(tv: Page, watch: PageWatch, url: string): Promise<void> {
  expect(watch.dialogs, 'no dialog').toEqual([]);
  expect(watch.navigations, 'no navigation').toEqual([]);
  expect(tv.url()).toBe(url);
  expect(await watch.injected(), 'no element made from IdP text').toBe(0);
}

const hostileUris: [string, Record<string, string>][] = [
  ['a javascript: verification_uri', { verification_uri: 'javascript:alert(document.domain)' }],
  ['a javascript: verification_uri_complete', { verification_uri_complete: 'javascript:alert(1)//?user_code=X' }],
  ['a data: verification_uri', { verification_uri: 'data:text/html,<script>alert(1)</script>' }],
  ['a plain-http verification_uri off this machine', { verification_uri: 'http://evil.example/device' }],
  ['a vbscript: verification_uri_complete', { verification_uri_complete: 'vbscript:msgbox(1)' }],
];

for (const [what, fields] of hostileUris) {
  test(`${what} is refused: no link, no QR, an error naming the field`, async ({ openTv, idpProxy }) => {
    idpProxy.add({ path: ROUTES.device, fault: fault.rewrite((b) => ({ ...b, ...fields })) });
    const { tv, watch } = await openWatched(openTv);
    const url = tv.url();
    await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'insecure_uri');
    await expect(tv.getByTestId('error-details')).toContainText(Object.keys(fields)[0]!);
    await expect(tv.getByTestId('qr')).toHaveCount(0);
    await expect(tv.getByTestId('verification-uri')).toHaveCount(0);
    await expect(tv.getByTestId('user-code')).toHaveCount(0);
    await expectNothingRan(tv, watch, url);
  });
}

const literalCodes = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  '{{7*7}}${7*7}<!--',
];

for (const user_code of literalCodes) {
  test(`a user code of ${user_code} is shown literally, as text`, async ({ openTv, idpProxy }) => {
    idpProxy.add({ path: ROUTES.device, fault: fault.rewrite((b) => ({ ...b, user_code })) });
    const { tv, watch } = await openWatched(openTv);
    const url = tv.url();
    await codeOnScreen(tv);
    await expect(tv.getByTestId('user-code')).toHaveText(user_code);
    await expectNothingRan(tv, watch, url);
  });
}

const refusedCodes: [string, string][] = [
  ['a right-to-left override (it shows the code reversed)', 'WDJB\u202eTHJM'],
  ['a zero-width space', 'WDJB-\u200bMJHT'],
  ['200 characters', `<script>${'A'.repeat(183)}</script>`],
];

for (const [what, user_code] of refusedCodes) {
  test(`a user code with ${what} is refused`, async ({ openTv, idpProxy }) => {
    idpProxy.add({ path: ROUTES.device, fault: fault.rewrite((b) => ({ ...b, user_code })) });
    const { tv, watch } = await openWatched(openTv);
    const url = tv.url();
    await expect(tv.getByTestId('error')).toHaveText('The sign-in server sent a code that cannot be shown.');
    await expect(tv.getByTestId('user-code')).toHaveCount(0);
    await expectNothingRan(tv, watch, url);
  });
}

test('an error and a 10 000-character error_description full of HTML are shown as clipped text', async ({
  openTv,
  idpProxy,
}) => {
  const payload = '<img src=x onerror=alert(1)>';
  idpProxy.add({
    path: ROUTES.device,
    fault: fault.oauthError('<b>bad</b>', 400, { error_description: `${payload}${'<i>x</i>'.repeat(1_250)}` }),
  });
  const { tv, watch } = await openWatched(openTv);
  const url = tv.url();
  const details = tv.getByTestId('error-details');
  await expect(details).toContainText(`answered <b>bad</b>: ${payload}<i>x</i>`);
  await expect(details).toHaveText(/…$/);
  expect(((await details.textContent()) ?? '').length).toBeLessThanOrEqual(400);
  await expectNothingRan(tv, watch, url);
});

test('a Retry-After of 10^11 seconds is capped at 10 minutes, neither obeyed for ever nor turned into a tight loop', async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({
    path: ROUTES.discovery,
    method: 'GET',
    nth: 1,
    fault: fault.status(503, { retryAfter: '99999999999' }),
  });
  const { tv } = await openWatched(openTv, { clock: true });
  await expect(tv.getByTestId('retry-countdown')).toContainText('10:00');
  await tv.clock.fastForward(9 * 60_000);
  expect(to(idpProxy, ROUTES.discovery, 'GET')).toHaveLength(1);
  await tv.clock.fastForward(61_000);
  await codeOnScreen(tv);
  expect(to(idpProxy, ROUTES.discovery, 'GET')).toHaveLength(2);
});

test('a sub-second interval is raised to 1 s: the IdP is not flooded with polls', async ({ openTv, idpProxy }) => {
  idpProxy.add({ path: ROUTES.device, fault: fault.rewrite((b) => ({ ...b, interval: 0.001 })) });
  const tv = await openTv();
  await codeOnScreen(tv);
  await expect.poll(() => polls(idpProxy).length).toBeGreaterThanOrEqual(3);
  const [a, b, c] = polls(idpProxy);
  expect(b!.at - a!.answeredAt!).toBeGreaterThanOrEqual(1_000 - 15);
  expect(c!.at - b!.answeredAt!).toBeGreaterThanOrEqual(1_000 - 15);
});

test('a code that expires at once (expires_in 0) is refused rather than replaced in a loop', async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({ path: ROUTES.device, fault: fault.rewrite((b) => ({ ...b, expires_in: 0 })) });
  const tv = await openTv({ clock: true });
  await expect(tv.getByTestId('error')).toHaveText('The sign-in server sent a code that expires at once.');
  await tv.clock.fastForward(60_000);
  expect(to(idpProxy, ROUTES.device)).toHaveLength(1);
  expect(polls(idpProxy)).toHaveLength(0);
});
