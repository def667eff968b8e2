/**
 * The boot path (src/boot): the page's first script shows the code before the app has loaded, and
 * the app takes over that very screen. The app's chunk is held back at the network until the test
 * has looked at the boot screen, so "before the app" is a fact of the test, not a race. (Under the
 * strict CSP, the same start-up runs in e2e/csp.e2e.ts and, behind nginx, in e2e/deploy.e2e.ts.)
 */
import type { Page } from '@playwright/test';
import de from '../src/i18n/de.ts';
import { captureCanvas, decodeCapture } from '../bench/qr.ts';
import { expect, test } from './fixtures/stack.ts';

/** The app's own chunk (Svelte, the session, the screens): only the boot path imports it. */
const APP_CHUNK = /\/assets\/main-[\w-]+\.js$/;
/** The QR encoder's chunk (src/ui/qr.ts and qrcode), which the boot path asks for once discovery has left. */
const QR_CHUNK = /\/assets\/qr-[\w-]+\.js$/;
const HOOKS = ['status', 'user-code', 'verification-uri', 'qr', 'expires', 'new-code'];

declare global {
  interface Window {
    __hooksSeen?: Record<string, number>;
  }
}

interface Endpoints {
  device_authorization_endpoint: string;
  token_endpoint: string;
}

interface Requests {
  device: number;
  token: number;
}

interface Held {
  /** The user code on screen when the page asked for the app's chunk (undefined: not asked yet). */
  codeWhenAppAsked?: string | null;
  release(): void;
}

/**
 * Before the page loads: hold the app's chunk, count the requests for codes and tokens, and record
 * the most elements each hook ever had at once.
 */
