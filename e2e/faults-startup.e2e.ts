/**
 * Getting to a code through a faulty network: discovery and the device authorization request
 * (RFC 8628 §3.1). Passing failures retry by themselves with a countdown on screen, and the screen
 * is never blank while they do.
 */
import type { Page } from '@playwright/test';
import { codeOnScreen, expect, fault, onPhone, ROUTES, test, to, type Fault } from './fixtures/faults.ts';

/** The session's first retry waits 2 s (plus jitter); the proxy's clock can only see it longer. */
const FIRST_RETRY_MS = 2_000;

/** Playwright's clock, paused from before the app loads: no timer fires until the test moves time. */
const PAUSED = { clock: true, init: (page: Page) => page.clock.pauseAt(Date.now() + 60_000) };
const SLACK_MS = 15;

/**
 * Passing failures of the device authorization request, with the error code the screen shows for
 * each. A reset or closed connection reads as `cors`: the browser reports both as a bare TypeError
 * and the no-cors probe finds the server reachable, so it cannot be told from a CORS refusal; it
 * retries by itself all the same.
 */
const passing: [string, Fault, string][] = [
  ['HTTP 500', fault.status(500), 'http'],
  ['HTTP 502 with an HTML error page', fault.html(502), 'http'],
  ['HTTP 503 without Retry-After', fault.status(503), 'http'],
  ['HTTP 429', fault.status(429), 'http'],
  ['a reset connection', fault.reset, 'cors'],
  ['a connection closed without an answer', fault.destroy, 'cors'],
  ['an answer cut off in the middle of its body', fault.cut(30), 'network'],
];

for (const [what, failure, code] of passing) {
  test(`the device authorization endpoint failing with ${what} shows a countdown, then a code by itself`, async ({
    openTv,
    idpProxy,
  }) => {
    idpProxy.add({ path: ROUTES.device, nth: 1, fault: failure });
    // Time stands still until the test moves it, so the error stays on screen however slow the
    // machine; the discovery test below measures real backoff times instead.
    const tv = await openTv(PAUSED);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
    await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', code);
    await expect(tv.getByTestId('retry-countdown')).toBeVisible();
    await expect(tv.getByTestId('error-details')).toContainText(
      `device authorization endpoint ${idpProxy.url}/device/auth`,
    );
    await tv.clock.fastForward(3_000);
    await codeOnScreen(tv);
    expect(to(idpProxy, ROUTES.device)).toHaveLength(2);
  });
}

test('a failing discovery document shows the error and a countdown, then recovers by itself', async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({ path: ROUTES.discovery, method: 'GET', nth: [1, 2], fault: fault.status(503) });
  const tv = await openTv();
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('error')).toContainText('busy or failing (HTTP 503)');
  await expect(tv.getByTestId('error-details')).toHaveText(
    `discovery document ${idpProxy.url}/.well-known/openid-configuration: HTTP 503`,
  );
  await expect(tv.getByTestId('retry-countdown')).toBeVisible();
  await codeOnScreen(tv);
  const [first, second, third] = to(idpProxy, ROUTES.discovery, 'GET');
  // Backoff between tries: 2 s, then 4 s (RFC 8628 §3.5's advice, applied to every passing failure).
  expect(second!.at - first!.answeredAt!).toBeGreaterThanOrEqual(FIRST_RETRY_MS - SLACK_MS);
  expect(third!.at - second!.answeredAt!).toBeGreaterThanOrEqual(2 * FIRST_RETRY_MS - SLACK_MS);
});

test('a discovery request that hangs times out after 15 s and is tried again', async ({ openTv, idpProxy }) => {
  idpProxy.add({ path: ROUTES.discovery, method: 'GET', nth: 1, fault: fault.hang });
  const tv = await openTv(PAUSED);
  await expect.poll(() => to(idpProxy, ROUTES.discovery, 'GET').length).toBe(1);
  await tv.clock.fastForward(14_000);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'starting');
  // The person sees what the screen waits for (the header is laid out once discovery is slow).
  await expect(tv.getByTestId('status')).toBeVisible();
  await expect(tv.getByTestId('status')).toHaveText('Connecting to the sign-in server…');
  await tv.clock.fastForward(1_000);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('error')).toContainText('did not answer in time');
  await expect(tv.getByTestId('error-details')).toContainText('no answer within 15 s');
  await tv.clock.fastForward(3_000);
  await codeOnScreen(tv);
});

test("a 503 with Retry-After from the device authorization endpoint is waited out, not the app's shorter backoff", async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({ path: ROUTES.device, nth: 1, fault: fault.status(503, { retryAfter: '4' }) });
  const tv = await openTv();
  await expect(tv.getByTestId('retry-countdown')).toBeVisible();
  await codeOnScreen(tv);
  const [failed, retried] = to(idpProxy, ROUTES.device);
  expect(retried!.at - failed!.answeredAt!).toBeGreaterThanOrEqual(4_000 - SLACK_MS);
});

test('"Try now" during the countdown asks again at once', async ({ openTv, idpProxy }) => {
  idpProxy.add({ path: ROUTES.device, nth: 1, fault: fault.status(503, { retryAfter: '600' }) });
  const tv = await openTv();
  await expect(tv.getByTestId('retry-countdown')).toContainText('10:00');
  await tv.getByTestId('retry').click();
  await codeOnScreen(tv);
});

test('2 s of latency on every request of the TV slows the sign-in but never blanks the screen', async ({
  openTv,
  phone,
  idpProxy,
  app,
}) => {
  const fromTv = (r: { origin?: string }) => r.origin === new URL(app.url).origin;
  idpProxy.add({ path: /.*/, method: '*', when: fromTv, delayMs: 2_000, fault: fault.forward });
  const tv = await openTv();
  // Never blank: while the answers crawl in, the screen says what it is doing.
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', /^(starting|requesting)$/);
  const { qrUri } = await codeOnScreen(tv);
  await onPhone(phone, qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in', { timeout: 20_000 });
});
