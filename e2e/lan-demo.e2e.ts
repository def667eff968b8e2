/**
 * `npm start -- --host <address>`: the demo stack as demo/start.ts starts it, on one address that a
 * phone on the same network could reach. 127.0.0.2 stands in for the LAN address: to the app it is
 * not loopback (src/core/config.ts `isLoopback`), so plain http to it needs config.json's
 * `allow_http_host`, which the demo serves.
 */
import { test as base, expect } from '@playwright/test';
import { startDemo, type Demo } from '../demo/stack.ts';
import { codeOnScreen, onPhone } from './fixtures/stack.ts';

const LAN = '127.0.0.2';
const free = { app: 0, idp: 0, api: 0, dashboard: 0 };

const test = base.extend<{ demo: Demo }>({
  demo: async ({}, use) => {
    const demo = await startDemo({ host: LAN, ports: free, root: 'dist' });
    await use(demo);
    await demo.close();
  },
});

test('with --host the TV, the QR code and every request name that address, and a phone signs the TV in', async ({
  browser,
  demo,
}) => {
  expect(new URL(demo.app).hostname).toBe(LAN);
  expect(demo.config).toMatchObject({ issuer: demo.issuer, api: demo.api, allow_http_host: LAN, dpop: false });
  // Bound to that address only: the same port on this machine's usual loopback address is closed.
  await expect(fetch(`http://127.0.0.1:${new URL(demo.issuer).port}/`)).rejects.toThrow();

  const tv = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  const problems: string[] = [];
  tv.on('pageerror', (err) => problems.push(err.message));
  const hosts = new Set<string>();
  tv.on('request', (req) => hosts.add(new URL(req.url()).hostname));
  // The JSON view: the answer as the API sent it, token_type included (the room view shows only the schedule).
  await tv.goto(`${demo.app}?api_view=json`);

  const { qrUri } = await codeOnScreen(tv);
  expect(new URL(qrUri).origin).toBe(demo.issuer);
  await expect(tv.getByTestId('verification-uri')).toHaveText(`${demo.issuer}/device`);

  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
  await onPhone(phone, qrUri);
  await expect(tv.getByTestId('status')).toHaveAttribute('data-state', 'signed-in');
  await expect(tv.getByTestId('user')).toHaveText('Ada Lovelace');
  await expect(tv.getByTestId('api-result')).toContainText('"token_type": "Bearer"');
  expect([...hosts]).toEqual([LAN]);
  expect(problems).toEqual([]);
  await Promise.all([tv.context().close(), phone.context().close()]);
});

test('without --host the stack is on 127.0.0.1, with no http exception and DPoP left on', async () => {
  const demo = await startDemo({ ports: free, root: 'dist' });
  try {
    for (const url of [demo.app, demo.issuer, demo.api]) expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(demo.config.allow_http_host).toBeUndefined();
    expect(demo.config.dpop).toBeUndefined();
    const discovery = (await (await fetch(`${demo.issuer}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
    };
    expect(discovery.issuer).toBe(demo.issuer);
    const served = (await (await fetch(`${demo.app}config.json`)).json()) as Record<string, unknown>;
    expect(served).toEqual(demo.config);
  } finally {
    await demo.close();
  }
});

test('the second screen, /dashboard/, frames the demo dashboard, which shows the schedule through the screen', async ({
  browser,
}) => {
  const demo = await startDemo({ ports: free, root: 'dist' });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    // One build, two screens: the second's config.json is the first's with `app` added.
    const served = (await (await fetch(`${demo.dashboardScreen}config.json`)).json()) as Record<string, unknown>;
    expect(served).toEqual({ ...demo.config, app: demo.dashboard });
    expect(new URL(demo.dashboard).origin).not.toBe(new URL(demo.app).origin);

    const tv = await context.newPage();
    const problems: string[] = [];
    tv.on('pageerror', (err) => problems.push(err.message));
    await tv.goto(demo.dashboardScreen);
    const phone = await context.newPage();
    await onPhone(phone, (await codeOnScreen(tv)).qrUri);
    await expect(tv.getByTestId('app-frame')).toBeVisible();
    await expect.poll(() => tv.frames().some((f) => f.url().startsWith(demo.dashboard))).toBe(true);
    const frame = tv.frames().find((f) => f.url().startsWith(demo.dashboard))!;
    await expect(frame.getByTestId('demo-schedule').locator('li')).toHaveCount(3);
    await expect(frame.getByTestId('demo-user')).toHaveText('Signed in as Ada Lovelace');
    expect(problems).toEqual([]);
  } finally {
    await context.close();
    await demo.close();
  }
});
