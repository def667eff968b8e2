/**
 * The app frame behind real nginx with deploy/nginx.conf: embed.js is readable from the app's origin
 * (CORS), the CSP lets the screen frame that origin and no other, and the whole of it runs under
 * that CSP. The screen's address is nginx's (as in deploy.e2e.ts), so the stack's IdP and API and
 * the demo app all trust it.
 */
import type { StaticServer } from '../demo/static.ts';
import { appFrame, codeOnScreen, expect, onPhone, test as base } from './fixtures/app.ts';
import { NGINX, NO_NGINX, freePort, startNginx, type Nginx } from './fixtures/nginx.ts';

declare global {
  interface Window {
    __violations?: string[];
  }
}

const origin = (url: string) => new URL(url).origin;

const test = base.extend<{ nginx: Nginx }, { app: StaticServer }>({
  app: [
    async ({}, use) => {
      const port = await freePort();
      await use({ url: `http://127.0.0.1:${port}/`, port, close: async () => undefined });
    },
    { scope: 'worker' },
  ],
  nginx: [
    async ({ app, idp, api, demoApp }, use) => {
      const nginx = await startNginx({
        port: app.port,
        root: 'dist',
        connectSrc: [origin(idp.issuer), origin(api.url)],
        frameSrc: origin(demoApp.url),
      });
      await use(nginx);
      await nginx.close();
    },
    { auto: true },
  ],
  // Chromium reports the refused frame navigation below on the console.
  allowedConsoleErrors: [/violates the following Content Security Policy directive: "frame-src/],
});

test.skip(!NGINX, NO_NGINX);

test('behind nginx the screen frames the app, which imports embed.js across origins, and no other page', async ({
  openTv,
  phone,
  nginx,
  demoApp,
  api,
  request,
}) => {
  const embed = await request.get(`${nginx.url}embed.js`, { headers: { origin: origin(demoApp.url) } });
  expect(embed.headers()['access-control-allow-origin']).toBe('*');
  expect(embed.headers()['content-type']).toMatch(/javascript/);
  const page = await request.get(nginx.url);
  expect(page.headers()['access-control-allow-origin']).toBeUndefined();
  expect(page.headers()['content-security-policy']).toContain(`frame-src ${origin(demoApp.url)};`);

  const tv = await openTv({
    query: { app: demoApp.url },
    init: (page) =>
      page.addInitScript(() => {
        if (window !== top) return;
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          window.__violations!.push(`${e.violatedDirective} ${e.blockedURI}`),
        );
      }),
  });
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  const frame = await appFrame(tv, demoApp.url);
  await expect(frame.getByTestId('demo-schedule').locator('li')).toHaveCount(3);
  expect(await tv.evaluate(() => window.__violations)).toEqual([]);

  // The app (or anything that took it over) sends the frame elsewhere: the screen's CSP refuses it.
  await frame.evaluate((to) => (location.href = to), api.url);
  await expect.poll(() => tv.evaluate(() => window.__violations)).toEqual([`frame-src ${origin(api.url)}`]);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
});
