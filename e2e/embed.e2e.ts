/**
 * The deployer's app behind the sign-in: the demo dashboard (demo/app/) in the screen's frame, on
 * another origin, calling the demo API through the screen's broker with embed.js. Real IdP, real
 * API, real Chromium; the frame's own side is driven by evaluating in it, as the app would.
 */
import type { Frame, Page } from '@playwright/test';
import { appFrame, codeOnScreen, expect, recordMessages, test } from './fixtures/app.ts';

/** What embed.js's connect() gives an app (src/embed/embed.ts). */
interface Screen {
  fetch(url: string, init?: { headers?: Record<string, string> }): Promise<Response>;
}

declare global {
  interface Window {
    __probe?: Screen;
    __seen?: string[];
    __junk?: { ms: number; answered: number };
    __keys?: string[];
  }
}

const origin = (url: string) => new URL(url).origin;

/**
 * The page's connection, taken from inside the frame as the app's own code would (connect() gives
 * every caller in a page the same one). `fresh` loads a second copy of embed.js: a new channel.
 */
async function probe(frame: Frame, screenUrl: string, fresh = false): Promise<void> {
  await frame.evaluate(
    async (embed) => {
      const { connect } = (await import(embed)) as { connect(): Promise<Screen> };
      window.__probe = await connect();
    },
    new URL(fresh ? 'embed.js?fresh' : 'embed.js', screenUrl).href,
  );
}

type Outcome = { status: number; body: string; headers: Record<string, string> } | { code: string; error: string };

function probeFetch(frame: Frame, url: string, init: { headers?: Record<string, string> } = {}): Promise<Outcome> {
  return frame.evaluate(
    async ([url, init]) => {
      try {
        const res = await window.__probe!.fetch(url, init);
        const headers: Record<string, string> = {};
        res.headers.forEach((value, name) => (headers[name] = value));
        return { status: res.status, body: await res.text(), headers };
      } catch (e) {
        return { code: (e as { code: string }).code, error: (e as Error).message };
      }
    },
    [url, init] as const,
  );
}

/** Everything the app's page can reach: its globals, storage, cookies, DOM, address, and each message it got. */
function reachable(frame: Frame): Promise<string> {
  return frame.evaluate(async () => {
    const parts: string[] = [location.href, document.referrer, document.cookie, document.documentElement.outerHTML];
    for (const key of Object.getOwnPropertyNames(window)) {
      try {
        const value = (window as unknown as Record<string, unknown>)[key];
        if (typeof value === 'string') parts.push(value);
        else if (value && typeof value === 'object' && !(value instanceof Node) && value !== window)
          parts.push(JSON.stringify(value) ?? '');
      } catch {
        // cross-origin or circular: nothing the page could read as text
      }
    }
    // A cross-site frame may be denied storage altogether (third-party storage blocking): then
    // there is nothing in it to find.
    const attempt = async (read: () => unknown) => {
      try {
        parts.push(JSON.stringify(await read()));
      } catch (e) {
        parts.push(`denied: ${(e as Error).name}`);
      }
    };
    const dump = (s: Storage) => Object.keys(s).map((k) => `${k}=${s.getItem(k)}`);
    await attempt(() => dump(localStorage));
    await attempt(() => dump(sessionStorage));
    await attempt(() => indexedDB.databases());
    parts.push(...(window.__received ?? []));
    return parts.join('\n');
  });
}

test('the demo app in the frame shows the API’s schedule through the screen, and no token ever reaches the frame', async ({
  signIn,
  demoApp,
  api,
  issuedTokens,
}) => {
  const tv = await signIn({ query: { app: demoApp.url }, init: recordMessages });
  const element = tv.getByTestId('app-frame');
  await expect(element).toHaveAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms');
  await expect(element).toHaveAttribute('referrerpolicy', 'no-referrer');
  expect(await element.getAttribute('allow')).toBeNull();
  const frame = await appFrame(tv, demoApp.url);

  // demo/api.ts's schedule, drawn by the app from an answer it got through the broker.
  await expect(frame.getByTestId('demo-schedule').locator('li')).toHaveCount(3);
  await expect(frame.getByTestId('demo-schedule')).toContainText('Quarterly planning');
  await expect(frame.getByTestId('demo-user')).toHaveText('Signed in as Ada Lovelace');
  await expect(frame.getByTestId('demo-status')).toContainText('Updated');
  // The API saw DPoP-bound calls only, the app's among them (its page has connect-src 'none').
  expect(api.requests.filter((r) => r.scheme === 'DPoP' && r.status === 200).length).toBeGreaterThanOrEqual(2);
  expect(api.requests.filter((r) => r.scheme !== 'DPoP' && r.scheme !== 'preflight')).toEqual([]);

  // The frame cannot reach into the screen, and was told nothing of where it is.
  expect(await frame.evaluate(() => document.referrer)).toBe('');
  expect(
    await frame.evaluate(() => {
      try {
        return String(parent.document.title);
      } catch {
        return 'blocked';
      }
    }),
  ).toBe('blocked');

  const seen = await reachable(frame);
  expect(seen).toContain('"op":"welcome"');
  expect(seen).toContain('Quarterly planning');
  expect(issuedTokens.length).toBeGreaterThan(2);
  for (const token of issuedTokens) expect(seen).not.toContain(token);
  // Nor any part of a JWT (header, claims or signature) or a DPoP proof.
  expect(seen).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
});

