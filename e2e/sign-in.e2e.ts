import { codeOnScreen, expect, onPhone, persistedState, test } from './fixtures/stack.ts';

test('a phone approves the code and the TV signs in, shows the user and the API answer', async ({
  tv,
  phone,
  api,
  issuedTokens,
}) => {
  const { userCode, qrUri } = await codeOnScreen(tv);
  expect(userCode).toMatch(/^[A-Z0-9-]{6,}$/);
  await expect(tv.getByTestId('verification-uri')).toHaveText(/\/device$/);
  expect(qrUri).toContain(encodeURIComponent(userCode).replace(/%2D/g, '-'));
  await expect(tv.getByTestId('expires')).toHaveText(/\d+:\d\d/);

  await onPhone(phone, qrUri, 'allow');

  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('user')).toHaveText('Ada Lovelace');
  await expect(tv.getByTestId('api-result')).toContainText('Quarterly planning');
  expect(api.requests.at(-1)?.status).toBe(200);

  // Memory only: nothing the IdP issued is persisted, in the URL, or on screen.
  expect(issuedTokens.length).toBeGreaterThan(1);
  const persisted = await persistedState(tv);
  const screen = (await tv.locator('body').textContent()) ?? '';
  for (const token of issuedTokens) {
    expect(persisted).not.toContain(token);
    expect(screen).not.toContain(token);
  }
});

test('the QR code and the text show the same sign-in address', async ({ tv }) => {
  const { userCode, qrUri } = await codeOnScreen(tv);
  const uri = (await tv.getByTestId('verification-uri').textContent()) ?? '';
  expect(qrUri.startsWith(uri)).toBe(true);
  expect(new URL(qrUri).searchParams.get('user_code')).toBe(userCode);
  // The QR is drawn (not an empty canvas).
  await expect.poll(() => tv.getByTestId('qr').evaluate((c: HTMLCanvasElement) => c.width)).toBeGreaterThan(100);
});
