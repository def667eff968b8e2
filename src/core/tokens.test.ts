import type { TokenEndpointResponse } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import {
  as,
  client,
  fakeIdp,
  hang,
  json,
  rejection,
  networkDown,
  oauthError,
  text,
  tokens,
  watch,
  type FakeIdp,
} from '../testing/fake-idp';
import { processIssued, refreshMargin, REVOKE_TIMEOUT_MS, Tokens, type TokenContext } from './tokens';

const TOKEN = 'https://idp.example/token';
const REVOKE = 'https://idp.example/revoke';

function setup(response: Partial<TokenEndpointResponse> = {}, asOverride = as, random = () => 0) {
  const idp = fakeIdp();
  const ctx: TokenContext = { net: idp.net, as: asOverride, client, random };
  const held = new Tokens(ctx, {
    access_token: 'AT-1',
    token_type: 'bearer',
    expires_in: 3600,
    refresh_token: 'RT-1',
    ...response,
  });
  return { idp, ctx, held, t0: idp.clock.now() };
}

const refreshes = (idp: FakeIdp) => idp.to(TOKEN);
/** [token, token_type_hint] of every revocation request, in the order sent. */
const revoked = (idp: FakeIdp) => idp.to(REVOKE).map((r) => [r.form!.get('token'), r.form!.get('token_type_hint')]);

describe('refreshMargin', () => {
  it('is 60 s for long-lived tokens', () => {
    expect(refreshMargin(3_600_000)).toBe(60_000);
    expect(refreshMargin(600_000)).toBe(60_000);
  });

  it('is 10 % of the lifetime for short-lived tokens', () => {
    expect(refreshMargin(300_000)).toBe(30_000);
    expect(refreshMargin(60_000)).toBe(6_000);
  });

  it('is at least 2 s, since exp is written in whole seconds, and at most half the lifetime', () => {
    expect(refreshMargin(5_000)).toBe(2_000);
    expect(refreshMargin(3_000)).toBe(1_500);
  });
});

