/**
 * The session's lifecycle against the real demo IdP: tokens refreshed with no API to drive them,
 * sign-out that does not wait for a hanging IdP, and the page going away (reload, back/forward
 * cache). What the IdP holds is read from the IdP itself (its refresh tokens, its events), not
 * from the page.
 */
import type { Page } from '@playwright/test';
import { startApi } from './fixtures/api.ts';
import type { Idp } from './fixtures/idp.ts';
import { startStatic, type StaticServer } from '../demo/static.ts';
import { CHROMIUM_ARGS, chromiumPath } from './fixtures/chromium.ts';
import { fault, test as faults } from './fixtures/faults.ts';
import { codeOnScreen, DEMO_API_AUDIENCE, expect, onPhone, test as stack } from './fixtures/stack.ts';

const REVOCATION = '/token/revocation';

/**
 * Playwright turns Chromium's back/forward cache off (--disable-back-forward-cache); this file
 * runs with it on, as browsers ship it. (A launch option: it holds for the whole file.)
 */
stack.use({
  launchOptions: {
    executablePath: chromiumPath(),
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  },
});

/** Refresh-token requests the TV sends, recorded from the page's side. */
function refreshesOf(tv: Page): number[] {
  const seen: number[] = [];
  tv.on('request', (req) => {
    if (req.method() === 'POST' && new URLSearchParams(req.postData() ?? '').get('grant_type') === 'refresh_token')
      seen.push(Date.now());
  });
  return seen;
}

/** The refresh tokens among `issued` that the IdP still holds (oidc-provider's own store). */
async function liveRefreshTokens(idp: Idp): Promise<string[]> {
  const live: string[] = [];
  for (const token of idp.issued) if (await idp.provider.RefreshToken.find(token)) live.push(token);
  return live;
}

/** Grants the IdP revoked, as it announces them (oidc-provider's `grant.revoked` event). */
function revokedGrants(idp: Idp): string[] {
  const grants: string[] = [];
  idp.provider.on('grant.revoked', (_ctx, grantId: string) => grants.push(grantId));
  return grants;
}

stack.describe('without an API', () => {
  // 5 s access tokens: refreshed 0.5 s before they expire, by the tokens' own schedule.
  stack.use({ idpOptions: { interval: 1, accessTokenTtl: 5 } });

  stack(
    'the tokens are refreshed on their own schedule, and a revoked grant ends the session with the reason',
    async ({ openTv, phone, idp, api }) => {
      const tv = await openTv({ query: { api: '' } });
      const refreshes = refreshesOf(tv);
      await onPhone(phone, (await codeOnScreen(tv)).qrUri);
      await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');

      await expect.poll(() => refreshes.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
      expect(api.requests, 'no API call drove the refreshes').toEqual([]);

      await idp.revokeAll();
      // The next refresh (within 5 s) meets invalid_grant: the screen says so beside a new code.
      await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code');
      await expect(tv.getByTestId('notice')).toContainText('no longer valid');
    },
  );
});

faults(
  'sign-out shows the next code at once while the revocation endpoint hangs',
  async ({ openTv, phone, idpProxy }) => {
    const tv = await openTv();
    const first = await codeOnScreen(tv);
    await onPhone(phone, first.qrUri);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
    idpProxy.add({ path: REVOCATION, fault: fault.hang });

    await tv.getByTestId('sign-out').click();
    // Well inside the revocation's own 5 s bound: nothing waited for it.
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'code', { timeout: 3_000 });
    expect((await codeOnScreen(tv)).userCode).not.toBe(first.userCode);
    const revocations = idpProxy.requests.filter((r) => r.path === REVOCATION);
    expect(revocations.map((r) => r.form?.token_type_hint).sort()).toEqual(['access_token', 'refresh_token']);
    expect(
      revocations.map((r) => r.answeredAt),
      'the revocations were still hanging',
    ).toEqual([undefined, undefined]);
  },
);

stack(
  'a reload signs the screen out at the IdP too (pagehide, keepalive revocation)',
  async ({ openTv, phone, idp }) => {
    const tv = await openTv();
    await onPhone(phone, (await codeOnScreen(tv)).qrUri);
    await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
    await expect.poll(() => liveRefreshTokens(idp)).toHaveLength(1);
    const grants = revokedGrants(idp);

    await tv.reload();

    await expect.poll(() => grants.length, { message: 'the IdP revoked the grant' }).toBe(1);
    expect(await liveRefreshTokens(idp)).toEqual([]);
    await codeOnScreen(tv);
  },
);

/**
 * The demo serves index.html `no-store`, which keeps a page out of Chromium's back/forward cache:
 * this screen comes from a server that lets it be cached, with an IdP and API that allow its origin.
 */
const cached = stack.extend<{ cacheable: StaticServer }>({
  cacheable: async ({}, use) => {
    const server = await startStatic({ port: 0, root: 'dist', headers: { 'Cache-Control': 'no-cache' } });
    await use(server);
    await server.close();
  },
  idpOptions: async ({ app, cacheable }, use) => {
    await use({ interval: 1, appOrigins: [new URL(app.url).origin, new URL(cacheable.url).origin] });
  },
  api: async ({ app, cacheable, idp }, use) => {
    const appOrigins = [new URL(app.url).origin, new URL(cacheable.url).origin];
    const api = await startApi({ port: 0, issuer: idp.issuer, audience: DEMO_API_AUDIENCE, appOrigins });
    await use(api);
    await api.close();
  },
});

cached.describe('the back/forward cache', () => {
  cached(
    'a signed-in page left and restored from the cache was signed out at the IdP, and starts over with a new code',
    async ({ openTv, phone, idp, cacheable }) => {
      const tv = await openTv({
        appUrl: cacheable.url,
        init: (page) =>
          page.addInitScript(() => {
            addEventListener('pageshow', (event) => {
              if (event.persisted) document.documentElement.dataset.restored = 'true';
            });
          }),
      });
      const first = await codeOnScreen(tv);
      await onPhone(phone, first.qrUri);
      await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
      const grants = revokedGrants(idp);

      await tv.goto(`${cacheable.url}favicon.svg`);
      await expect.poll(() => grants.length, { message: 'pagehide revoked the grant' }).toBe(1);
      // A restore from the cache fires no `load`; wait for the commit, then for the page's own state.
      await tv.goBack({ waitUntil: 'commit' });
      await expect(tv.locator('html')).toHaveAttribute('data-restored', 'true');

      const second = await codeOnScreen(tv);
      expect(second.userCode).not.toBe(first.userCode);
      await expect(tv.getByTestId('sign-out')).toHaveCount(0);
    },
  );
});
