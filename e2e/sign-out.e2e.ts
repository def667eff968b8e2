import { codeOnScreen, expect, onPhone, persistedState, test } from './fixtures/stack.ts';

test('sign-out revokes the tokens and returns to a new code', async ({ tv, phone, issuedTokens }) => {
  const first = await codeOnScreen(tv);
  await onPhone(phone, first.qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');

  const revocations: string[] = [];
  tv.on('request', (req) => {
    if (req.url().endsWith('/token/revocation'))
      revocations.push(new URLSearchParams(req.postData() ?? '').get('token_type_hint') ?? '');
  });
  await tv.getByTestId('sign-out').click();

  const second = await codeOnScreen(tv);
  expect(second.userCode).not.toBe(first.userCode);
  // Revocation runs beside the new code, not before it (e2e/lifecycle.e2e.ts): wait for both requests.
  await expect.poll(() => revocations).toEqual(['refresh_token', 'access_token']);
  const persisted = await persistedState(tv);
  for (const token of issuedTokens) expect(persisted).not.toContain(token);
});
