/**
 * An IdP that sends no CORS headers for this screen's origin. The browser hides the cause from the
 * app (a bare TypeError), so http.ts probes with a no-cors request: the server answers, hence it is
 * CORS. The screen names both origins, the client to fix, and keeps trying, so it heals by itself
 * once the IdP is fixed. While polling, a refusal is told from a dropped connection by repeating:
 * the second in a row stops polling as a configuration error (a person would approve in vain).
 */
import { codeOnScreen, CORS_CONSOLE, expect, fault, onPhone, polls, ROUTES, test } from './fixtures/faults.ts';

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

test('a token endpoint that refuses this origin while polling is a configuration error, named as such, that heals by itself once fixed', async ({
  openTv,
  phone,
  idpProxy,
  app,
}) => {
  // '*': the preflight (the DPoP header makes the poll non-simple) loses its CORS headers too.
  idpProxy.add({ path: ROUTES.token, method: '*', fault: fault.stripCors });
  const tv = await openTv();
  const appOrigin = new URL(app.url).origin;
  const first = await codeOnScreen(tv);
  // A person approving now would approve in vain: the screen says why instead of "connection trouble".
  await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'cors');
  await expect(tv.getByTestId('error')).toHaveText(
    `The server at ${idpProxy.url} did not allow this screen's address (${appOrigin}). Add ${appOrigin} to the allowed web origins (CORS) of client "screen-signin" in the identity provider.`,
  );
  await expect(tv.getByTestId('error-details')).toHaveText(
    `token endpoint ${idpProxy.url}/token: request blocked by CORS`,
  );
  await expect(tv.getByTestId('retry-countdown')).toBeVisible();

  // The deployer fixes the IdP; after the countdown a new code comes by itself, is polled with
  // answers again, and signs in.
  idpProxy.clear();
  const answered = () => polls(idpProxy).filter((r) => !r.fault && r.status === 400).length;
  await expect.poll(answered, { timeout: 20_000 }).toBeGreaterThan(0);
  const next = await codeOnScreen(tv);
  expect(next.userCode).not.toBe(first.userCode);
  await onPhone(phone, next.qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
});
