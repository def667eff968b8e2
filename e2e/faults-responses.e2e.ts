/**
 * Answers the app cannot use: not JSON, the wrong shape, too large, or an OAuth error that only the
 * IdP's administrator can fix. Each stops with a sentence for the person at the screen and a
 * details line for the operator naming the IdP, the endpoint and what was wrong; none retries by
 * itself (asking again would get the same answer).
 */
import {
  codeOnScreen,
  expect,
  fault,
  isPoll,
  onPhone,
  polls,
  ROUTES,
  test,
  to,
  type Fault,
} from './fixtures/faults.ts';

const deviceAnswers: [string, Fault, string | RegExp][] = [
  [
    'a 200 HTML page (a captive portal)',
    fault.status(200, { contentType: 'text/html', body: '<!doctype html><h1>Welcome to Hotel Wi-Fi</h1>' }),
    'HTTP 200, text/html, not JSON',
  ],
  ['malformed JSON', fault.malformedJson(), 'HTTP 200, application/json, not JSON'],
  ['JSON truncated after 40 bytes', fault.truncate(40), 'not JSON'],
  ['a JSON array', fault.json([{ device_code: 'x' }]), 'the body is not a JSON object'],
  [
    'a number where a string belongs',
    fault.rewrite((b) => ({ ...b, user_code: 12345678 })),
    '"user_code" property must be a string',
  ],
  [
    'a non-numeric expires_in',
    fault.rewrite((b) => ({ ...b, expires_in: 'soon' })),
    '"expires_in" property must be a number',
  ],
  ['no device_code', fault.rewrite(({ device_code: _, ...b }) => b), '"device_code" property must be a string'],
  ['a 10 MB body', fault.huge(), 'body larger than 65536 bytes'],
  ['a 10 MB body announced by Content-Length', fault.huge(10 * 1024 * 1024, true), 'body larger than 65536 bytes'],
];

for (const [what, answer, problem] of deviceAnswers) {
  test(`a device authorization answer with ${what} is refused, naming the IdP, the endpoint and the problem`, async ({
    openTv,
    idpProxy,
  }) => {
    idpProxy.add({ path: ROUTES.device, fault: answer });
    const tv = await openTv();
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
    await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'bad_response');
    await expect(tv.getByTestId('error')).toContainText('The sign-in server sent');
    const details = tv.getByTestId('error-details');
    await expect(details).toContainText(`device authorization endpoint ${idpProxy.url}/device/auth`);
    await expect(details).toContainText(problem);
    // Not a passing failure: no countdown, a button to try again by hand.
    await expect(tv.getByTestId('retry-countdown')).toHaveCount(0);
    await expect(tv.getByTestId('retry')).toBeVisible();
  });
}

test('discovery without a device_authorization_endpoint says the IdP does not offer the device grant', async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({
    path: ROUTES.discovery,
    method: 'GET',
    fault: fault.rewrite(({ device_authorization_endpoint: _, ...b }) => b),
  });
  const tv = await openTv();
  await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'no_device_endpoint');
  await expect(tv.getByTestId('error')).toContainText('does not offer sign-in with a code');
  await expect(tv.getByTestId('error-details')).toContainText('no device_authorization_endpoint');
});

test('an HTML page where a poll answer belongs stops polling with the details, instead of polling blind', async ({
  openTv,
  idpProxy,
}) => {
  idpProxy.add({ path: ROUTES.token, when: isPoll, nth: 2, fault: fault.html(200) });
  const tv = await openTv();
  await codeOnScreen(tv);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('error-details')).toContainText(
    `token endpoint ${idpProxy.url}/token: HTTP 200, text/html`,
  );
  const stoppedAt = polls(idpProxy).length;
  expect(stoppedAt).toBe(2);
});

const configErrors: [string, number, RegExp][] = [
  [
    'invalid_client',
    401,
    /does not accept client "screen-signin"\. Register it as a public client \(no secret\) with the device authorization grant/,
  ],
  [
    'unauthorized_client',
    400,
    /Client "screen-signin" may not use the device authorization grant\. Enable the device code grant/,
  ],
  [
    'invalid_scope',
    400,
    /refused the scopes "openid tv:watch"\. Allow them for client "screen-signin", or change the scope setting/,
  ],
];

