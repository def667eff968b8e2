/**
 * The built app served by real nginx with deploy/nginx.conf: the headers a deployment sends, the
 * sign-in under its CSP, and proxy mode for an IdP without CORS (docs/deploy.md).
 */
import type { StaticServer } from '../demo/static.ts';
import { NGINX, NO_NGINX, freePort, startNginx, type Nginx } from './fixtures/nginx.ts';
import { codeOnScreen, expect, onPhone, persistedState, test as stack } from './fixtures/stack.ts';

interface DeployOptions {
  /** Turn on the `#proxy` block of deploy/nginx.conf, forwarding /idp/ to this test's IdP. */
  proxied: boolean;
  /** Put the IdP's origin in the CSP's connect-src (a direct deployment does; a proxied one needn't). */
  idpInCsp: boolean;
  /** Have nginx send the page with a Link preload of the IdP's discovery document (render.ts --preload). */
  preload: boolean;
}

const test = stack.extend<DeployOptions & { nginx: Nginx }, { app: StaticServer }>({
  // The TV's address is nginx's, fixed per worker so that the stack's IdP and API allow its origin;
  // nginx itself starts per test (below), since its proxy block names that test's IdP.
  app: [
    async ({}, use) => {
      const port = await freePort();
      await use({ url: `http://127.0.0.1:${port}/`, port, close: async () => undefined });
    },
    { scope: 'worker' },
  ],
  proxied: [false, { option: true }],
  idpInCsp: [true, { option: true }],
  preload: [false, { option: true }],
  nginx: [
    async ({ app, idp, api, proxied, idpInCsp, preload }, use) => {
      const nginx = await startNginx({
        port: app.port,
        root: 'dist',
        connectSrc: [...(idpInCsp ? [new URL(idp.issuer).origin] : []), new URL(api.url).origin],
        proxy: proxied ? { path: '/idp/', idpOrigin: new URL(idp.issuer).origin } : undefined,
        preload: preload ? `${idp.issuer}/.well-known/openid-configuration` : undefined,
      });
      await use(nginx);
      await nginx.close();
    },
    { auto: true },
  ],
});

test.skip(!NGINX, NO_NGINX);

const CSP = (connect: string) =>
  `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${connect}; frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

/**
 * Tokens the IdP hands out through the proxy, for the leak checks (the stack records only answers
 * from the IdP's own origin). Read by routing, not from the 'response' event: Chromium often keeps
 * no copy of a body the page read as a stream ("No data found for resource" from CDP).
 * Returns the names of the fields read so far, so a test can wait for an answer.
 */
test.describe('direct mode: the IdP allows the screen origin (CORS)', () => {
  test('nginx sends the security headers, caches hashed assets for good and revalidates index.html and config.json', async ({
    nginx,
    idp,
    api,
    request,
  }) => {
    const page = await request.get(nginx.url);
    expect(page.status()).toBe(200);
    const headers = page.headers();
    expect(headers['content-security-policy']).toBe(CSP(`${new URL(idp.issuer).origin} ${new URL(api.url).origin}`));
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['permissions-policy']).toContain('camera=()');
    expect(headers['permissions-policy']).toContain('microphone=()');
    expect(headers['permissions-policy']).toContain('geolocation=()');
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers['server']).toBe('nginx');

    const config = await request.get(`${nginx.url}config.json`);
    expect(config.headers()['cache-control']).toBe('no-cache');
    expect(config.headers()['content-type']).toContain('application/json');

    const scripts = [...(await page.text()).matchAll(/src="\.?\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const asset = await request.get(`${nginx.url}${scripts[0]}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status()).toBe(200);
    expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers()['content-type']).toContain('javascript');
    expect(asset.headers()['content-encoding']).toBe('gzip');
    expect(asset.headers()['content-security-policy']).toBeTruthy();

    // Headers on errors too (`always`), and no directory listing or stray files.
    const missing = await request.get(`${nginx.url}nothing-here`);
    expect(missing.status()).toBe(404);
    expect(missing.headers()['content-security-policy']).toBeTruthy();
    expect(missing.headers()['x-content-type-options']).toBe('nosniff');
  });

  test('another site cannot frame the screen (frame-ancestors)', async ({ browser, nginx }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused = page.waitForEvent('console', (msg) => /frame-ancestors/.test(msg.text()));
    // Any page of another origin will do; about:blank is one.
    await page.setContent(`<iframe src="${nginx.url}" width="400" height="300"></iframe>`);
    expect((await refused).text()).toContain(
      'violates the following Content Security Policy directive: "frame-ancestors \'none\'"',
    );
    // Chromium shows its error page in the frame instead of the screen.
    await expect.poll(() => page.frames()[1]?.url()).toBe('chrome-error://chromewebdata/');
    await context.close();
  });

  test('the TV signs in through nginx under the strict CSP, with no violation', async ({
    tv,
    phone,
    api,
    nginx,
    issuedTokens,
  }) => {
    // A CSP violation is a console error, and the stack fails the test on any console error.
    expect(new URL(tv.url()).origin).toBe(new URL(nginx.url).origin);
    const { qrUri } = await codeOnScreen(tv);
    await onPhone(phone, qrUri, 'allow');
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
    await expect(tv.getByTestId('user')).toHaveText('Ada Lovelace');
    await expect(tv.getByTestId('api-result')).toContainText('Quarterly planning');
    expect(api.requests.at(-1)?.status).toBe(200);
    // The page's styles came through (a CSP-blocked stylesheet would leave the code unstyled).
    const size = await tv.getByTestId('user').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThan(16);
    const log = nginx.accessLog();
    for (const token of issuedTokens) expect(log).not.toContain(token);
  });
});

