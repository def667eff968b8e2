/**
 * Soak: does a screen left on for days keep its memory flat? JS heap (after forced GC) and DOM nodes
 * after a few and after many code renewals, and after a few and after many token refreshes.
 * Runs on the desktop profile (no throttling): it measures growth, not speed, and must finish quickly.
 *
 * Time: Playwright's clock is installed before the page loads, and a small driver injected into the
 * page fast-forwards it from inside the page (`__pwClock.controller`, Playwright's own in-page clock)
 * as soon as the screen is ready for the next step. The bench makes no CDP call and no `evaluate`
 * per step: each `page.evaluate` leaves ~80 bytes behind in the page's heap (measured: 2 000 evaluates
 * on an idle page add ~160 kB), which would drown the app's own growth. The driver only talks to the
 * bench at checkpoints.
 *
 * Renewals: the bench rewrites `expires_in` of the IdP's device authorization answers (`page.route`)
 * to 1.01 s (just over the 1 s interval: the app refuses shorter ones); once a code and its QR are on
 * screen the driver fast-forwards 1.01 s: the pending poll fires (authorization_pending), the app finds
 * the code expired and asks for the next one (RFC 8628 §3.5), all through its own timers, with DPoP
 * on. While the app waits for a new code the driver sets the page's clock back to the real time, so
 * DPoP proofs stay within the IdP's allowed clock skew. `max_idle_codes=0` keeps the screen renewing
 * (by default it pauses after 3 unused codes). At each checkpoint the code gets `expires_in` = 5 s and
 * is left alone: the screen sits in its steady state (code and QR up, polling every second) while heap
 * and DOM are sampled, and renewals resume when that code expires by itself.
 *
 * Refreshes: the token answers get `expires_in: 2` (the IdP's JWTs still live an hour); once signed
 * in, the driver fast-forwards 1.9 s after each new API answer: the app's periodic API call
 * (`api_interval=1`) finds the token inside its refresh margin and refreshes it (RFC 6749 §6,
 * rotation) before calling the API. The page's clock drifts ahead by 1.9 s per refresh (~16 min after
 * 500), well inside the ID token's hour, which oauth4webapi checks on every refresh. DPoP is off here
 * (`dpop=false`): proofs carry `iat` from the page's clock, and the IdP and the API rightly refuse
 * proofs from the future. `idle_timeout=0` and `max_session=0` keep the session alive.
 */
import type { Browser, CDPSession, Page, Route } from '@playwright/test';
import { PROFILES } from './measure.ts';
import { pageScript } from './probe.ts';
import { appUrl, memorySample, snapshotGrowth, type MemorySample, type Phone, type Stack } from './stack.ts';

export interface SoakResult {
  kind: 'renewals' | 'refreshes';
  measurable: boolean;
  /** Why not, when not measurable. */
  reason?: string;
  checkpoints: { count: number; sample: MemorySample }[];
  /** Heap snapshot categories that grew most from the first to the last checkpoint (self bytes). */
  growth?: { what: string; count: number; bytes: number }[];
  /** Wall time of the soak, ms. */
  durationMs: number;
  notes: string[];
}

const desktop = PROFILES.find((p) => p.name === 'desktop')!;
const CHECKPOINT_HOLD_S = 5;
/** Just over the 1 s interval: the app refuses a code that would expire before its first poll. */
const SHORT_EXPIRY_S = 1.01;
const TOKEN_LIFETIME_S = 2;
/** Into the refresh margin (expiry - min(60 s, 10 %) = 1.8 s), not past expiry. */
const REFRESH_STEP_MS = 1_900;

interface SoakWindow {
  __pwClock?: {
    controller: { fastForward(ms: number): unknown; setSystemTime(time: number): void };
    builtins: { Date: DateConstructor; setTimeout: typeof setTimeout };
  };
  /** Bindings exposed by the bench. */
  __soakCheckpoint?: (what: string) => Promise<void>;
  __soakFail?: (why: string) => Promise<void>;
  /** Set by the bench: the user code to hold (renewals), or "hold the next API answer" (refreshes). */
  __soakHold?: string | boolean;
  /** Set by the driver: continue after a checkpoint (refreshes). */
  __soakResume?: () => void;
}