describe('Tokens.accessToken', () => {
  it('returns the held token without a request while it is fresh', async () => {
    const { idp, held } = setup();
    await idp.clock.advance(3_539_999);
    expect(await held.accessToken()).toBe('AT-1');
    expect(refreshes(idp)).toHaveLength(0);
  });

  it('refreshes once inside the 60 s margin before expiry, and not before', async () => {
    const { idp, held, t0 } = setup();
    idp.queue(TOKEN, tokens({ access_token: 'AT-2', refresh_token: 'RT-2' }));
    await idp.clock.advance(3_539_999);
    expect(await held.accessToken()).toBe('AT-1');
    await idp.clock.advance(1);
    expect(await held.accessToken()).toBe('AT-2');
    expect(refreshes(idp).map((r) => r.at)).toEqual([t0 + 3_540_000]);
    expect(held.refreshes).toBe(1);
  });

  it('refreshes a 5-minute token 30 s (10 %) before it expires', async () => {
    const { idp, held, t0 } = setup({ expires_in: 300 });
    idp.queue(TOKEN, tokens({ access_token: 'AT-2' }));
    await idp.clock.advance(269_999);
    expect(await held.accessToken()).toBe('AT-1');
    await idp.clock.advance(1);
    expect(await held.accessToken()).toBe('AT-2');
    expect(refreshes(idp).map((r) => r.at)).toEqual([t0 + 270_000]);
  });

  it('sends exactly grant_type, refresh_token and client_id in the refresh (RFC 6749 §6)', async () => {
    const { idp, held } = setup();
    idp.queue(TOKEN, tokens({ access_token: 'AT-2' }));
    await held.refresh();
    const [req] = refreshes(idp);
    expect(req!.method).toBe('POST');
    expect(Object.fromEntries(req!.form!)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'RT-1',
      client_id: 'screen-signin',
    });
    expect(req!.headers.get('authorization')).toBeNull();
  });

  it('uses a rotated refresh token next time, and keeps the old one when the answer has none', async () => {
    const { idp, held } = setup();
    idp.queue(
      TOKEN,
      tokens({ access_token: 'AT-2', refresh_token: 'RT-2' }),
      tokens({ access_token: 'AT-3' }),
      tokens({ access_token: 'AT-4' }),
    );
    await held.refresh();
    await held.refresh();
    await held.refresh();
    expect(refreshes(idp).map((r) => r.form!.get('refresh_token'))).toEqual(['RT-1', 'RT-2', 'RT-2']);
    expect(await held.accessToken()).toBe('AT-4');
  });

  it('takes the new expiry from the refreshed token', async () => {
    const { idp, held } = setup();
    idp.queue(TOKEN, tokens({ access_token: 'AT-2', expires_in: 600 }));
    await held.refresh();
    expect(held.expiresAt).toBe(idp.clock.now() + 600_000);
  });

  it('reads a string expires_in of a refreshed token (oauth4webapi parses it; no quirk needed)', async () => {
    const { idp, held } = setup();
    idp.queue(TOKEN, tokens({ access_token: 'AT-2', expires_in: '600' }));
    await held.refresh();
    expect(held.expiresAt).toBe(idp.clock.now() + 600_000);
  });

  it('sends one refresh for 50 concurrent callers at expiry, and gives them all the new token', async () => {
    const { idp, held } = setup();
    idp.latencyMs = 1_000;
    idp.queue(TOKEN, tokens({ access_token: 'AT-2' }));
    idp.always(TOKEN, tokens({ access_token: 'AT-wrong' }));
    await idp.clock.advance(3_600_000);
    const first = Array.from({ length: 25 }, () => held.accessToken());
    await idp.clock.advance(500);
    const late = Array.from({ length: 25 }, () => held.accessToken());
    await idp.clock.advance(500);
    const all = await Promise.all([...first, ...late]);
    expect(new Set(all)).toEqual(new Set(['AT-2']));
    expect(refreshes(idp)).toHaveLength(1);
  });

  it('ends the sign-in on invalid_grant: the error says so and the holder is wiped', async () => {
    const { idp, held } = setup();
    idp.queue(TOKEN, oauthError('invalid_grant', 400, { error_description: 'refresh token revoked' }));
    await idp.clock.advance(3_540_000);
    const error = await rejection(held.accessToken());
    expect(error.code).toBe('invalid_grant');
    expect(held.signedIn).toBe(false);
    expect((await rejection(held.accessToken())).code).toBe('session_ended');
    expect(refreshes(idp)).toHaveLength(1);
  });

  it('keeps using the old token when a refresh meets a 5xx, and retries only after the backoff', async () => {
    const { idp, held, t0 } = setup();
    idp.queue(TOKEN, text('down', 503), tokens({ access_token: 'AT-2' }));
    await idp.clock.advance(3_540_000);
    expect(await held.accessToken()).toBe('AT-1');
    await idp.clock.advance(1_999);
    expect(await held.accessToken()).toBe('AT-1');
    expect(refreshes(idp)).toHaveLength(1);
    await idp.clock.advance(1);
    expect(await held.accessToken()).toBe('AT-2');
    expect(refreshes(idp).map((r) => r.at - t0)).toEqual([3_540_000, 3_542_000]);
    expect(held.signedIn).toBe(true);
  });

  it('doubles the refresh backoff after each transient failure', async () => {
    const { idp, held, t0 } = setup();
    idp.queue(TOKEN, text('down', 503), networkDown, text('down', 502), tokens({ access_token: 'AT-2' }));
    await idp.clock.advance(3_540_000);
    for (let i = 0; i <= 14; i++) {
      expect(await held.accessToken()).toMatch(/^AT-/);
      await idp.clock.advance(1_000);
    }
    expect(refreshes(idp).map((r) => r.at - t0)).toEqual([3_540_000, 3_542_000, 3_546_000, 3_554_000]);
    expect(await held.accessToken()).toBe('AT-2');
  });

  it('spreads refresh retries with up to 20 % jitter from the injected random source', async () => {
    const { idp, held, t0 } = setup({}, as, () => 0.5);
    idp.queue(TOKEN, text('down', 503), tokens({ access_token: 'AT-2' }));
    await idp.clock.advance(3_540_000);
    expect(await held.accessToken()).toBe('AT-1');
    await idp.clock.advance(2_199);
    expect(await held.accessToken()).toBe('AT-1');
    await idp.clock.advance(1);
    expect(await held.accessToken()).toBe('AT-2');
    expect(refreshes(idp).map((r) => r.at - t0)).toEqual([3_540_000, 3_542_200]);
  });

  it("waits for the token endpoint's Retry-After before refreshing again", async () => {
    const { idp, held, t0 } = setup();
    idp.queue(TOKEN, text('busy', 429, { 'retry-after': '20' }), tokens({ access_token: 'AT-2' }));
    await idp.clock.advance(3_540_000);
    expect(await held.accessToken()).toBe('AT-1');
    await idp.clock.advance(19_999);
    expect(await held.accessToken()).toBe('AT-1');
    await idp.clock.advance(1);
    expect(await held.accessToken()).toBe('AT-2');
    expect(refreshes(idp).map((r) => r.at - t0)).toEqual([3_540_000, 3_560_000]);
  });

  it('fails with the transient error once the old token has expired too', async () => {
    const { idp, held } = setup();
    idp.always(TOKEN, text('down', 503));
    await idp.clock.advance(3_600_000);
    const error = await rejection(held.accessToken());
    expect(error.code).toBe('http');
    expect(held.signedIn).toBe(true);
  });

  it('uses a token without a refresh token until it expires, then ends the session', async () => {
    const { idp, held } = setup({ refresh_token: undefined, expires_in: 60 });
    await idp.clock.advance(59_999);
    expect(await held.accessToken()).toBe('AT-1');
    await idp.clock.advance(1);
    const error = await rejection(held.accessToken());
    expect(error.code).toBe('session_ended');
    expect(held.signedIn).toBe(false);
    expect(idp.requests).toHaveLength(0);
  });

  it('never refreshes a token that came without expires_in', async () => {
    const { idp, held } = setup({ expires_in: undefined });
    await idp.clock.advance(30 * 24 * 3_600_000);
    expect(await held.accessToken()).toBe('AT-1');
    expect(idp.requests).toHaveLength(0);
  });

  it('revokes the rotated refresh token and the new access token when the refresh answer arrives after sign-out', async () => {
    const { idp, held } = setup();
    idp.latencyMs = 1_000;
    idp.queue(TOKEN, tokens({ access_token: 'AT-2', refresh_token: 'RT-2' }));
    idp.always(REVOKE, text('', 200));
    const box = watch(held.refresh());
    await idp.clock.advance(500);
    void held.revoke();
    await idp.clock.advance(2_000);
    expect(box.outcome?.ok).toBe(false);
    expect(held.signedIn).toBe(false);
    expect(revoked(idp)).toEqual([
      ['RT-1', 'refresh_token'],
      ['AT-1', 'access_token'],
      ['RT-2', 'refresh_token'],
      ['AT-2', 'access_token'],
    ]);
  });
});

