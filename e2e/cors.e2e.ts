/**
 * An IdP that sends no CORS headers for this screen's origin. The browser hides the cause from the
 * app (a bare TypeError), so http.ts probes with a no-cors request: the server answers, hence it is
 * CORS. The screen names both origins, the client to fix, and keeps trying, so it heals by itself
 * once the IdP is fixed.
 */
import { codeOnScreen, CORS_CONSOLE, expect, fault, onPhone, polls, ROUTES, test, to } from './fixtures/faults.ts';

// Chromium logs each refused response itself; exactly that line is expected here.
test.use({ allowedConsoleErrors: [CORS_CONSOLE] });

test('discovery without CORS headers is diagnosed, naming the IdP origin, the app origin and the client; fixed, it recovers', async ({
  openTv,
  idpProxy,
  app,
}) => {
  idpProxy.add({ path: ROUTES.discovery, method: 'GET', fault: fault.stripCors });
  const tv = await openTv({ clock: true });
  const appOrigin = new URL(app.url).origin;
  await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'cors');
  await expect(tv.getByTestId('error')).toHaveText(
    `The server at ${idpProxy.url} did not allow this screen's address (${appOrigin}). Add ${appOrigin} to the allowed web origins (CORS) of client "screen-signin" in the identity provider.`,
  );
  await expect(tv.getByTestId('error-details')).toHaveText(
    `discovery document ${idpProxy.url}/.well-known/openid-configuration: request blocked by CORS`,
  );
  await expect(tv.getByTestId('retry-countdown')).toBeVisible();

  // The deployer fixes the IdP; the screen notices at its next try, with nobody pressing a button.
  idpProxy.clear();
  await tv.clock.fastForward(60_000);
  await codeOnScreen(tv);
});

test('a device authorization endpoint without CORS headers is diagnosed as CORS', async ({ openTv, idpProxy }) => {
  idpProxy.add({ path: ROUTES.device, fault: fault.stripCors });
  const tv = await openTv();
  await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'cors');
  await expect(tv.getByTestId('error-details')).toHaveText(
    `device authorization endpoint ${idpProxy.url}/device/auth: request blocked by CORS`,
  );
  // The no-cors probe that told CORS from "offline" reached the IdP.
  expect(idpProxy.requests.some((r) => r.path === ROUTES.device && r.method === 'GET')).toBe(true);
});

test('a token endpoint without CORS headers keeps the code and retries, and the sign-in completes once fixed', async ({
  openTv,
  phone,
  idpProxy,
}) => {
  // '*': the preflight (the DPoP header makes the poll non-simple) loses its CORS headers too.
  idpProxy.add({ path: ROUTES.token, method: '*', fault: fault.stripCors });
  const tv = await openTv();
  const { userCode, qrUri } = await codeOnScreen(tv);
  await expect(tv.getByTestId('poll-retry')).toBeVisible();
  expect(to(idpProxy, ROUTES.device)).toHaveLength(1);

  idpProxy.clear();
  await onPhone(phone, qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in', { timeout: 20_000 });
  expect(new Set(polls(idpProxy).map((r) => r.form?.device_code)).size).toBe(1);
  expect(userCode).toBeTruthy();
});