/** Page-side driver for renewals (serialised into the page: self-contained). */
export function renewalDriver(stepMs: number): void {
  const w = window as unknown as SoakWindow;
  let lastCode = '';
  let lastState = '';
  const qrDrawn = (): boolean => {
    const qr = document.querySelector('[data-testid=qr]');
    if (qr instanceof HTMLCanvasElement) return qr.width !== 300 || qr.height !== 150;
    if (qr instanceof HTMLImageElement) return qr.complete && qr.naturalWidth > 0;
    return !!qr?.querySelector('path, rect, polygon, use');
  };
  const check = (): void => {
    const clock = w.__pwClock;
    const state = document.querySelector('[data-testid=status]')?.getAttribute('data-state') ?? '';
    if (state !== lastState) {
      lastState = state;
      // Waiting for the next code: back to the real time, so fast-forwards never add up.
      if (state === 'requesting' && clock) clock.controller.setSystemTime(clock.builtins.Date.now());
      if (state !== 'code' && state !== 'requesting' && state !== 'starting') {
        void w.__soakFail?.(`screen left the code loop: ${state}: ${document.body.innerText.slice(0, 300)}`);
      }
    }
    const code = document.querySelector('[data-testid=user-code]')?.textContent?.trim() ?? '';
    if (state !== 'code' || !code || code === lastCode || !qrDrawn()) return;
    lastCode = code;
    if (code === w.__soakHold) {
      void w.__soakCheckpoint?.(code);
      return;
    }
    if (!clock) {
      void w.__soakFail?.('no Playwright clock in the page');
      return;
    }
    clock.builtins.setTimeout(() => void clock.controller.fastForward(stepMs), 0);
  };
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
  });
}

