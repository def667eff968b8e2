/**
 * Soak: does a screen left on for days keep its memory flat? JS heap (after forced GC) and DOM nodes
 * after a few and after many code renewals, and after a few and after many token refreshes.
 * Runs on the desktop profile (no throttling): it measures growth, not speed, and must finish quickly.
 *
 * Renewals: Playwright's clock is installed before the page loads; the bench rewrites `expires_in` of
 * the IdP's device authorization answers (`page.route`) to 1.01 s (just over the 1 s interval: the app
 * refuses shorter ones), waits for each code and its QR on screen, then fast-forwards the page's clock
 * 1.01 s: the pending poll fires (authorization_pending), the app finds the code expired and asks
 * for the next one (RFC 8628 §3.5), all through its own timers, with DPoP on. While each request for a
 * code is held, the page's clock is set back to the real time, so DPoP proofs stay within the IdP's
 * allowed clock skew. At each checkpoint the code gets `expires_in` = 5 s instead and is left alone:
 * the screen sits in its steady state (code and QR up, polling every second) while heap and DOM are
 * sampled, and renewals resume when that code expires by itself.
 *
 * Refreshes: the bench rewrites `expires_in` of the token answers to 2 s (the IdP's JWTs still live
 * an hour), installs Playwright's clock before the page loads and, once signed in, fast-forwards it
 * 1.9 s at a time: the app's periodic API call (`api_interval=1`) then finds the token inside its
 * refresh margin and refreshes it (RFC 6749 §6, rotation) before calling the API. The page's clock
 * drifts ahead of the real one by 1.9 s per refresh (~16 min after 500), well inside the ID token's
 * hour, which oauth4webapi checks on every refresh. DPoP is off for this part (`dpop=false`): DPoP
 * proofs carry `iat` from the page's Date, and the IdP and the API rightly refuse proofs from the future.
 */
import type { Browser, Page, Route } from '@playwright/test';
import { applyProfile, PROFILES } from './measure.ts';
import { appUrl, memorySample, type MemorySample, type Phone, type Stack } from './stack.ts';

export interface SoakResult {
  kind: 'renewals' | 'refreshes';
  measurable: boolean;
  /** Why not, when not measurable. */
  reason?: string;
  checkpoints: { count: number; sample: MemorySample }[];
  /** Wall time of the soak, ms. */
  durationMs: number;
  notes: string[];
}

const desktop = PROFILES.find((p) => p.name === 'desktop')!;
const CHECKPOINT_HOLD_S = 5;
/** Just over the 1 s interval: the app refuses a code that would expire before its first poll. */
const SHORT_EXPIRY_S = 1.01;
const TOKEN_LIFETIME_S = 2;
const FAST_FORWARD_MS = 1_900;