test('a request outside app_apis, or with a credential header, is refused with a reason; the API itself works', async ({
  signIn,
  demoApp,
  app,
  api,
  idp,
}) => {
  const tv = await signIn({ query: { app: demoApp.url } });
  const frame = await appFrame(tv, demoApp.url);
  await probe(frame, app.url);

  // The IdP is not in app_apis (only the API's origin is, by default): the app cannot use the
  // screen to talk to it.
  const toIdp = await probeFetch(frame, `${idp.issuer}/me`);
  expect(toIdp).toMatchObject({ code: 'not_allowed_origin' });
  expect('error' in toIdp && toIdp.error).toContain(`${origin(idp.issuer)} (allowed: ${origin(api.url)})`);
  expect(await probeFetch(frame, api.url, { headers: { Authorization: 'Bearer mine' } })).toMatchObject({
    code: 'not_allowed_header',
  });

  const answer = await probeFetch(frame, api.url, { headers: { accept: 'application/json' } });
  expect(answer).toMatchObject({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8' } });
  expect(JSON.parse((answer as { body: string }).body)).toMatchObject({ token_type: 'DPoP', hello: 'Ada Lovelace' });
  // The API sent WWW-Authenticate and DPoP-Nonce-capable headers; none of that is passed on.
  expect(Object.keys((answer as { headers: object }).headers).sort()).toEqual(['cache-control', 'content-type']);
});

/** Posts a hello from `from` (a frame of the screen's page, or the page itself) and waits until the broker has seen it. */
async function helloFrom(tv: Page, from: Page | Frame, tag: string): Promise<void> {
  await from.evaluate((tag) => top!.postMessage({ type: 'screen-signin', v: 1, op: 'hello', tag }, '*'), tag);
  // This listener was added after the broker's, so once it saw the hello, the broker had handled it.
  await expect.poll(() => tv.evaluate(() => window.__seen ?? [])).toContain(tag);
}

/** Whether `frame` ever got a welcome: a ping sent after any welcome would arrive after it. */
async function gotWelcome(tv: Page, frame: Frame, name: string): Promise<boolean> {
  await tv.evaluate(
    (name) => (window.frames as unknown as Record<string, Window>)[name]!.postMessage('ping', '*'),
    name,
  );
  await expect.poll(() => frame.evaluate(() => window.__received ?? [])).toContain('"ping"');
  return (await frame.evaluate(() => window.__received ?? [])).some((m) => m.includes('"welcome"'));
}

test('a hello from any other window or origin is ignored, and the app’s own channel keeps working', async ({
  signIn,
  demoApp,
  app,
  api,
}) => {
  const tv = await signIn({ query: { app: demoApp.url }, init: recordMessages });
  const frame = await appFrame(tv, demoApp.url);
  await probe(frame, app.url);
  await tv.evaluate(() => {
    window.__seen = [];
    addEventListener('message', (e) => {
      const tag = (e.data as { tag?: unknown } | null)?.tag;
      if (typeof tag === 'string') window.__seen!.push(tag);
    });
  });

  // The screen's own window.
  await helloFrom(tv, tv, 'screen itself');
  // A window on another origin (the API's), and a second window on the app's own origin.
  await tv.evaluate(
    ([other, twin]) => {
      for (const [name, src] of [
        ['other', other],
        ['twin', twin],
      ] as const) {
        const frame = document.createElement('iframe');
        frame.name = name;
        frame.src = src;
        document.body.append(frame);
      }
    },
    [`${api.url}?other`, `${demoApp.url}?twin`] as const,
  );
  for (const name of ['other', 'twin']) {
    await expect.poll(() => tv.frames().some((f) => f.url().endsWith(`?${name}`))).toBe(true);
    const frame = tv.frames().find((f) => f.url().endsWith(`?${name}`))!;
    await frame.waitForLoadState();
    await helloFrom(tv, frame, name);
    expect(await gotWelcome(tv, frame, name), `${name} got a port`).toBe(false);
  }

  // Had any of them been taken for the app, the app's port would have been replaced and closed.
  expect(await probeFetch(frame, api.url)).toMatchObject({ status: 200 });
});

test('1,000 junk messages in a second leave the screen responsive and signed in', async ({
  signIn,
  demoApp,
  app,
  api,
}) => {
  const tv = await signIn({ query: { app: demoApp.url } });
  const frame = await appFrame(tv, demoApp.url);
  // The demo app has its channel (its hellos have stopped), so the welcome below answers this hello.
  await expect(frame.getByTestId('demo-schedule').locator('li')).toHaveCount(3);
  await frame.evaluate(async (screen) => {
    // A channel opened by hand, as a broken or hostile app would.
    const port = await new Promise<MessagePort>((resolve) => {
      addEventListener('message', (e) => (e.data as { op?: string })?.op === 'welcome' && resolve(e.ports[0]!));
      parent.postMessage({ type: 'screen-signin', v: 1, op: 'hello' }, screen);
    });
    const big = { v: 1, id: 3, op: 'fetch', method: 'POST', url: `${screen}/`, body: 'x'.repeat(300_000) };
    const junk: unknown[] = [
      null,
      'fetch',
      [1, 2],
      { v: 1 },
      { v: 7, id: 1, op: 'fetch' },
      { v: 1, id: 2, op: 'fetch' },
    ];
    const state = { ms: 0, answered: 0 };
    window.__junk = state;
    port.onmessage = () => state.answered++;
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) {
      // Oversized ones too (300 kB bodies), though not so many that posting them takes the second.
      port.postMessage(i % 100 === 0 ? big : junk[i % junk.length]);
      parent.postMessage(junk[i % junk.length], '*');
    }
    state.ms = performance.now() - started;
  }, origin(app.url));
  expect(await frame.evaluate(() => window.__junk!.ms)).toBeLessThan(1_000);

  // Every junk message got an (error) answer, and the screen still paints and is signed in.
  await expect.poll(() => frame.evaluate(() => window.__junk!.answered)).toBe(1_000);
  await tv.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');

  // Once the bucket has refilled, a well-behaved connection is served again.
  await probe(frame, app.url, true);
  await expect.poll(async () => ((await probeFetch(frame, api.url)) as { status?: number }).status).toBe(200);
  // And the screen's own controls answer at once.
  await tv.getByTestId('sign-out').focus();
  await tv.keyboard.press('Escape');
  await expect(tv.getByTestId('confirm-sign-out')).toBeVisible();
});

/** Records the keys each window of the page gets, from now on. */
async function recordKeys(tv: Page, frame: Frame): Promise<() => Promise<{ app: string[]; screen: string[] }>> {
  const install = () => {
    window.__keys = [];
    addEventListener('keydown', (e) => window.__keys!.push(e.key), true);
  };
  await tv.evaluate(install);
  await frame.evaluate(install);
  return async () => ({
    app: await frame.evaluate(() => window.__keys!.splice(0)),
    screen: await tv.evaluate(() => window.__keys!.splice(0)),
  });
}

test('Back inside the app asks before signing out: cancel returns keys to the app, yes removes the frame', async ({
  signIn,
  demoApp,
}) => {
  const tv = await signIn({ query: { app: demoApp.url } });
  const frame = await appFrame(tv, demoApp.url);
  await expect(frame.getByTestId('demo-schedule').locator('li')).toHaveCount(3);
  await expect(tv.getByTestId('app-frame')).toBeFocused();
  const keys = await recordKeys(tv, frame);

  // The key goes to the app, not the screen; embed.js hands on the Back it left unused.
  await tv.keyboard.press('Escape');
  const dialog = tv.getByTestId('confirm-sign-out');
  await expect(dialog).toBeVisible();
  expect(await keys()).toEqual({ app: ['Escape'], screen: [] });
  await expect(dialog.getByTestId('confirm-cancel')).toBeFocused();
  await tv.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(tv.getByTestId('app-frame')).toBeFocused();
  expect(await keys()).toEqual({ app: [], screen: ['Enter'] });

  // After the question, keys are the app's again.
  await tv.keyboard.press('Escape');
  await expect(dialog).toBeVisible();
  expect(await keys()).toEqual({ app: ['Escape'], screen: [] });
  await dialog.getByTestId('confirm-sign-out-yes').click();
  await expect(tv.getByTestId('app-frame')).toHaveCount(0);
  await codeOnScreen(tv);
});

test('the Sign out button removes the frame', async ({ signIn, demoApp }) => {
  const tv = await signIn({ query: { app: demoApp.url } });
  await appFrame(tv, demoApp.url);
  await tv.getByTestId('sign-out').click();
  await expect(tv.getByTestId('app-frame')).toHaveCount(0);
  await codeOnScreen(tv);
});

test('keys in the app count as someone there; an idle screen warns the app with the time, a key cancels it, then it signs out and removes the frame', async ({
  signIn,
  demoApp,
}) => {
  const tv = await signIn({
    clock: true,
    query: { app: demoApp.url, idle_timeout: '60', api_interval: '0' },
    init: recordMessages,
  });
  const frame = await appFrame(tv, demoApp.url);
  await expect(frame.getByTestId('demo-status')).toContainText('Updated');
  await expect(tv.getByTestId('app-frame')).toBeFocused();
  const received = () => frame.evaluate(() => window.__received ?? []);
  const signingOut = async () => (await received()).filter((m) => m.includes('"signing-out"'));

  // 40 s in, a key the app does not use: the screen never sees it, but embed.js reports the use.
  await tv.clock.fastForward(40_000);
  await tv.keyboard.press('a');
  await tv.clock.fastForward(40_000);
  // So the warning comes 60 s after the key, not 60 s after the sign-in, and names the sign-out time.
  await tv.clock.fastForward(21_000);
  await expect(tv.getByTestId('idle-warning')).toBeVisible();
  await expect.poll(async () => (await signingOut()).length).toBe(1);
  const at = (JSON.parse((await signingOut())[0]!) as { at: number }).at;
  const now = await tv.evaluate(() => Date.now());
  expect(at - now).toBeGreaterThan(20_000);
  expect(at - now).toBeLessThanOrEqual(30_000);
  await expect(frame.locator('#warning')).toBeVisible();

  // OK on "Stay signed in" (the warning took focus): the app hears the warning is over.
  await tv.keyboard.press('Enter');
  await expect(tv.getByTestId('idle-warning')).toHaveCount(0);
  await expect.poll(async () => (await received()).some((m) => m.includes('"signing-out-cancelled"'))).toBe(true);
  await expect(frame.locator('#warning')).toBeHidden();
  await expect(tv.getByTestId('app-frame')).toBeFocused();

  await tv.clock.fastForward(61_000);
  await expect(tv.getByTestId('idle-warning')).toBeVisible();
  await tv.clock.fastForward(31_000);
  await expect(tv.getByTestId('app-frame')).toHaveCount(0);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
});

test.describe('a wrong app setting is named on screen', () => {
  for (const [what, app] of [
    ['plain http to another machine', 'http://rooms.example/'],
    ['the screen’s own origin', ''],
  ] as const)
    test(`refuses ${what}`, async ({ openTv, app: screen }) => {
      const tv = await openTv({ query: { app: app || `${screen.url}board.html` } });
      await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
      await expect(tv.getByTestId('error')).toContainText('"app"');
      await expect(tv.getByTestId('app-frame')).toHaveCount(0);
    });
});

test.describe('short-lived tokens', () => {
  // 5 s access tokens: the next refresh after the revocation is refused (the API checks JWTs alone).
  test.use({ idpOptions: { interval: 1, accessTokenTtl: 5 } });

  test('revoking the grant at the IdP ends the session and removes the frame', async ({ signIn, demoApp, idp }) => {
    const tv = await signIn({ query: { app: demoApp.url, api_interval: '1' } });
    await appFrame(tv, demoApp.url);
    await idp.revokeAll();
    await expect(tv.getByTestId('app-frame')).toHaveCount(0);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
    await expect(tv.getByTestId('notice')).toContainText('no longer valid');
  });
});

test('a 401 on the app’s call is refreshed once and the call retried', async ({ signIn, demoApp, app, api }) => {
  const tv = await signIn({ query: { app: demoApp.url, api_interval: '0' } });
  const frame = await appFrame(tv, demoApp.url);
  await probe(frame, app.url);

  const refreshes: string[] = [];
  tv.on('request', (req) => {
    if (req.method() === 'POST' && req.url().endsWith('/token'))
      refreshes.push(new URLSearchParams(req.postData() ?? '').get('grant_type') ?? '');
  });
  // The API turns the first call's token away as expired; the retry goes to the real API.
  const tokens: string[] = [];
  await tv.route(
    (url) => url.search === '?probe=401',
    async (route) => {
      if (route.request().method() === 'OPTIONS') return route.continue();
      tokens.push(route.request().headers().authorization ?? '');
      if (tokens.length > 1) return route.continue();
      await route.fulfill({
        status: 401,
        headers: {
          'access-control-allow-origin': origin(app.url),
          'access-control-expose-headers': 'WWW-Authenticate',
          'www-authenticate': 'DPoP error="invalid_token", error_description="expired"',
        },
        body: '',
      });
    },
  );
  const answer = await probeFetch(frame, `${api.url}?probe=401`);
  expect(answer).toMatchObject({ status: 200 });
  expect(refreshes).toEqual(['refresh_token']);
  expect(tokens).toHaveLength(2);
  expect(tokens[0]).not.toBe(tokens[1]);
});
