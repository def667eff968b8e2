/**
 * The operator overlay (config `debug=true`): what a deployer needs to debug an IdP setup on the
 * real screen, and nothing a thief could use: no token, device code or refresh token.
 */
import { codeOnScreen, expect, fault, onPhone, ROUTES, test } from './fixtures/faults.ts';

test('debug=true lists the config, the endpoints, the requests with status and the failures, and no secret', async ({
  openTv,
  phone,
  idpProxy,
  issuedTokens,
}) => {
  idpProxy.add({ path: ROUTES.device, nth: 1, fault: fault.status(503) });
  const tv = await openTv({ query: { debug: 'true' } });
  const overlay = tv.getByTestId('debug');
  await expect(overlay).toContainText(/client_id\s*screen-signin/);
  await expect(tv.getByTestId('debug-endpoints')).toContainText(
    `device_authorization_endpoint ${idpProxy.url}/device/auth`,
  );
  await expect(tv.getByTestId('debug-errors')).toContainText(
    `http: device authorization endpoint ${idpProxy.url}/device/auth: HTTP 503`,
  );

  const { qrUri } = await codeOnScreen(tv);
  const requests = tv.getByTestId('debug-requests');
  await expect(requests).toContainText(/POST\s*token\s*\/token\s*400\s*authorization_pending\s*\d+ ms/);
  await expect(requests).toContainText(/POST\s*device_authorization\s*\/device\/auth\s*503\s*http/);
  await onPhone(phone, qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(requests).toContainText(/POST\s*token\s*\/token\s*200/);

  const shown = (await overlay.textContent()) ?? '';
  expect(issuedTokens.length).toBeGreaterThan(1);
  for (const secret of issuedTokens) expect(shown).not.toContain(secret);
});

test('without debug there is no overlay', async ({ tv }) => {
  await codeOnScreen(tv);
  await expect(tv.getByTestId('debug')).toHaveCount(0);
});
