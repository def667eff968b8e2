/**
 * DPoP where the browser cannot do it. A page served over http from a LAN address is not a secure
 * context, so it has no `crypto.subtle` and cannot make a DPoP key; the screen then signs in with
 * Bearer tokens and says so in the debug overlay, instead of stopping at "Something went wrong".
 * An init script takes `crypto.subtle` away before the app loads, as such a page would find it.
 */
import { codeOnScreen, expect, onPhone, test } from './fixtures/stack.ts';

test('without WebCrypto the screen signs in with Bearer tokens and the debug overlay says why', async ({
  openTv,
  phone,
}) => {
  const dpopHeaders: string[] = [];
  const tv = await openTv({
    query: { debug: 'true' },
    init: async (page) => {
      page.on('request', (req) => {
        const proof = req.headers()['dpop'];
        if (proof) dpopHeaders.push(req.url());
      });
      await page.addInitScript(() => {
        Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined, configurable: true });
      });
    },
  });
  expect(await tv.evaluate(() => typeof crypto.subtle)).toBe('undefined');
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('api-result')).toContainText('Ada Lovelace');
  await expect(tv.getByTestId('debug-notes')).toContainText('dpop_off: no WebCrypto (crypto.subtle)');
  expect(dpopHeaders).toEqual([]);
});