for (const [error, status, fix] of configErrors) {
  test(`${error} from the device authorization endpoint says what to fix in the IdP`, async ({ openTv, idpProxy }) => {
    idpProxy.add({
      path: ROUTES.device,
      fault: fault.oauthError(error, status, { error_description: 'from the IdP' }),
    });
    const tv = await openTv({ query: { scope: 'openid tv:watch' } });
    await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', error);
    await expect(tv.getByTestId('error')).toContainText(fix);
    await expect(tv.getByTestId('error-details')).toHaveText(
      `device authorization endpoint ${idpProxy.url}/device/auth answered ${error}: from the IdP`,
    );
    expect(to(idpProxy, ROUTES.device)).toHaveLength(1);
  });
}

test('invalid_client while polling stops at once and names the client to register', async ({ openTv, idpProxy }) => {
  idpProxy.add({ path: ROUTES.token, when: isPoll, fault: fault.oauthError('invalid_client', 401) });
  const tv = await openTv();
  await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'invalid_client');
  await expect(tv.getByTestId('error')).toContainText('client "screen-signin"');
  expect(polls(idpProxy)).toHaveLength(1);
});

test.describe('provider quirks, normalised before oauth4webapi parses (src/core/quirks.ts)', () => {
  test("Google's verification_url and numbers sent as strings still sign in", async ({ openTv, phone, idpProxy }) => {
    idpProxy.add({
      path: ROUTES.device,
      fault: fault.rewrite(({ verification_uri, verification_uri_complete, expires_in, interval, ...b }) => ({
        ...b,
        verification_url: verification_uri,
        verification_url_complete: verification_uri_complete,
        expires_in: String(expires_in),
        interval: String(interval),
      })),
    });
    const tv = await openTv();
    const { qrUri } = await codeOnScreen(tv);
    await expect(tv.getByTestId('verification-uri')).toHaveText(`${idpProxy.url}/device`);
    await onPhone(phone, qrUri);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  });

  test("Microsoft's extra message is never shown: only addresses the app checked reach the screen", async ({
    openTv,
    idpProxy,
  }) => {
    idpProxy.add({
      path: ROUTES.device,
      fault: fault.rewrite((b) => ({
        ...b,
        message: 'To sign in, open https://evil.example/login and enter the code below.',
      })),
    });
    const tv = await openTv();
    await codeOnScreen(tv);
    await expect(tv.locator('body')).not.toContainText('evil.example');
  });

  test('authorization_pending answered as 200 (GitHub) or 401 keeps polling, and the sign-in completes', async ({
    openTv,
    phone,
    idpProxy,
  }) => {
    idpProxy.add(
      {
        path: ROUTES.token,
        when: isPoll,
        nth: 1,
        fault: fault.json({ error: 'authorization_pending', error_description: 'still waiting' }, 200),
      },
      { path: ROUTES.token, when: isPoll, nth: 2, fault: fault.oauthError('authorization_pending', 401) },
    );
    const tv = await openTv();
    const { qrUri } = await codeOnScreen(tv);
    await expect.poll(() => polls(idpProxy).length).toBeGreaterThanOrEqual(3);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
    await onPhone(phone, qrUri);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  });

  test("without an interval the first poll waits RFC 8628 §3.2's 5 s", async ({ openTv, idpProxy }) => {
    idpProxy.add({ path: ROUTES.device, fault: fault.rewrite(({ interval: _, ...b }) => b) });
    const tv = await openTv();
    await codeOnScreen(tv);
    await expect.poll(() => polls(idpProxy).length, { timeout: 10_000 }).toBe(1);
    const device = to(idpProxy, ROUTES.device)[0]!;
    expect(polls(idpProxy)[0]!.at - device.answeredAt!).toBeGreaterThanOrEqual(5_000 - 15);
  });
});
