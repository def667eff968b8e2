/**
 * Trust boundaries (RFC 8628 §5.4 remote phishing): a crafted link to the trusted screen cannot send
 * the device code or a token to another server, and what the screen shows and encodes is the address
 * it checked. The "crafted server" is what an attacker would run: a relay in front of the real IdP,
 * recording every request it gets. config.json is the deployer's file, served to the page by a route;
 * everything else is the real stack.
 */
import type { Page } from '@playwright/test';
import QRCode from 'qrcode';
import { startFaultProxy, type FaultProxy } from './fixtures/fault-proxy.ts';
import { codeOnScreen, expect, fault, ROUTES, test, to, type TvOptions } from './fixtures/faults.ts';

const CLIENT_ID = 'screen-signin';

/** Serves `config` as the page's config.json, before the app asks for it. */
const withConfig =
  (config: Record<string, unknown>): TvOptions['init'] =>
  (page: Page) =>
    page.route('**/config.json', (route) => route.fulfill({ json: config }));

/** The modules the QR canvas shows, read from its pixels (margin 4, as QrCode.svelte draws it). */
async function drawnModules(tv: Page, size: number): Promise<string> {
  const qr = tv.getByTestId('qr');
  await expect.poll(() => qr.evaluate((c: HTMLCanvasElement) => c.width)).toBeGreaterThan(100);
  return qr.evaluate((canvas: HTMLCanvasElement, n) => {
    const cell = canvas.width / (n + 8);
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let bits = '';
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        const x = Math.floor((col + 4.5) * cell);
        const y = Math.floor((row + 4.5) * cell);
        bits += data[(y * canvas.width + x) * 4]! < 128 ? '1' : '0';
      }
    }
    return bits;
  }, size);
}

/** Whether the QR on screen is the QR of `text` (same encoder and level as the app: a decode by re-encoding). */
async function expectQrOf(tv: Page, text: string): Promise<void> {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const expected = Array.from(modules.data, (bit) => (bit ? '1' : '0')).join('');
  expect(await drawnModules(tv, modules.size), `the QR encodes ${text}`).toBe(expected);
}

test.describe('a crafted link', () => {
  let crafted: FaultProxy;
  test.beforeEach(async ({ idpProxy }) => {
    crafted = await startFaultProxy({ upstream: idpProxy.url });
  });
  test.afterEach(async () => {
    await crafted.close();
  });

  test('cannot change an issuer config.json locks: the key is named and the crafted server gets no request', async ({
    openTv,
    idp,
    idpProxy,
  }) => {
    const tv = await openTv({
      query: { issuer: crafted.url, api: '' },
      init: withConfig({ issuer: idp.issuer, client_id: CLIENT_ID, locked: ['issuer'] }),
    });
    await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'config');
    await expect(tv.getByTestId('error')).toHaveText(
      'Setting "issuer" is locked by config.json: the address of this screen may not change it.',
    );
    expect(crafted.requests, 'nothing reached the crafted issuer').toEqual([]);
    expect(idpProxy.requests, 'nor the real one: the screen stopped at its config').toEqual([]);
  });

  test('reaches the crafted server when config.json does not lock the issuer (what locked prevents)', async ({
    openTv,
    idp,
  }) => {
    await openTv({
      query: { issuer: crafted.url, api: '' },
      init: withConfig({ issuer: idp.issuer, client_id: CLIENT_ID }),
    });
    await expect.poll(() => crafted.requests.length).toBeGreaterThan(0);
  });

  test('cannot send the device code to a token endpoint on another origin than the issuer', async ({
    openTv,
    idpProxy,
  }) => {
    const tv = await openTv({ query: { token_endpoint: `${crafted.url}/token` } });
    await expect(tv.getByTestId('error')).toHaveText(
      `Setting "token_endpoint" in the address of this screen may not point to another server (${crafted.url}). Set it in config.json instead.`,
    );
    expect(crafted.requests).toEqual([]);
    expect(to(idpProxy, ROUTES.device), 'no device code was even asked for').toEqual([]);
  });

  test("cannot send the token to an api on another server when the issuer is config.json's", async ({
    openTv,
    idp,
  }) => {
    const tv = await openTv({
      query: { api: `${crafted.url}/collect` },
      init: withConfig({ issuer: idp.issuer, client_id: CLIENT_ID }),
    });
    await expect(tv.getByTestId('error')).toContainText(`Setting "api" in the address of this screen`);
    await expect(tv.getByTestId('error')).toContainText(crafted.url);
    expect(crafted.requests).toEqual([]);
  });

  test('cannot set locked itself', async ({ openTv }) => {
    const tv = await openTv({ query: { locked: '' } });
    await expect(tv.getByTestId('error')).toHaveText(
      'Setting "locked" can only be set in config.json, not in the address of this screen.',
    );
  });
});

