import { codeOnScreen, expect, onPhone, persistedState, test } from './fixtures/stack.ts';

test.describe('short-lived tokens', () => {
  // 5 s access tokens: the refresh margin is 0.5 s (10 % of the lifetime).
  test.use({ idpOptions: { interval: 1, accessTokenTtl: 5 } });

  test('the TV stays signed in across three refreshes while calling the API every second', async ({
    openTv,
    phone,
    api,
    issuedTokens,
  }) => {
    const tv = await openTv({ query: { api_interval: '1' } });
    const refreshes: number[] = [];
    tv.on('request', (req) => {
      if (req.method() === 'POST' && new URLSearchParams(req.postData() ?? '').get('grant_type') === 'refresh_token')
        refreshes.push(Date.now());
    });
    await onPhone(phone, (await codeOnScreen(tv)).qrUri);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');

    await expect.poll(() => refreshes.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    // Refreshes keep their own schedule now, not the API's: wait for the calls too, however slow the machine.
    await expect.poll(() => api.requests.filter((r) => r.scheme !== 'preflight').length).toBeGreaterThanOrEqual(10);
    // The API call that follows the third refresh is answered a moment after the refresh left.
    const answeredSince = (t: number) => api.requests.filter((r) => r.scheme !== 'preflight' && r.time > t).length;
    await expect.poll(() => answeredSince(refreshes[2]!)).toBeGreaterThan(0);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
    await expect(tv.getByTestId('api-error')).toHaveCount(0);
    // Every API call the page made was accepted: no call ever went out with a stale token.
    expect(api.requests.filter((r) => r.scheme !== 'preflight' && r.status !== 200)).toEqual([]);
    // Refreshed tokens stay in memory too.
    const persisted = await persistedState(tv);
    for (const token of issuedTokens) expect(persisted).not.toContain(token);
  });

  test('revoking the grant at the IdP ends the session on the TV with a message', async ({
    openTv,
    phone,
    idp,
    issuedTokens,
  }) => {
    const tv = await openTv({ query: { api_interval: '1' } });
    const first = await codeOnScreen(tv);
    await onPhone(phone, first.qrUri);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');

    await idp.revokeAll();

    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
    await expect(tv.getByTestId('notice')).toContainText('no longer valid');
    expect((await codeOnScreen(tv)).userCode).not.toBe(first.userCode);
    // After the failure, nothing of the ended session is anywhere on the page or in its storage.
    const persisted = (await persistedState(tv)) + ((await tv.locator('body').textContent()) ?? '');
    for (const token of issuedTokens) expect(persisted).not.toContain(token);
  });
});

test('the page signs in with DPoP, and the access token alone is refused by the API', async ({
  tv,
  phone,
  api,
  issuedTokens,
}) => {
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('api-result')).toContainText('Quarterly planning');
  expect(api.requests.at(-1)).toMatchObject({ status: 200, scheme: 'DPoP' });

  // Replayed from outside the page, without the page's non-extractable key.
  const isBound = (t: string) =>
    t.split('.').length === 3 && !!JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()).cnf;
  // The token response is read from the network asynchronously: wait for it.
  await expect.poll(() => issuedTokens.some(isBound), { message: 'a DPoP-bound access token was issued' }).toBe(true);
  const accessToken = issuedTokens.find(isBound);
  for (const authorization of [`Bearer ${accessToken}`, `DPoP ${accessToken}`]) {
    const res = await fetch(api.url, { headers: { authorization } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token|invalid_dpop_proof/);
  }
});

test('an idle screen warns, any key keeps it, and then it signs out', async ({ openTv, phone }) => {
  const tv = await openTv({ clock: true, query: { idle_timeout: '60', api_interval: '0' } });
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('idle-warning')).toHaveCount(0);

  await tv.clock.fastForward(61_000);
  await expect(tv.getByTestId('idle-warning')).toContainText('Signing out in');
  await tv.keyboard.press('ArrowDown');
  await expect(tv.getByTestId('idle-warning')).toHaveCount(0);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');

  await tv.clock.fastForward(61_000);
  await expect(tv.getByTestId('idle-warning')).toBeVisible();
  await tv.clock.fastForward(31_000);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
  await expect(tv.getByTestId('notice')).toContainText('nobody used the screen');
});

test('max_session caps a session however busy the screen is', async ({ openTv, phone }) => {
  const tv = await openTv({ clock: true, query: { max_session: '120', idle_timeout: '0', api_interval: '0' } });
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await tv.clock.fastForward(121_000);
  await expect(tv.getByTestId('notice')).toContainText('time limit');
});

test('show_user=false keeps the name off the screen', async ({ openTv, phone }) => {
  const tv = await openTv({ query: { show_user: 'false', api: '' } });
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('user')).toHaveCount(0);
  await expect(tv.locator('body')).not.toContainText('Ada Lovelace');
});