describe('Tokens.dueAt', () => {
  it('is the refresh time while there is a refresh token, and the next try after a passing failure', async () => {
    const { idp, held, t0 } = setup();
    expect(held.dueAt).toBe(t0 + 3_540_000);
    idp.queue(TOKEN, text('down', 503));
    await idp.clock.advance(3_540_000);
    await held.accessToken();
    expect(held.dueAt).toBe(t0 + 3_542_000);
  });

  it('is the expiry when there is nothing to refresh with, and undefined for a token without expires_in', () => {
    expect(setup({ refresh_token: undefined }).held.dueAt).toBe(setup().t0 + 3_600_000);
    expect(setup({ expires_in: undefined }).held.dueAt).toBeUndefined();
  });

  it('is undefined once signed out', async () => {
    const { held } = setup();
    held.wipe();
    expect(held.dueAt).toBeUndefined();
  });
});

describe('tokens refused after issuance are revoked', () => {
  const idToken = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return [
      part({ alg: 'RS256' }),
      part({ iss: as.issuer, sub: 'u-1', iat: now, exp: now + 3600, ...claims }),
      'c2ln',
    ].join('.');
  };

  it.each([
    ['an ID token for another client', { id_token: idToken({ aud: 'another-client' }) }],
    ['an ID token from another issuer', { id_token: idToken({ aud: 'screen-signin', iss: 'https://evil.example' }) }],
    ['an unknown token_type', { token_type: 'mac' }],
  ])('a refresh answer with %s: its tokens and the old ones are revoked, and the sign-in ends', async (_what, bad) => {
    const { idp, held } = setup();
    idp.queue(TOKEN, tokens({ access_token: 'AT-2', refresh_token: 'RT-2', ...bad }));
    idp.always(REVOKE, text('', 200));
    const error = await rejection(held.refresh());
    expect(error.code).toBe('bad_response');
    await idp.clock.advance(0);
    expect(held.signedIn).toBe(false);
    expect(new Set(revoked(idp).map(([token]) => token))).toEqual(new Set(['RT-1', 'AT-1', 'RT-2', 'AT-2']));
  });

  it('processIssued revokes what a refused 200 answer carried, and nothing of an OAuth error answer', async () => {
    const { idp, ctx } = setup();
    idp.always(REVOKE, text('', 200));
    const refuse = () => Promise.reject(new Error('refused'));
    const issued = json({ access_token: 'AT-9', refresh_token: 'RT-9', token_type: 'Bearer' })();
    await expect(processIssued(ctx, issued, refuse)).rejects.toThrow('refused');
    await expect(processIssued(ctx, oauthError('invalid_grant')(), refuse)).rejects.toThrow('refused');
    await idp.clock.advance(0);
    expect(revoked(idp)).toEqual([
      ['RT-9', 'refresh_token'],
      ['AT-9', 'access_token'],
    ]);
  });

  it('on invalid_grant, the access token still held is revoked too', async () => {
    const { idp, held } = setup();
    idp.queue(TOKEN, oauthError('invalid_grant'));
    idp.always(REVOKE, text('', 200));
    await rejection(held.refresh());
    await idp.clock.advance(0);
    expect(revoked(idp)).toContainEqual(['AT-1', 'access_token']);
  });
});