async function until<T>(
  page: Page,
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      const screen = await page
        .evaluate(
          () =>
            `${document.querySelector('[data-testid=status]')?.getAttribute('data-state')}: ${document.body.innerText.slice(0, 300)}`,
        )
        .catch(() => 'unreadable');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} [screen: ${screen}]`);
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** The user code on screen once its QR is drawn too (a canvas resized from its 300x150 default, an svg with shapes, a loaded img). */
const shownCode = (page: Page) =>
  page.evaluate(() => {
    const status = document.querySelector('[data-testid=status]')?.getAttribute('data-state');
    const code = document.querySelector('[data-testid=user-code]')?.textContent?.trim();
    const qr = document.querySelector('[data-testid=qr]');
    const drawn =
      qr instanceof HTMLCanvasElement
        ? qr.width !== 300 || qr.height !== 150
        : qr instanceof HTMLImageElement
          ? qr.complete && qr.naturalWidth > 0
          : !!qr?.querySelector('path, rect, polygon, use');
    return status === 'code' && code && drawn ? code : undefined;
  });

export async function soakRenewals(browser: Browser, stack: Stack, checkpoints: number[]): Promise<SoakResult> {
  const t0 = Date.now();
  const context = await browser.newContext({ viewport: desktop.viewport, deviceScaleFactor: 1 });
  const result: SoakResult = { kind: 'renewals', measurable: true, checkpoints: [], durationMs: 0, notes: [] };
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await context.newCDPSession(page);
    await applyProfile(cdp, desktop);

    const deviceEndpoint = `${stack.idp.issuer}/device/auth`;
    const appOrigin = new URL(stack.app.url).origin;
    /** codes[n] = the user code of the n-th device authorization answer (0-based): renewal n. */
    const codes: string[] = [];
    const holds = new Set(checkpoints);
    await page.clock.install();
    await page.route(deviceEndpoint, async (route: Route) => {
      // While the app waits for its next code, bring the page's clock back to the real time, so the
      // fast-forwards never add up (DPoP proofs carry the page's time; the IdP allows 300 s of skew).
      await page.clock.setSystemTime(Date.now());
      const response = await route.fetch();
      const body = (await response.json()) as Record<string, unknown>;
      const renewal = codes.length;
      codes.push(String(body.user_code));
      body.expires_in = holds.has(renewal) ? CHECKPOINT_HOLD_S : SHORT_EXPIRY_S;
      await route.fulfill({
        response,
        json: body,
        headers: { ...response.headers(), 'access-control-allow-origin': appOrigin },
      });
    });
    // max_idle_codes=0: keep renewing (by default the screen pauses after 3 unused codes).
    await page.goto(appUrl(stack, { max_idle_codes: '0' }), { waitUntil: 'commit' });
    const max = Math.max(...checkpoints);
    for (let renewal = 0; renewal <= max; renewal++) {
      const code = await until(page, async () => codes[renewal], 30_000, `renewal ${renewal}`);
      await until(
        page,
        async () => (await shownCode(page)) === code,
        10_000,
        `code ${code} (renewal ${renewal}) and its QR on screen`,
      );
      if (!holds.has(renewal)) {
        // Past expires_in: the pending poll fires, then the app sees the code expired and asks again.
        await page.clock.fastForward(SHORT_EXPIRY_S * 1000);
        continue;
      }
      // Checkpoint: the screen in its steady state (code and QR up, polling each second), then it
      // expires by itself in real time.
      await page.waitForTimeout(1_500);
      if ((await shownCode(page)) !== code)
        throw new Error(`renewal ${renewal}: the code left the screen during the sample`);
      result.checkpoints.push({ count: renewal, sample: await memorySample(page, cdp) });
    }
    if (errors.length) result.notes.push(`page errors: ${errors.slice(0, 3).join('; ')}`);
  } finally {
    await context.close();
    result.durationMs = Date.now() - t0;
  }
  return result;
}

export async function soakRefreshes(
  browser: Browser,
  stack: Stack,
  phone: Phone,
  checkpoints: number[],
): Promise<SoakResult> {
  const t0 = Date.now();
  const context = await browser.newContext({ viewport: desktop.viewport, deviceScaleFactor: 1 });
  const result: SoakResult = { kind: 'refreshes', measurable: true, checkpoints: [], durationMs: 0, notes: [] };
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await context.newCDPSession(page);
    await applyProfile(cdp, desktop);

    let refreshes = 0;
    let apiCalls = 0;
    const tokenEndpoint = `${stack.idp.issuer}/token`;
    const appOrigin = new URL(stack.app.url).origin;
    // Counted on the response: Chromium sometimes reports a fully read fetch body as ERR_ABORTED
    // instead of finished, so 'requestfinished' misses calls.
    page.on('response', (res) => {
      if (res.request().method() === 'GET' && res.url().startsWith(stack.api.url) && res.ok()) apiCalls++;
    });
    // Tokens that the app believes live TOKEN_LIFETIME_S (the IdP's JWTs still live an hour).
    await page.route(tokenEndpoint, async (route: Route) => {
      const response = await route.fetch();
      const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      if (!body || typeof body.access_token !== 'string') {
        await route.fulfill({ response });
        return;
      }
      if (/grant_type=refresh_token/.test(route.request().postData() ?? '')) refreshes++;
      body.expires_in = TOKEN_LIFETIME_S;
      await route.fulfill({
        response,
        json: body,
        headers: { ...response.headers(), 'access-control-allow-origin': appOrigin },
      });
    });

    await page.clock.install();
    // API every second; no idle sign-out and no session cap (they would end the soak); Bearer (see above).
    await page.goto(appUrl(stack, { api_interval: '1', idle_timeout: '0', max_session: '0', dpop: 'false' }), {
      waitUntil: 'commit',
    });
    const qr = page.getByTestId('qr');
    await qr.waitFor({ timeout: 30_000 });
    await phone.approve((await qr.getAttribute('data-uri')) ?? '');
    const apiText = () =>
      page.evaluate(() => {
        const signedIn = document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'signed-in';
        return signedIn
          ? (document.querySelector('[data-testid=api-result]')?.textContent ?? '') || undefined
          : undefined;
      });
    let text = await until(page, apiText, 30_000, 'the signed-in screen with the API result');
    const callsAtSignIn = apiCalls;

    const max = Math.max(...checkpoints);
    for (let n = 1; n <= max; n++) {
      const before = { refreshes, apiCalls, text };
      // Into the refresh margin (expiry - min(60 s, 10 %) = 1.8 s) but not past expiry.
      await page.clock.fastForward(FAST_FORWARD_MS);
      try {
        text = await until(
          page,
          async () => {
            if (refreshes <= before.refreshes || apiCalls <= before.apiCalls) return undefined;
            const now = await apiText();
            return now !== undefined && now !== before.text ? now : undefined;
          },
          n === 1 ? 15_000 : 30_000,
          `refresh ${n} and the API call after it`,
        );
      } catch (err) {
        if (n === 1) {
          result.measurable = false;
          const periodic = apiCalls > callsAtSignIn;
          result.reason = periodic
            ? `the app called the API again (${apiCalls - callsAtSignIn}x) but made no refresh_token request although its token was inside the refresh margin`
            : 'the app made no API call after sign-in: it has no periodic API call (api_interval) yet, so nothing asks for a fresh token';
          result.notes.push(err instanceof Error ? err.message : String(err));
          return result;
        }
        throw err;
      }
      if (checkpoints.includes(n)) {
        await page.waitForTimeout(300);
        result.checkpoints.push({ count: n, sample: await memorySample(page, cdp) });
      }
    }
    if (errors.length) result.notes.push(`page errors: ${errors.slice(0, 3).join('; ')}`);
  } finally {
    await context.close();
    result.durationMs = Date.now() - t0;
  }
  return result;
}
