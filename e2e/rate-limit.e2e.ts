/**
 * An IdP that limits how often the screen may ask. `slow_down` sent with HTTP 429 (authentik) is
 * still slow_down (RFC 8628 §3.5: +5 s, kept for all later polls); a bare 429 (an IdP limiting its
 * token endpoint to 20 requests a minute, saying only `X-Retry-After`) is waited out as asked and
 * named on screen as the IdP limiting this screen, not as connection trouble. Timing is asserted
 * from the fault proxy's log, as in faults-polling.e2e.ts; the IdP's interval is 1 s.
 */
import { codeOnScreen, expect, fault, isPoll, polls, ROUTES, test, waits, type Fault } from './fixtures/faults.ts';

/** Timer granularity between the browser and node; a real violation is hundreds of ms or more. */
const SLACK_MS = 15;

/** A rate limiter's bare 429, its wait only in the non-standard header (exposed, or the browser hides it). */
const limited = (seconds: number): Fault => ({
  kind: 'respond',
  status: 429,
  headers: {
    'content-type': 'text/plain',
    'x-retry-after': String(seconds),
    'access-control-expose-headers': 'X-Retry-After',
  },
  body: 'Too Many Requests\n',
});

test('slow_down sent with HTTP 429 (authentik) adds 5 s and keeps it for every later poll, with no trouble shown', async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({ path: ROUTES.token, when: isPoll, nth: 2, fault: fault.json({ error: 'slow_down' }, 429) });
  const tv = await openTv();
  await codeOnScreen(tv);
  await expect.poll(() => polls(idpProxy).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
  expect(polls(idpProxy)[1]!.status).toBe(429);
  const [beforeSlowDown, afterSlowDown, later] = waits(polls(idpProxy));
  expect(beforeSlowDown).toBeGreaterThanOrEqual(1_000 - SLACK_MS);
  expect(afterSlowDown).toBeGreaterThanOrEqual(6_000 - SLACK_MS);
  expect(later).toBeGreaterThanOrEqual(6_000 - SLACK_MS);
  await expect(tv.getByTestId('poll-retry')).toHaveCount(0);
});

test('a bare 429 with only X-Retry-After is waited out as asked and named as the IdP limiting this screen', async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({ path: ROUTES.token, when: isPoll, nth: 1, fault: limited(4) });
  const tv = await openTv();
  const { userCode } = await codeOnScreen(tv);
  await expect(tv.getByTestId('poll-retry')).toHaveText(
    /^The sign-in server is limiting how often this screen may ask, asking again in 0:0\d$/,
  );
  await expect.poll(() => polls(idpProxy).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  const [afterLimit] = waits(polls(idpProxy));
  // The backoff alone would have been 2 s (twice the interval).
  expect(afterLimit).toBeGreaterThanOrEqual(4_000 - SLACK_MS);
  await expect(tv.getByTestId('poll-retry')).toHaveCount(0);
  await expect(tv.getByTestId('user-code')).toHaveText(userCode);
});

test('a 429 from the device authorization endpoint is named as a rate limit, with a countdown, and heals by itself', async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({ path: ROUTES.device, nth: 1, fault: fault.status(429, { retryAfter: '3' }) });
  const tv = await openTv();
  await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'http');
  await expect(tv.getByTestId('error')).toHaveText(
    `The server at ${idpProxy.url} is limiting how often this screen may ask (HTTP 429). The screen waits as long as the server asked, then tries again.`,
  );
  await expect(tv.getByTestId('error-details')).toHaveText(
    `device authorization endpoint ${idpProxy.url}/device/auth: HTTP 429, asked to wait 3 s`,
  );
  await expect(tv.getByTestId('retry-countdown')).toBeVisible();
  await codeOnScreen(tv);
});