describe('Tokens.revoke (RFC 7009)', () => {
  it('revokes the refresh token, then the access token, each with its type hint', async () => {
    const { idp, held } = setup();
    idp.always(REVOKE, text('', 200));
    await held.revoke();
    expect(idp.to(REVOKE).map((r) => Object.fromEntries(r.form!))).toEqual([
      { token: 'RT-1', token_type_hint: 'refresh_token', client_id: 'screen-signin' },
      { token: 'AT-1', token_type_hint: 'access_token', client_id: 'screen-signin' },
    ]);
    expect(held.signedIn).toBe(false);
  });

  it('revokes only the access token when there is no refresh token', async () => {
    const { idp, held } = setup({ refresh_token: undefined });
    idp.always(REVOKE, text('', 200));
    await held.revoke();
    expect(idp.to(REVOKE).map((r) => r.form!.get('token_type_hint'))).toEqual(['access_token']);
  });

  it('wipes memory before the IdP answers', async () => {
    const { idp, held } = setup();
    idp.latencyMs = 1_000;
    idp.always(REVOKE, text('', 200));
    const box = watch(held.revoke());
    await idp.clock.advance(0);
    expect(held.signedIn).toBe(false);
    expect(box.outcome).toBeUndefined();
    await idp.clock.advance(2_000);
    expect(box.outcome?.ok).toBe(true);
  });

  it('still signs out when revocation meets a network error', async () => {
    const { idp, held } = setup();
    idp.always(REVOKE, networkDown);
    await held.revoke();
    expect(held.signedIn).toBe(false);
    expect((await rejection(held.accessToken())).code).toBe('session_ended');
    expect(idp.to(REVOKE)).toHaveLength(2);
  });

  it('still signs out, and still tries the access token, when revocation answers 503', async () => {
    const { idp, held } = setup();
    idp.always(REVOKE, text('down', 503));
    await held.revoke();
    expect(held.signedIn).toBe(false);
    expect(idp.to(REVOKE).map((r) => r.form!.get('token_type_hint'))).toEqual(['refresh_token', 'access_token']);
  });

  it('sends both requests at once and with keepalive, so they outlive a page that is going away', async () => {
    const { idp, ctx } = setup();
    const inits: RequestInit[] = [];
    const net = {
      ...idp.net,
      fetch: ((input: RequestInfo | URL, init: RequestInit = {}) => {
        inits.push(init);
        return idp.fetch(input, init);
      }) as typeof fetch,
    };
    const held = new Tokens({ ...ctx, net }, { access_token: 'AT-1', token_type: 'bearer', refresh_token: 'RT-1' });
    idp.latencyMs = 1_000;
    idp.always(REVOKE, text('', 200));
    const box = watch(held.revoke());
    await idp.clock.advance(0);
    // The second request left before the first one was answered.
    expect(idp.to(REVOKE).map((r) => r.answeredAt)).toEqual([undefined, undefined]);
    expect(inits.map((init) => init.keepalive)).toEqual([true, true]);
    await idp.clock.advance(1_000);
    expect(box.outcome?.ok).toBe(true);
  });

  it(`gives up on a hanging revocation endpoint after ${REVOKE_TIMEOUT_MS / 1000} s, not the usual 15 s`, async () => {
    const { idp, held } = setup();
    idp.always(REVOKE, hang);
    const box = watch(held.revoke());
    await idp.clock.advance(REVOKE_TIMEOUT_MS - 1);
    expect(box.outcome).toBeUndefined();
    await idp.clock.advance(1);
    expect(box.outcome?.ok).toBe(true);
    expect(idp.to(REVOKE).map((r) => r.answeredAt! - r.at)).toEqual([REVOKE_TIMEOUT_MS, REVOKE_TIMEOUT_MS]);
  });

  it('signs out locally when the IdP has no revocation endpoint', async () => {
    const { idp, held } = setup({}, { ...as, revocation_endpoint: undefined });
    await held.revoke();
    expect(held.signedIn).toBe(false);
    expect(idp.requests).toHaveLength(0);
  });
});

describe('Tokens.refresh', () => {
  it('fails with session_ended when the IdP gave no refresh token', async () => {
    const { idp, held } = setup({ refresh_token: undefined });
    expect((await rejection(held.refresh())).code).toBe('session_ended');
    expect(idp.requests).toHaveLength(0);
  });
});
