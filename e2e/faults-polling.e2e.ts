/**
 * Polling the token endpoint (RFC 8628 §3.4–3.5) through a faulty network. Timing is asserted from
 * the proxy's log, i.e. from the IdP's side of the wire: each wait is measured from the moment the
 * previous answer left the proxy to the moment the next poll arrived, which can only be longer
 * than the wait the app measured. The IdP's interval is 1 s (the fixture's default).
 *
 * Every wait the RFC fixes is bounded on both sides: never sooner than allowed, and no later than
 * allowed + LATE_MS, so a client that waited a minute (or ignored the interval the other way) fails.
 */
import { codeOnScreen, expect, fault, isPoll, onPhone, polls, ROUTES, test, waits } from './fixtures/faults.ts';

/** Timer granularity between the browser and node; a real violation is hundreds of ms or more. */
const SLACK_MS = 15;
/**
 * How much later than allowed a poll may arrive: the answer's trip to the browser, its parsing, a
 * DPoP proof and the trip back, on a busy test machine. A client that sleeps too long is seconds late.
 */
const LATE_MS = 1_000;

/** A wait no shorter than `earliest` (less timer granularity) and no longer than `latest` + LATE_MS. */
function expectWait(wait: number | undefined, earliest: number, latest = earliest): void {
  expect(wait).toBeGreaterThanOrEqual(earliest - SLACK_MS);
  expect(wait).toBeLessThanOrEqual(latest + LATE_MS);
}

test('polls one interval apart, neither sooner nor much later, starting one interval after the code arrived', async ({
  tv,
  idpProxy,
}) => {
  await codeOnScreen(tv);
  await expect.poll(() => polls(idpProxy).length).toBeGreaterThanOrEqual(4);
  const device = idpProxy.requests.find((r) => r.path === ROUTES.device)!;
  const list = polls(idpProxy);
  expectWait(list[0]!.at - device.answeredAt!, 1_000);
  for (const wait of waits(list)) expectWait(wait, 1_000);
});

test('slow_down adds 5 s to the interval and keeps it for every later poll (RFC 8628 §3.5)', async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({ path: ROUTES.token, when: isPoll, nth: 2, fault: fault.oauthError('slow_down') });
  const tv = await openTv();
  await codeOnScreen(tv);
  await expect.poll(() => polls(idpProxy).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
  const [beforeSlowDown, afterSlowDown, later] = waits(polls(idpProxy));
  expectWait(beforeSlowDown, 1_000);
  expectWait(afterSlowDown, 6_000);
  // Kept: the pending answer after the slow_down does not bring the 1 s interval back.
  expectWait(later, 6_000);
});

test("a 429 with Retry-After is obeyed before the next poll, and then the IdP's interval is kept again", async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({ path: ROUTES.token, when: isPoll, nth: 1, fault: fault.status(429, { retryAfter: '3' }) });
  const tv = await openTv();
  await codeOnScreen(tv);
  await expect.poll(() => polls(idpProxy).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
  const [afterRateLimit, afterPending] = waits(polls(idpProxy));
  expect(polls(idpProxy)[0]!.status).toBe(429);
  // Retry-After (3 s) is longer than the first backoff (2 s, plus at most 20 %): it decides.
  expectWait(afterRateLimit, 3_000);
  expectWait(afterPending, 1_000);
});

test('a 500 and a reset connection back off exponentially, and the same code stays redeemable', async ({
  openTv,
  phone,
  idpProxy,
}) => {
  idpProxy.add(
    { path: ROUTES.token, when: isPoll, nth: 1, fault: fault.status(500) },
    { path: ROUTES.token, when: isPoll, nth: 2, fault: fault.reset },
  );
  const tv = await openTv();
  const first = await codeOnScreen(tv);
  await expect.poll(() => polls(idpProxy).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
  const [afterFirstFailure, afterSecondFailure] = waits(polls(idpProxy));
  // RFC 8628 §3.5 "SHOULD use exponential backoff": interval × 2, then × 4 (plus up to 20 % jitter).
  expectWait(afterFirstFailure, 2_000, 2_400);
  expectWait(afterSecondFailure, 4_000, 4_800);

  // The device code is kept across the failures: same code on screen, same device_code in every poll.
  expect((await codeOnScreen(tv)).userCode).toBe(first.userCode);
  expect(new Set(polls(idpProxy).map((r) => r.form?.device_code)).size).toBe(1);
  expect(idpProxy.requests.filter((r) => r.path === ROUTES.device)).toHaveLength(1);
  // The IdP answered again: the "trying again" hint is gone.
  await expect(tv.getByTestId('poll-retry')).toHaveCount(0);

  await onPhone(phone, first.qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
});

test('a poll that hangs times out after 15 s and becomes a retry, not a frozen screen', async ({
  openTv,
  idpProxy,
}) => {
  // The first two polls hang: the hint stays up until a poll is answered, whatever the machine's pace.
  idpProxy.add({ path: ROUTES.token, when: isPoll, nth: [1, 2], fault: fault.hang });
  // Playwright's clock stands in for the 15 s (transport.ts DEFAULT_TIMEOUT_MS) so the test does not wait it out.
  const tv = await openTv({ clock: true });
  const { userCode } = await codeOnScreen(tv);
  await expect.poll(() => polls(idpProxy).length).toBe(1);
  await tv.clock.fastForward(15_000);
  await expect(tv.getByTestId('poll-retry')).toBeVisible();
  // The hung request was given up (the browser closed it), and after the backoff the next poll
  // goes out with the same device code while the same user code stays on screen.
  await tv.clock.fastForward(3_000);
  await expect.poll(() => polls(idpProxy).length).toBe(2);
  expect(polls(idpProxy)[0]!.answeredAt).toBeDefined();
  expect(polls(idpProxy)[1]!.form?.device_code).toBe(polls(idpProxy)[0]!.form?.device_code);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
  await expect(tv.getByTestId('user-code')).toHaveText(userCode);
  // The second times out too; the third is answered (pending) and the hint goes.
  await tv.clock.fastForward(15_000 + 5_000);
  await expect.poll(() => polls(idpProxy).length).toBeGreaterThanOrEqual(3);
  await expect(tv.getByTestId('poll-retry')).toHaveCount(0);
  await expect(tv.getByTestId('user-code')).toHaveText(userCode);
});

test.describe('a code that expires', () => {
  test.use({ idpOptions: { interval: 1, deviceCodeTtl: 4 } });

  test('is kept through failing polls until it expires, then a new code appears by itself', async ({
    openTv,
    idpProxy,
  }) => {
    idpProxy.add({ path: ROUTES.token, when: isPoll, fault: fault.status(503) });
    const tv = await openTv();
    const first = await codeOnScreen(tv);
    await expect(tv.getByTestId('user-code')).not.toHaveText(first.userCode, { timeout: 10_000 });
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');

    const codes = idpProxy.requests.filter((r) => r.path === ROUTES.device);
    expect(codes).toHaveLength(2);
    // Kept until it expired: the new code was asked for no sooner than 4 s after the first arrived
    // (the app counts expires_in from when the answer reached it, RFC 8628 §3.2)…
    expectWait(codes[1]!.at - codes[0]!.answeredAt!, 4_000);
    // …and the dead code was never polled again once the new one was asked for.
    const firstDeviceCode = polls(idpProxy)[0]!.form?.device_code;
    const firstCodePolls = polls(idpProxy).filter((r) => r.form?.device_code === firstDeviceCode);
    expect(firstCodePolls.length).toBeGreaterThanOrEqual(1);
    for (const poll of firstCodePolls) expect(poll.n).toBeLessThan(codes[1]!.n);
  });
});