test.describe('the discovery preload: nginx names discovery in the page’s Link header', () => {
  test.use({ preload: true });

  test('the browser asks for discovery with the page, and the first script’s request is that one', async ({
    tv,
    phone,
    idp,
    nginx,
    request,
  }) => {
    const discovery = `${idp.issuer}/.well-known/openid-configuration`;
    const page = await request.get(nginx.url);
    expect(page.headers()['link']).toBe(`<${discovery}>; rel=preload; as=fetch; crossorigin=anonymous`);
    expect((await request.get(`${nginx.url}config.json`)).headers()['link']).toBeUndefined();

    const { qrUri } = await codeOnScreen(tv);
    // One discovery request, and it started before the first script had even arrived: the
    // browser's, whose answer the script's fetch was given (a second request would be a second entry).
    const timing = await tv.evaluate((url) => {
      const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      const script = entries.find((e) => e.initiatorType === 'script' && /\/assets\/index-[\w-]+\.js$/.test(e.name));
      return {
        discoveries: entries.filter((e) => e.name === url).map((e) => e.startTime),
        scriptArrived: script?.responseEnd,
      };
    }, discovery);
    expect(timing.discoveries).toHaveLength(1);
    expect(timing.scriptArrived).toBeDefined();
    expect(timing.discoveries[0]).toBeLessThan(timing.scriptArrived!);
    await onPhone(phone, qrUri, 'allow');
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
    await expect(tv.getByTestId('api-result')).toContainText('Quarterly planning');
  });
});

test.describe('proxy mode: an IdP without CORS, reached through nginx at /idp/', () => {
  test.use({ idpOptions: { interval: 1, cors: false }, proxied: true, idpInCsp: false });

  test('the TV signs in and signs out with every IdP request going through the proxy', async ({
    openTv,
    phone,
    idp,
    nginx,
    issuedTokens,
  }) => {
    // The IdP's origin is not in connect-src: any request straight to it would be a CSP violation.
    const tv = await openTv({ query: { proxy: '/idp/' } });
    const { qrUri } = await codeOnScreen(tv);
    // The phone goes to the IdP itself: only the screen uses the proxy.
    expect(qrUri.startsWith(idp.issuer)).toBe(true);
    await onPhone(phone, qrUri, 'allow');
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
    await expect(tv.getByTestId('user')).toHaveText('Ada Lovelace');
    await expect(tv.getByTestId('api-result')).toContainText('Quarterly planning');

    await tv.getByTestId('sign-out').click();
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');

    const log = nginx.accessLog();
    expect(log).toContain('"GET /idp/.well-known/openid-configuration HTTP/1.1" 200');
    expect(log).toContain('"POST /idp/device/auth HTTP/1.1" 200');
    expect(log).toMatch(/"POST \/idp\/token HTTP\/1.1" 200/);
    expect(log).toContain('"POST /idp/token/revocation HTTP/1.1" 200');
    // The proxy never writes what it carries: no token or device code in its log.
    for (const token of issuedTokens) expect(log).not.toContain(token);
    const persisted = await persistedState(tv);
    for (const token of issuedTokens) expect(persisted).not.toContain(token);
  });

  test('the proxy passes only GET and POST, and no cookie of the IdP reaches the screen origin', async ({
    nginx,
    idp,
    request,
  }) => {
    expect((await request.put(`${nginx.url}idp/token`, { data: 'x' })).status()).toBe(403);
    // The IdP's own phone page sets a session cookie; through the proxy it is dropped.
    const cookies = (res: { headersArray(): { name: string }[] }) =>
      res.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie');
    const direct = await request.get(`${idp.issuer}/device`);
    expect(cookies(direct).length).toBeGreaterThan(0);
    const proxied = await request.get(`${nginx.url}idp/device`);
    expect(proxied.status()).toBe(200);
    expect(cookies(proxied)).toEqual([]);
  });

  test.describe('without the proxy setting', () => {
    // Chromium's own message for the refused request.
    test.use({ idpInCsp: true, allowedConsoleErrors: [[/CORS policy/, /net::ERR_FAILED/], { scope: 'test' }] });

    test('the same IdP fails with the CORS diagnosis naming both origins', async ({ tv, idp, nginx }) => {
      await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
      const text = await tv.getByTestId('error').textContent();
      expect(text).toContain(new URL(idp.issuer).origin);
      expect(text).toContain(new URL(nginx.url).origin);
      expect(text).toMatch(/did not allow/);
    });
  });
});
