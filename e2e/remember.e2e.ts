/**
 * config `remember` (issue 13, docs/remember.md): a screen that survives its nightly reboot with a
 * DPoP-bound refresh token and a non-extractable key in IndexedDB, and nothing else worth stealing.
 * A reboot is the persistent Chromium profile closed and launched again (`player`).
 */
import {
  allowInsecureRequests,
  DPoP,
  generateKeyPair,
  None,
  refreshTokenGrantRequest,
  type Client,
} from 'oauth4webapi';
import type { Page } from '@playwright/test';
import { CLIENT_ID } from '../demo/idp.ts';
import {
  expect,
  indexedDbContents,
  jwkThumbprint,
  rememberedRecord,
  test,
  type BootOptions,
  type KeyFacts,
  type Player,
  type TokenGrant,
} from './fixtures/remember.ts';
import { codeOnScreen, onPhone, persistedState } from './fixtures/stack.ts';

const REMEMBER = { remember: 'true' };

/** Signs the player in with a code and waits until the sign-in is on disk. */
async function signIn(player: Player, phone: Page, options: BootOptions = {}): Promise<Page> {
  const tv = await player.boot({ ...options, query: { ...REMEMBER, ...options.query } });
  await onPhone(phone, (await codeOnScreen(tv)).qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('user')).toHaveText('Ada Lovelace');
  await expect.poll(() => rememberedRecord(tv)).toBeTruthy();
  return tv;
}

const succeeded = (grants: TokenGrant[]) => grants.filter((g) => !g.error);
const refreshes = (grants: TokenGrant[]) => grants.filter((g) => g.grant_type === 'refresh_token');

/** Device authorization requests a page sends: a code asked for. */
function codesAsked(page: Page): string[] {
  const asked: string[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/device/auth') asked.push(req.url());
  });
  return asked;
}

test('a reload and a reboot are signed in without a code, each with one refresh proved by the same key', async ({
  player,
  phone,
  grants,
}) => {
  let tv = await signIn(player, phone);
  const [signInGrant] = succeeded(grants);
  expect(signInGrant?.grant_type).toBe('urn:ietf:params:oauth:grant-type:device_code');
  expect(signInGrant?.jkt).toBeTruthy();

  const askedOnReload = codesAsked(tv);
  await tv.reload();
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('user')).toHaveText('Ada Lovelace');
  expect(askedOnReload).toEqual([]);

  // The reboot: the refresh is held at the network until the reconnecting line has been seen.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let askedOnReboot: string[] = [];
  tv = await player.boot({
    query: REMEMBER,
    init: (page) => {
      askedOnReboot = codesAsked(page);
      return page.route('**/token', async (route) => {
        await released;
        await route.continue();
      });
    },
  });
  const status = tv.getByTestId('status');
  await expect(status).toHaveAttribute('data-reconnecting', '');
  await expect(status).toHaveAttribute('data-state', 'starting');
  await expect(status).toHaveText('Reconnecting as Ada Lovelace…');
  release();
  await expect(status).toHaveAttribute('data-state', 'signed-in');
  await expect(status).not.toHaveAttribute('data-reconnecting');
  await expect(tv.getByTestId('user')).toHaveText('Ada Lovelace');
  await expect(tv.getByTestId('api-result')).toContainText('Ada Lovelace');
  expect(askedOnReboot).toEqual([]);

  // One refresh per restart, each proved by the key the first token request was proved with.
  expect(refreshes(grants).map((g) => ({ jkt: g.jkt, error: g.error }))).toEqual([
    { jkt: signInGrant!.jkt, error: undefined },
    { jkt: signInGrant!.jkt, error: undefined },
  ]);
});

test('IndexedDB holds one record: the key pair and the refresh token; the key cannot be exported; no access or ID token anywhere', async ({
  player,
  phone,
  grants,
}) => {
  const tv = await signIn(player, phone);
  const { databases, text } = await indexedDbContents(tv);
  expect(databases.map((d) => ({ name: d.name, stores: d.stores.map((s) => [s.name, s.keys]) }))).toEqual([
    { name: 'screen-signin', stores: [['session', ['current']]] },
  ]);
  const record = databases[0]!.stores[0]!.records[0]!;
  expect(Object.keys(record).sort()).toEqual(['client_id', 'issuer', 'keys', 'name', 'refresh_token', 'started_at']);
  const issued = succeeded(grants).map((g) => g.issued);
  expect(record.refresh_token).toBe(issued.at(-1)?.refresh_token);

  const { privateKey, publicKey } = record.keys as { privateKey: KeyFacts; publicKey: KeyFacts };
  expect(privateKey).toMatchObject({ type: 'private', extractable: false, usages: ['sign'] });
  // exportKey fails in every format: a script in the page can sign with the key, never copy it.
  expect(Object.entries(privateKey.exportErrors).filter(([, error]) => !error)).toEqual([]);
  expect(privateKey.exportErrors.jwk).toBe('InvalidAccessError');
  // The public half is the one the IdP bound the refresh token to (the proof's key, RFC 9449 §5).
  expect(jwkThumbprint(publicKey.jwk!)).toBe(succeeded(grants)[0]!.jkt);

  const everything = (await persistedState(tv)) + text;
  for (const { access_token, id_token } of issued) {
    expect(access_token && everything.includes(access_token), 'no access token at rest').toBe(false);
    expect(id_token && everything.includes(id_token), 'no ID token at rest').toBe(false);
  }
});