/** Page-side driver for refreshes (serialised into the page: self-contained). */
export function refreshDriver(stepMs: number): void {
  const w = window as unknown as SoakWindow;
  let lastText = '';
  let paused = false;
  const step = (): void => {
    paused = false;
    const clock = w.__pwClock;
    if (!clock) {
      void w.__soakFail?.('no Playwright clock in the page');
      return;
    }
    clock.builtins.setTimeout(() => void clock.controller.fastForward(stepMs), 0);
  };
  w.__soakResume = step;
  new MutationObserver(() => {
    const state = document.querySelector('[data-testid=status]')?.getAttribute('data-state');
    if (state === 'error' || state === 'starting' || state === 'requesting' || state === 'code') {
      if (lastText)
        void w.__soakFail?.(`screen left the signed-in state: ${state}: ${document.body.innerText.slice(0, 300)}`);
      return;
    }
    if (state !== 'signed-in') return;
    const text = document.querySelector('[data-testid=api-result]')?.textContent ?? '';
    if (!text || text === lastText) return;
    lastText = text;
    if (paused) return;
    if (w.__soakHold === true) {
      // Checkpoint: stay here (the app's own 1 s API calls go on in real time) until resumed.
      w.__soakHold = false;
      paused = true;
      void w.__soakCheckpoint?.('refresh');
      return;
    }
    step();
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

interface Signals {
  next(what: string, timeoutMs: number): Promise<string>;
}

/** Bindings the drivers call; `next` resolves with the next checkpoint, rejects on failure or timeout. */
async function signals(page: Page): Promise<Signals> {
  const queue: string[] = [];
  let failure: string | undefined;
  let wake: (() => void) | undefined;
  await page.exposeBinding('__soakCheckpoint', (_source, what: string) => {
    queue.push(what);
    wake?.();
  });
  await page.exposeBinding('__soakFail', (_source, why: string) => {
    failure ??= why;
    wake?.();
  });
  return {
    async next(what, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (failure) throw new Error(failure);
        const got = queue.shift();
        if (got !== undefined) return got;
        const left = deadline - Date.now();
        if (left <= 0) {
          const screen = await page.evaluate(() => document.body.innerText.slice(0, 300)).catch(() => 'unreadable');
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} [screen: ${screen}]`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1_000));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
  };
}

async function newSoakPage(browser: Browser): Promise<{ page: Page; cdp: CDPSession; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: desktop.viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  // No Network.enable on this session: DevTools would keep every response body in the page's process.
  const cdp = await context.newCDPSession(page);
  return { page, cdp, close: () => context.close() };
}

const withCors = (response: Awaited<ReturnType<Route['fetch']>>, origin: string) => ({
  ...response.headers(),
  'access-control-allow-origin': origin,
});

/** Moves the snapshots out of the samples into one growth list (the full summaries are large). */
function summarise(result: SoakResult): void {
  const first = result.checkpoints[0]?.sample.snapshot;
  const last = result.checkpoints[result.checkpoints.length - 1]?.sample.snapshot;
  if (first && last && result.checkpoints.length > 1) result.growth = snapshotGrowth(first, last);
  for (const c of result.checkpoints) delete c.sample.snapshot;
}

export async function soakRenewals(browser: Browser, stack: Stack, checkpoints: number[]): Promise<SoakResult> {
  const t0 = Date.now();
  const result: SoakResult = { kind: 'renewals', measurable: true, checkpoints: [], durationMs: 0, notes: [] };
  const { page, cdp, close } = await newSoakPage(browser);
  try {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const deviceEndpoint = `${stack.idp.issuer}/device/auth`;
    const appOrigin = new URL(stack.app.url).origin;
    /** Device authorization answers so far; the n-th (0-based) is renewal n. */
    let answers = 0;
    const holds = new Set(checkpoints);
    const heldCodes = new Map<string, number>();
    await page.clock.install();
    const signal = await signals(page);
    await page.addInitScript({ content: pageScript(renewalDriver, SHORT_EXPIRY_S * 1000) });
    await page.route(deviceEndpoint, async (route: Route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Record<string, unknown>;
      const renewal = answers++;
      if (holds.has(renewal)) {
        heldCodes.set(String(body.user_code), renewal);
        await page.evaluate((code) => ((window as unknown as SoakWindow).__soakHold = code), String(body.user_code));
      }
      body.expires_in = holds.has(renewal) ? CHECKPOINT_HOLD_S : SHORT_EXPIRY_S;
      await route.fulfill({ response, json: body, headers: withCors(response, appOrigin) });
    });
    await page.goto(appUrl(stack, { max_idle_codes: '0' }), { waitUntil: 'commit' });
    for (let i = 0; i < checkpoints.length; i++) {
      const code = await signal.next(`renewal ${checkpoints[i]}`, 180_000);
      const renewal = heldCodes.get(code) ?? -1;
      // The steady state: the QR drawn, DPoP key made, the first poll or so answered.
      await page.waitForTimeout(1_500);
      result.checkpoints.push({ count: renewal, sample: await memorySample(page, cdp, true) });
    }
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    summarise(result);
    if (errors.length) result.notes.push(`page errors: ${errors.slice(0, 3).join('; ')}`);
  } finally {
    await close();
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
  const result: SoakResult = { kind: 'refreshes', measurable: true, checkpoints: [], durationMs: 0, notes: [] };
  const { page, cdp, close } = await newSoakPage(browser);
  try {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const tokenEndpoint = `${stack.idp.issuer}/token`;
    const appOrigin = new URL(stack.app.url).origin;
    let refreshes = 0;
    const holds = new Set(checkpoints);
    await page.clock.install();
    const signal = await signals(page);
    await page.addInitScript({ content: pageScript(refreshDriver, REFRESH_STEP_MS) });
    // Tokens that the app believes live TOKEN_LIFETIME_S.
    await page.route(tokenEndpoint, async (route: Route) => {
      const response = await route.fetch();
      const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      if (!body || typeof body.access_token !== 'string') {
        await route.fulfill({ response });
        return;
      }
      if (/grant_type=refresh_token/.test(route.request().postData() ?? '')) {
        refreshes++;
        // Hold the screen on the API answer that follows this refresh.
        if (holds.has(refreshes)) await page.evaluate(() => ((window as unknown as SoakWindow).__soakHold = true));
      }
      body.expires_in = TOKEN_LIFETIME_S;
      await route.fulfill({ response, json: body, headers: withCors(response, appOrigin) });
    });
    // API every second; no idle sign-out and no session cap (they would end the soak); Bearer (see above).
    // The JSON view: the demo API's `served_at` changes the text on every answer, which the driver
    // steps on (the room view of the same schedule reads the same each time).
    const query = { api_interval: '1', idle_timeout: '0', max_session: '0', dpop: 'false', api_view: 'json' };
    await page.goto(appUrl(stack, query), { waitUntil: 'commit' });
    const qr = page.getByTestId('qr');
    await qr.waitFor({ timeout: 30_000 });
    await phone.approve((await qr.getAttribute('data-uri')) ?? '');
    for (let i = 0; i < checkpoints.length; i++) {
      try {
        await signal.next(`refresh ${checkpoints[i]}`, i === 0 ? 30_000 : 180_000);
      } catch (err) {
        if (refreshes === 0) {
          result.measurable = false;
          result.reason =
            'after sign-in and fast-forwards past the refresh margin, the app made no refresh_token request: ' +
            'without periodic API calls (api_interval) nothing asks for a fresh token';
          result.notes.push(err instanceof Error ? err.message : String(err));
          return result;
        }
        throw err;
      }
      await page.waitForTimeout(300);
      const count = refreshes;
      result.checkpoints.push({ count, sample: await memorySample(page, cdp, true) });
      await page.evaluate(() => (window as unknown as SoakWindow).__soakResume?.());
    }
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    summarise(result);
    if (errors.length) result.notes.push(`page errors: ${errors.slice(0, 3).join('; ')}`);
  } finally {
    await close();
    result.durationMs = Date.now() - t0;
  }
  return result;
}
