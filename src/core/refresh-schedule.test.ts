import type { TokenEndpointResponse } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import type { Clock } from './clock';
import { AppError } from './errors';
import { as, client, fakeIdp, networkDown, oauthError, text, tokens, watch } from '../testing/fake-idp';
import { keepFresh, MIN_GAP_MS, RECHECK_MS } from './refresh-schedule';
import { Tokens } from './tokens';

const TOKEN = 'https://idp.example/token';

/** `jump` moves the wall clock without running a timer, as a screen waking from sleep sees it. */
function setup(response: Partial<TokenEndpointResponse> = {}) {
  const idp = fakeIdp();
  const wall = { jump: 0 };
  const clock: Clock = {
    now: () => idp.clock.now() + wall.jump,
    wall: () => idp.clock.wall() + wall.jump,
    sleep: (ms, signal) => idp.clock.sleep(ms, signal),
  };
  const net = { ...idp.net, clock };
  const held = new Tokens(
    { net, as, client, random: () => 0 },
    { access_token: 'AT-1', token_type: 'bearer', expires_in: 3600, refresh_token: 'RT-1', ...response },
  );
  const stop = new AbortController();
  const box = watch(keepFresh(held, net.clock, stop.signal));
  return { idp, held, stop, box, wall, t0: idp.clock.now() };
}

const since = (t0: number, times: number[]) => times.map((t) => t - t0);

describe('keepFresh', () => {
  it('refreshes ahead of each expiry with nobody asking for a token (no API loop)', async () => {
    const { idp, held, box, t0 } = setup();
    idp.always(TOKEN, tokens({ expires_in: 3600 }));
    await idp.clock.advance(3 * 3_540_000 + MIN_GAP_MS * 2);
    expect(
      since(
        t0,
        idp.to(TOKEN).map((r) => r.at),
      ),
    ).toEqual([3_540_000, 7_080_000, 10_620_000]);
    expect(held.refreshes).toBe(3);
    expect(box.outcome).toBeUndefined();
  });

  it('ends with invalid_grant when the IdP no longer accepts the sign-in (revoked)', async () => {
    const { idp, held, box } = setup();
    idp.queue(TOKEN, oauthError('invalid_grant'));
    await idp.clock.advance(3_540_000);
    expect(box.outcome).toMatchObject({ ok: false, error: { code: 'invalid_grant' } });
    expect(held.signedIn).toBe(false);
  });

  it('ends with session_ended when the token expires with no refresh token, without asking the IdP', async () => {
    const { idp, box } = setup({ refresh_token: undefined, expires_in: 300 });
    await idp.clock.advance(299_999);
    expect(box.outcome).toBeUndefined();
    await idp.clock.advance(1);
    expect(box.outcome).toMatchObject({ ok: false, error: { code: 'session_ended', reason: 'no_refresh' } });
    expect(idp.requests).toHaveLength(0);
  });

  it("retries a passing failure on the tokens' backoff and carries on once the IdP answers", async () => {
    const { idp, held, box, t0 } = setup();
    idp.queue(TOKEN, text('down', 503), networkDown, tokens({ access_token: 'AT-2' }));
    await idp.clock.advance(3_540_000 + 10_000);
    expect(
      since(
        t0,
        idp.to(TOKEN).map((r) => r.at),
      ),
    ).toEqual([3_540_000, 3_542_000, 3_546_000]);
    expect(await held.accessToken()).toBe('AT-2');
    expect(box.outcome).toBeUndefined();
  });

  it('keeps retrying a passing failure after the old token expired: the network may come back', async () => {
    const { idp, held, box } = setup({ expires_in: 60 });
    idp.always(TOKEN, networkDown);
    await idp.clock.advance(10 * 60_000);
    expect(box.outcome).toBeUndefined();
    expect(held.signedIn).toBe(true);
    idp.always(TOKEN, tokens({ access_token: 'AT-2' }));
    await idp.clock.advance(60_000);
    expect(await held.accessToken()).toBe('AT-2');
  });

  it(`refreshes within ${RECHECK_MS / 1000} s of waking when the clock jumped past the refresh time`, async () => {
    const { idp, held, box, wall } = setup();
    idp.queue(TOKEN, tokens({ access_token: 'AT-2' }));
    await idp.clock.advance(60_000);
    // Asleep for two hours: no timer ran, the wall clock went on.
    wall.jump = 2 * 3_600_000;
    await idp.clock.advance(RECHECK_MS);
    expect(idp.to(TOKEN)).toHaveLength(1);
    expect(await held.accessToken()).toBe('AT-2');
    expect(box.outcome).toBeUndefined();
  });

  it('never asks twice within a second, even for tokens that expire at once (expires_in 0)', async () => {
    const { idp, box } = setup({ expires_in: 0 });
    idp.always(TOKEN, tokens({ expires_in: 0 }));
    await idp.clock.advance(10_000);
    expect(idp.to(TOKEN).length).toBeLessThanOrEqual(10_000 / MIN_GAP_MS + 1);
    expect(idp.to(TOKEN).length).toBeGreaterThan(1);
    expect(box.outcome).toBeUndefined();
  });

  it('waits forever for a token without expires_in, and an abort ends it', async () => {
    const { idp, stop, box } = setup({ expires_in: undefined });
    await idp.clock.advance(6 * 3_600_000);
    expect(idp.requests).toHaveLength(0);
    expect(box.outcome).toBeUndefined();
    stop.abort(new AppError('session_ended', { reason: 'signed_out' }));
    await idp.clock.advance(0);
    expect(box.outcome).toMatchObject({ ok: false, error: { code: 'session_ended', reason: 'signed_out' } });
  });
});