test('the stored refresh token copied out is refused without a proof and with another key, and stays usable for the screen', async ({
  player,
  phone,
  idp,
  grants,
}) => {
  const tv = await signIn(player, phone);
  const { refresh_token } = (await rememberedRecord(tv)) as { refresh_token: string };
  await player.shutdown();

  const tokenEndpoint = `${idp.issuer}/token`;
  const bare = await fetch(tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token, client_id: CLIENT_ID }),
  });
  expect(bare.status).toBe(400);
  expect(((await bare.json()) as { error: string }).error).toBe('invalid_grant');

  const client: Client = { client_id: CLIENT_ID };
  const as = { issuer: idp.issuer, token_endpoint: tokenEndpoint };
  const otherKey = DPoP(client, await generateKeyPair('ES256'));
  const proved = await refreshTokenGrantRequest(as, client, None(), refresh_token, {
    DPoP: otherKey,
    [allowInsecureRequests]: true,
  });
  expect(proved.status).toBe(400);
  expect(((await proved.json()) as { error: string }).error).toBe('invalid_grant');

  // Neither attempt consumed the token: the screen itself resumes with it.
  const back = await player.boot({ query: REMEMBER });
  await expect(back.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  expect(refreshes(grants).map((g) => g.error)).toEqual(['invalid_grant', 'invalid_grant', undefined]);
});

test('revoked at the IdP while the screen was off: the next boot shows a new code with the reason', async ({
  player,
  phone,
  idp,
}) => {
  await signIn(player, phone);
  await player.shutdown();
  await idp.revokeAll();

  const tv = await player.boot({ query: REMEMBER });
  await codeOnScreen(tv);
  await expect(tv.getByTestId('notice')).toContainText('no longer valid');
  expect(await rememberedRecord(tv)).toBeUndefined();
});

test('max_session runs out across a reboot: the next boot signs out without a refresh, wiping then revoking', async ({
  player,
  phone,
  grants,
}) => {
  const query = { ...REMEMBER, max_session: '120' };
  const tv = await signIn(player, phone, { query });
  const { started_at } = (await rememberedRecord(tv)) as { started_at: number };
  await player.shutdown();

  const revocations: string[] = [];
  const next = await player.boot({
    query,
    init: async (page) => {
      // Switched on again just past the limit (within DPoP's proof window, so any proof would pass).
      await page.clock.install({ time: started_at + 121_000 });
      page.on('request', (req) => {
        if (req.url().endsWith('/token/revocation'))
          revocations.push(new URLSearchParams(req.postData() ?? '').get('token_type_hint') ?? '');
      });
    },
  });
  await codeOnScreen(next);
  await expect(next.getByTestId('notice')).toContainText('time limit');
  expect(refreshes(grants)).toEqual([]);
  expect(revocations).toEqual(['refresh_token']);
  expect(await rememberedRecord(next)).toBeUndefined();
});

test('sign-out empties the store before the revocation request leaves', async ({ player, phone }) => {
  const tv = await signIn(player, phone);
  const onDiskAtRevocation: unknown[] = [];
  await tv.route('**/token/revocation', async (route) => {
    onDiskAtRevocation.push(await rememberedRecord(tv));
    await route.continue();
  });
  await tv.getByTestId('sign-out').click();
  await codeOnScreen(tv);
  expect(onDiskAtRevocation).toEqual([undefined, undefined]);

  const rebooted = await player.boot({ query: REMEMBER });
  await codeOnScreen(rebooted);
});

test('the IdP unreachable at boot: retries with backoff, never shows a code, and resumes once it answers', async ({
  player,
  phone,
}) => {
  await signIn(player, phone);
  await player.shutdown();

  let failing = true;
  let asked: string[] = [];
  const tv = await player.boot({
    query: REMEMBER,
    init: (page) => {
      asked = codesAsked(page);
      return page.route('**/token', (route) => (failing ? route.abort('internetdisconnected') : route.continue()));
    },
  });
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'error');
  await expect(tv.getByTestId('retry-countdown')).toBeVisible();
  failing = false;
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  expect(asked).toEqual([]);
});

test('turning remember off wipes what an earlier config kept, and the next boot asks for a code', async ({
  player,
  phone,
}) => {
  await signIn(player, phone);
  await player.shutdown();
  const tv = await player.boot({ query: { remember: 'false' } });
  await codeOnScreen(tv);
  await expect.poll(() => rememberedRecord(tv)).toBeUndefined();
});

test.describe('against an IdP without DPoP', () => {
  test.use({ idpOptions: { interval: 1, dpop: false } });

  test('remember=true stores nothing, and the debug overlay says why', async ({ player, phone }) => {
    const tv = await player.boot({ query: { ...REMEMBER, debug: 'true' } });
    await onPhone(phone, (await codeOnScreen(tv)).qrUri);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
    await expect(tv.getByTestId('debug-notes')).toContainText('remember: nothing stored: the IdP offers no DPoP');
    expect((await indexedDbContents(tv)).databases).toEqual([]);
    await tv.reload();
    await codeOnScreen(tv);
  });
});
