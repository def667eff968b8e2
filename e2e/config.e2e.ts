import { expect, test } from './fixtures/stack.ts';

test('a missing issuer is named on screen, not a blank page', async ({ openTv }) => {
  const tv = await openTv({ query: { issuer: '' } });
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('error')).toContainText('"issuer" is missing');
  await expect(tv.getByTestId('retry')).toBeVisible();
});

test('a plain-http issuer that is not this machine is refused', async ({ openTv }) => {
  const tv = await openTv({ query: { issuer: 'http://idp.example.com' } });
  await expect(tv.getByTestId('error')).toContainText('"issuer" must use https:');
});

test('an invalid api URL is named', async ({ openTv }) => {
  const tv = await openTv({ query: { api: 'not a url' } });
  await expect(tv.getByTestId('error')).toContainText('"api"');
});

test('an issuer that does not match its discovery document is refused', async ({ openTv, idp }) => {
  const tv = await openTv({ query: { issuer: `${idp.issuer.replace('127.0.0.1', 'localhost')}` } });
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('error')).toContainText('different issuer');
});
