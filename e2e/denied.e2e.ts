import { codeOnScreen, expect, onPhone, test } from './fixtures/stack.ts';

test('when the person declines on the phone, the TV says so and retry gives a new code', async ({ tv, phone }) => {
  const first = await codeOnScreen(tv);
  await onPhone(phone, first.qrUri, 'deny');

  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('error')).toContainText('declined');

  await tv.getByTestId('retry').click();
  const second = await codeOnScreen(tv);
  expect(second.userCode).not.toBe(first.userCode);
});

test('aborting on the device confirmation page is a decline too', async ({ tv, phone }) => {
  const { qrUri } = await codeOnScreen(tv);
  await onPhone(phone, qrUri, 'abort');
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('error')).toContainText('declined');
  await expect(tv.getByTestId('retry')).toBeVisible();
});
