/**
 * The built app under the strict Content-Security-Policy docs/deploy.md gives deployers: no inline
 * script or style, connections only to the app itself (config.json), the IdP and the API. A full
 * sign-in must run without a single violation.
 */
import { startApi } from './fixtures/api.ts';
import { startStatic, type StaticServer } from '../demo/static.ts';
import { codeOnScreen, DEMO_API_AUDIENCE, expect, onPhone, test as stack } from './fixtures/stack.ts';

/** docs/deploy.md's policy, with this test's IdP and API as the only remote origins. */
export function strictCsp(issuer: string, api: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${new URL(issuer).origin} ${new URL(api).origin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

const origin = (url: string) => new URL(url).origin;

/**
 * A second static server for the build, sending the CSP header, and an IdP and API that allow its
 * origin (CORS). The header names the per-test IdP and API, which start after the server: it goes
 * into `cspHeaders`, which demo/static.ts reads on every response (the test checks it arrived).
 */
const test = stack.extend<{ cspHeaders: Record<string, string>; cspApp: StaticServer }>({
  cspHeaders: async ({}, use) => {
    await use({});
  },
  cspApp: async ({ cspHeaders }, use) => {
    const server = await startStatic({ port: 0, root: 'dist', headers: cspHeaders });
    await use(server);
    await server.close();
  },
  idpOptions: async ({ app, cspApp }, use) => {
    await use({ interval: 1, appOrigins: [origin(app.url), origin(cspApp.url)] });
  },
  api: async ({ app, cspApp, idp }, use) => {
    const api = await startApi({
      port: 0,
      issuer: idp.issuer,
      audience: DEMO_API_AUDIENCE,
      appOrigins: [origin(app.url), origin(cspApp.url)],
    });
    await use(api);
    await api.close();
  },
});

test('a full sign-in runs under the strict CSP with no violation reported', async ({
  openTv,
  phone,
  idp,
  api,
  cspApp,
  cspHeaders,
}) => {
  cspHeaders['Content-Security-Policy'] = strictCsp(idp.issuer, api.url);
  const tv = await openTv({
    appUrl: cspApp.url,
    // Registered before any of the app's code runs, so the first violation is caught too.
    init: async (page) => {
      await page.addInitScript(() => {
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => {
          window.__cspViolations!.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
        });
      });
    },
  });
  const served = await tv.request.get(cspApp.url);
  expect(served.headers()['content-security-policy']).toBe(strictCsp(idp.issuer, api.url));

  const { qrUri } = await codeOnScreen(tv);
  // The QR is drawn, and the countdowns tick (their bars are styled through CSSOM, which CSP allows).
  await expect.poll(() => tv.getByTestId('qr').evaluate((c: HTMLCanvasElement) => c.width)).toBeGreaterThan(100);
  await onPhone(phone, qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('api-result')).toContainText('Quarterly planning');

  expect(await tv.evaluate(() => window.__cspViolations)).toEqual([]);
});

test('the build has no inline script or style for a CSP to allow', async ({ request, app }) => {
  const html = await (await request.get(app.url)).text();
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
  expect(html).not.toMatch(/<style[\s>]/i);
  expect(html).not.toMatch(/\sstyle=/i);
  expect(html).not.toMatch(/\son[a-z]+=/i);
});