async function prepare(page: Page, endpoints: Endpoints, requests: Requests): Promise<Held> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held: Held = { release };
  await page.route(APP_CHUNK, async (route) => {
    held.codeWhenAppAsked = await page.evaluate(
      () => document.querySelector('[data-testid=user-code]')?.textContent ?? null,
    );
    await released;
    await route.continue();
  });
  page.on('request', (request) => {
    if (request.method() !== 'POST') return;
    if (request.url() === endpoints.device_authorization_endpoint) requests.device++;
    if (request.url() === endpoints.token_endpoint) requests.token++;
  });
  await page.addInitScript((hooks: string[]) => {
    const seen: Record<string, number> = {};
    window.__hooksSeen = seen;
    new MutationObserver(() => {
      for (const hook of hooks)
        seen[hook] = Math.max(seen[hook] ?? 0, document.querySelectorAll(`[data-testid="${hook}"]`).length);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-testid'] });
  }, HOOKS);
  return held;
}

/** What the screen shows where a person looks: boxes and texts of the code screen's parts. */
async function screen(tv: Page) {
  const parts: Record<string, { box: unknown; text: string | null; label: string | null }> = {};
  for (const hook of HOOKS) {
    const el = tv.getByTestId(hook);
    parts[hook] = {
      box: await el.boundingBox(),
      text: await el.textContent(),
      label: await el.getAttribute('aria-label'),
    };
  }
  parts.title = { box: await tv.locator('h1').boundingBox(), text: await tv.locator('h1').textContent(), label: null };
  return parts;
}

/** Playwright's clock, paused before the page loads: the countdowns move only when the test says. */
const pause = (page: Page) => page.clock.pauseAt(Date.now() + 60_000);

/**
 * The code on screen when the page asked for the app, moving the stopped clock on by a frame per
 * look: it runs the page's animation frames too, and the app is asked for after one.
 */
async function appAsked(page: Page, held: Held): Promise<string | null | undefined> {
  if (held.codeWhenAppAsked === undefined) await page.clock.runFor(20);
  return held.codeWhenAppAsked;
}

const secondsLeft = async (tv: Page) => {
  const [, m, s] = /(\d+):(\d\d)/.exec((await tv.getByTestId('expires').textContent()) ?? '') ?? [];
  return Number(m) * 60 + Number(s);
};

test.describe('the code before the app', () => {
  let endpoints: Endpoints;
  test.beforeEach(async ({ idp }) => {
    endpoints = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Endpoints;
  });

  test('is painted by the boot path and taken over by the app: one request, same code, same deadline, same pixels, nothing moves', async ({
    openTv,
  }) => {
    const requests: Requests = { device: 0, token: 0 };
    const answers: { user_code: string; verification_uri_complete: string; expires_in: number }[] = [];
    let held!: Held;
    const tv = await openTv({
      clock: true,
      init: async (page) => {
        await pause(page);
        held = await prepare(page, endpoints, requests);
        // Read through a route: the browser's network log often has no body for answers read as streams.
        await page.route(endpoints.device_authorization_endpoint, async (route) => {
          const response = await route.fetch();
          answers.push((await response.json()) as (typeof answers)[number]);
          await route.fulfill({ response });
        });
      },
    });

    // The boot screen: the code is there and the app's chunk is not even downloaded.
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
    await expect.poll(() => answers.length).toBe(1);
    const [answer] = answers;
    await expect(tv.getByTestId('user-code')).toHaveText(answer!.user_code);
    await expect(tv.locator('#boot')).toBeVisible();
    // Time passes on the boot screen's countdown (and its QR follows the text's frame), then the
    // app arrives (and the clock stands still).
    await tv.clock.fastForward(5_000);
    // The QR is drawn and a phone can read it.
    await expect.poll(() => tv.getByTestId('qr').evaluate((c: HTMLCanvasElement) => c.width)).not.toBe(300);
    const qrBefore = await tv.getByTestId('qr').evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const capture = await tv.getByTestId('qr').evaluate(captureCanvas, 256);
    expect(decodeCapture(capture!)).toBe(answer!.verification_uri_complete);
    // Only then, once the QR's frame is painted, does the page ask for the app.
    await expect.poll(() => appAsked(tv, held)).toBe(answer!.user_code);
    const leftBefore = await secondsLeft(tv);
    expect(leftBefore).toBeLessThanOrEqual(answer!.expires_in - 5);
    const before = await screen(tv);
    held.release();
    await expect(tv.locator('#boot')).toHaveCount(0);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');

    // Same boxes, same words, same countdown: the app counts to the boot path's deadline (a reset
    // would read the full expires_in again).
    expect(await screen(tv)).toEqual(before);
    await tv.clock.fastForward(2_000);
    await expect.poll(() => secondsLeft(tv)).toBe(leftBefore - 2);
    expect(await tv.getByTestId('qr').evaluate((c: HTMLCanvasElement) => c.toDataURL())).toBe(qrBefore);
    await expect(tv.getByTestId('qr')).toHaveAttribute('data-uri', answer!.verification_uri_complete);

    // The app polls for the boot path's code (the IdP's interval is 1 s): still the one device request.
    // Each poll is timed from the answer to the one before, which takes real time to come: the clock
    // moves on a second per look until two polls went out.
    await expect
      .poll(async () => {
        await tv.clock.fastForward(1_000);
        return requests.token;
      })
      .toBeGreaterThanOrEqual(2);
    expect(requests.device).toBe(1);
    await expect(tv.getByTestId('user-code')).toHaveText(answer!.user_code);
    expect(await tv.evaluate(() => window.__hooksSeen)).toEqual(Object.fromEntries(HOOKS.map((h) => [h, 1])));
  });

  test('is in the screen’s language from its first paint, the app’s words being the same', async ({ openTv }) => {
    let held!: Held;
    const tv = await openTv({
      query: { lang: 'de' },
      clock: true,
      init: async (page) => {
        await pause(page);
        held = await prepare(page, endpoints, { device: 0, token: 0 });
      },
    });
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
    await expect(tv.locator('#boot')).toBeVisible();
    await expect(tv.locator('html')).toHaveAttribute('lang', 'de');
    await expect(tv.getByTestId('status')).toHaveText(de.status_code);
    await expect(tv.getByTestId('new-code')).toHaveText(de.new_code);
    await expect(tv.getByTestId('expires')).toContainText(de.code_expires.split('{time}')[0]!.trim());
    // The QR follows the text's frame; once its own frame is painted, the page asks for the app
    // (held back here).
    await tv.clock.fastForward(1_000);
    await expect.poll(() => appAsked(tv, held)).toBeTruthy();
    const before = await screen(tv);
    held.release();
    await expect(tv.locator('#boot')).toHaveCount(0);
    expect(await screen(tv)).toEqual(before);
  });

  test('the first script and the QR encoder ask V8 to compile all their functions while they stream in (vite.config.ts compileHint)', async ({
    openTv,
  }) => {
    const encoder: string[] = [];
    const tv = await openTv({
      init: (page) =>
        page.on('response', (r) => {
          if (QR_CHUNK.test(r.url())) encoder.push(r.url());
        }),
    });
    // The QR is drawn: the encoder's chunk is in.
    await expect.poll(() => tv.getByTestId('qr').evaluate((c: HTMLCanvasElement) => c.width)).not.toBe(300);
    await expect.poll(() => encoder.length).toBe(1);
    const src = await tv.locator('head script[type=module]').getAttribute('src');
    for (const url of [new URL(src!, tv.url()).href, encoder[0]!]) {
      const served = await (await tv.request.get(url)).text();
      // First line, as V8 reads it: anything before the comment (Vite's preload map) would void it.
      expect(served.split('\n', 1)[0], url).toBe('//# allFunctionsCalledOnLoad');
    }
  });

  test('a QR encoder that fails to load leaves the code on screen, and the app draws the QR', async ({ openTv }) => {
    let asked = 0;
    const tv = await openTv({
      init: (page) => page.route(QR_CHUNK, (route) => (++asked === 1 ? route.abort() : route.continue())),
    });
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
    const code = await tv.getByTestId('user-code').textContent();
    // The app takes over (its chunk asks for the encoder again) and draws a QR a phone can read.
    await expect(tv.locator('#boot')).toHaveCount(0);
    await expect.poll(() => tv.getByTestId('qr').evaluate((c: HTMLCanvasElement) => c.width)).not.toBe(300);
    const uri = await tv.getByTestId('qr').getAttribute('data-uri');
    const capture = await tv.getByTestId('qr').evaluate(captureCanvas, 256);
    expect(decodeCapture(capture!)).toBe(uri);
    expect(asked).toBe(2);
    await expect(tv.getByTestId('user-code')).toHaveText(code!);
  });

  test('a bad config goes straight to the app’s error screen naming the key, with nothing asked of the IdP', async ({
    openTv,
    idp,
  }) => {
    const toIdp: string[] = [];
    const tv = await openTv({
      query: { theme: 'purple' },
      init: (page) =>
        page.on('request', (r) => {
          if (r.url().startsWith(idp.issuer)) toIdp.push(r.url());
        }),
    });
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
    await expect(tv.getByTestId('error')).toContainText('"theme"');
    await expect(tv.locator('#boot')).toHaveCount(0);
    expect(toIdp).toEqual([]);
  });
});