test.describe('the address from the IdP', () => {
  test('is refused when it has a user name before "@", which reads as one host and leads to another', async ({
    openTv,
    idpProxy,
  }) => {
    idpProxy.add({
      path: ROUTES.device,
      fault: fault.rewrite((b) => ({ ...b, verification_uri: 'https://login.example.com@evil.example/device' })),
    });
    const tv = await openTv();
    await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'insecure_uri');
    await expect(tv.getByTestId('error')).toHaveText(
      'The sign-in server sent an address with a name before an "@", which can disguise where it leads, so it is not shown.',
    );
    await expect(tv.getByTestId('verification-uri')).toHaveCount(0);
    await expect(tv.getByTestId('qr')).toHaveCount(0);
  });

  test('is shown and encoded normalised: a look-alike host as punycode, a bidi override percent-encoded', async ({
    openTv,
    idpProxy,
  }) => {
    idpProxy.add({
      path: ROUTES.device,
      fault: fault.rewrite(({ verification_uri_complete: _, ...b }) => ({
        ...b,
        verification_uri: 'https://\u0430pple.example/\u202edevice',
      })),
    });
    const tv = await openTv();
    await codeOnScreen(tv);
    const shown = 'https://xn--pple-43d.example/%E2%80%AEdevice';
    await expect(tv.getByTestId('verification-uri')).toHaveText(shown);
    await expectQrOf(tv, shown);
  });

  test('on another origin than verification_uri is not put in the QR: it encodes the address shown', async ({
    openTv,
    idpProxy,
  }) => {
    let shown = '';
    idpProxy.add({
      path: ROUTES.device,
      fault: fault.rewrite((b) => {
        shown = String(b.verification_uri);
        return { ...b, verification_uri_complete: `https://evil.example/device?user_code=${String(b.user_code)}` };
      }),
    });
    const tv = await openTv();
    await codeOnScreen(tv);
    expect(shown).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/device$/);
    await expect(tv.getByTestId('verification-uri')).toHaveText(shown);
    await expectQrOf(tv, shown);
  });

  test('complete, on the same origin, is what the QR encodes (the decode reads the real QR)', async ({
    openTv,
    idpProxy,
  }) => {
    let complete = '';
    idpProxy.add({
      path: ROUTES.device,
      fault: fault.rewrite((b) => {
        complete = String(b.verification_uri_complete);
        return b;
      }),
    });
    const tv = await openTv();
    await codeOnScreen(tv);
    expect(complete).toContain('user_code=');
    await expectQrOf(tv, complete);
  });

  test('too long for a readable QR gives a coded message, not a blank QR', async ({ openTv, idpProxy }) => {
    idpProxy.add({
      path: ROUTES.device,
      fault: fault.rewrite((b) => ({ ...b, verification_uri: `${String(b.verification_uri)}/${'x'.repeat(300)}` })),
    });
    const tv = await openTv();
    await expect(tv.getByTestId('error-headline')).toHaveAttribute('data-code', 'bad_response');
    await expect(tv.getByTestId('error')).toHaveText(
      'The sign-in server sent a sign-in address too long to type or to scan as a QR code.',
    );
  });
});

test('the screen says which screen it is, with the caution, beside the code', async ({ openTv }) => {
  const tv = await openTv({ query: { screen_name: 'Room 4.12, 4th floor' } });
  await codeOnScreen(tv);
  await expect(tv.getByTestId('screen-name')).toHaveText('This screen: Room 4.12, 4th floor');
  await expect(tv.getByTestId('caution')).toHaveText('Only enter this code for a screen you can see.');

  const de = await openTv({ query: { screen_name: 'Raum 4.12', lang: 'de' } });
  await codeOnScreen(de);
  await expect(de.getByTestId('screen-name')).toHaveText('Dieser Bildschirm: Raum 4.12');
  await expect(de.getByTestId('caution')).toHaveText(
    'Gib diesen Code nur für einen Bildschirm ein, den du vor dir siehst.',
  );
});
