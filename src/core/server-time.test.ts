import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { clockSkew } from 'oauth4webapi';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceCode, FlowContext } from './device-flow';
import { pollForTokens } from './poll';
import { createDPoP } from './dpop';
import { AppError } from './errors';
import { ServerTime, withClockSkew } from './server-time';
import { as, client, CLIENT_ID, failure, fakeIdp, ISSUER, json, run, type FakeIdp } from '../testing/fake-idp';
import { testClock } from '../testing/test-clock';

const TOKEN = 'https://idp.example/token';
/** The fake IdP, announcing the ES256 ID tokens it signs. */
const oidc = { ...as, id_token_signing_alg_values_supported: ['ES256'] };
const TEN_MINUTES = 600_000;
const httpDate = (ms: number) => new Date(ms).toUTCString();

/** An ID token as an IdP signs it, `iat` at the IdP's `now` and living `lifetime` seconds (Keycloak: 300). */
async function idToken(now: number, lifetime = 300, claims: Record<string, unknown> = {}): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  const iat = Math.floor(now / 1000);
  return new SignJWT({ sub: 'ada', ...claims })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(ISSUER)
    .setAudience(CLIENT_ID)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(privateKey);
}

describe('ServerTime', () => {
  it('knows nothing before an answer, and then adds no skew', () => {
    const time = new ServerTime(testClock());
    expect(time.now()).toBeUndefined();
    expect(time.skewSeconds()).toBe(0);
    expect(time.source).toBeUndefined();
  });

  it("reads the IdP's time from a Date header, the middle of its second at the middle of the round trip", async () => {
    // The TV's wall clock is 10 minutes fast; the IdP's is right.
    const clock = testClock(1_700_000_000_000, TEN_MINUTES);
    const time = new ServerTime(clock);
    const sentAt = clock.now();
    await clock.advance(1_000);
    // Written 3 s ahead of us, at some moment of its second, somewhere within the round trip.
    time.fromDate(httpDate(sentAt + 3_000), sentAt, clock.now());
    expect(time.source).toBe('date');
    expect(time.now()).toBe(clock.now() + 3_000);
    expect(time.skewSeconds()).toBe(-597);
  });

  it('stays right when the wall clock steps afterwards (NTP comes through): the skew follows the step', async () => {
    const clock = testClock(1_700_000_000_000, TEN_MINUTES);
    const time = new ServerTime(clock);
    time.fromDate(httpDate(clock.now()), clock.now(), clock.now());
    const before = time.now()!;
    clock.stepWall(-TEN_MINUTES);
    await clock.advance(5_000);
    expect(time.now()).toBe(before + 5_000);
    expect(time.skewSeconds()).toBe(1);
  });

  it("takes an ID token's iat when no Date header was readable, and a Date over it later", async () => {
    const clock = testClock(1_700_000_000_000, -TEN_MINUTES);
    const time = new ServerTime(clock);
    time.fromIdToken(await idToken(clock.now()), clock.now(), clock.now());
    expect(time.source).toBe('id_token');
    expect(time.skewSeconds()).toBe(601);
    time.fromDate(httpDate(clock.now() + 3_000), clock.now(), clock.now());
    expect(time.source).toBe('date');
    expect(time.skewSeconds()).toBe(604);
  });

  it('never lets an ID token replace an estimate from Date', async () => {
    const clock = testClock();
    const time = new ServerTime(clock);
    time.fromDate(httpDate(clock.now()), clock.now(), clock.now());
    time.fromIdToken(await idToken(clock.now() + 3_600_000), clock.now(), clock.now());
    expect(time.skewSeconds()).toBe(1);
  });

  it('ignores what tells no time: an unreadable Date, a JWE or garbage, a token whose exp is not after its iat', async () => {
    const clock = testClock();
    const time = new ServerTime(clock);
    time.fromDate(null, clock.now(), clock.now());
    time.fromDate('yesterday-ish', clock.now(), clock.now());
    time.fromIdToken('a.b.c.d.e', clock.now(), clock.now());
    time.fromIdToken('not a jwt', clock.now(), clock.now());
    time.fromIdToken(42, clock.now(), clock.now());
    time.fromIdToken(await idToken(clock.now() + 3_600_000, 0), clock.now(), clock.now());
    expect(time.source).toBeUndefined();
  });

  it('gives oauth4webapi the skew through the client, read at each check', () => {
    const clock = testClock(1_700_000_000_000, TEN_MINUTES);
    const time = new ServerTime(clock);
    const skewed = withClockSkew(client, time);
    expect(skewed[clockSkew]).toBe(0);
    time.fromDate(httpDate(clock.now()), clock.now(), clock.now());
    expect(skewed[clockSkew]).toBe(-599);
    expect(skewed.client_id).toBe(client.client_id);
  });
});

describe('a TV whose clock is 10 minutes off', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** oauth4webapi reads Date.now(): it is set to the TV's wall clock, which the test clock models. */
  function tvWithClockOff(offset: number) {
    const idp = fakeIdp(testClock(1_700_000_000_000, offset));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(idp.clock.wall());
    const serverTime = new ServerTime(idp.clock);
    const net = { ...idp.net, serverTime };
    const code: DeviceCode = {
      device_code: 'DC-1',
      user_code: 'WDJB-MJHT',
      verification_uri: 'https://idp.example/activate',
      expires_at: idp.clock.now() + 600_000,
      received_at: idp.clock.now(),
      interval: 5_000,
    };
    return { idp, serverTime, net, code };
  }

  /** The token answer: an ID token the IdP issued on its own (right) clock, 5 s into polling. */
  async function tokenAnswer(idp: FakeIdp, headers: Record<string, string> = {}) {
    const at = idp.clock.now() + 5_000;
    const id_token = await idToken(at);
    idp.queue(TOKEN, json({ access_token: 'AT', token_type: 'Bearer', expires_in: 300, id_token }, 200, headers));
    return at;
  }

  it("accepts a 5-minute ID token when the IdP's Date is readable (10 min fast)", async () => {
    const { idp, serverTime, net, code } = tvWithClockOff(TEN_MINUTES);
    const at = await tokenAnswer(idp, { date: httpDate(idp.clock.now() + 5_000) });
    const ctx: FlowContext = { net, as: oidc, client: withClockSkew(client, serverTime), config: { scope: 'openid' } };
    const response = await run(idp.clock, pollForTokens(ctx, code));
    expect(response.access_token).toBe('AT');
    expect(serverTime.source).toBe('date');
    expect(Math.abs(serverTime.now()! - at)).toBeLessThan(1_000);
  });

  it("accepts it from the ID token's own iat when Date is hidden by CORS (10 min fast)", async () => {
    const { idp, serverTime, net, code } = tvWithClockOff(TEN_MINUTES);
    await tokenAnswer(idp);
    const ctx: FlowContext = { net, as: oidc, client: withClockSkew(client, serverTime), config: { scope: 'openid' } };
    expect((await run(idp.clock, pollForTokens(ctx, code))).access_token).toBe('AT');
    expect(serverTime.source).toBe('id_token');
  });

  it('refuses the same ID token as expired without the estimate: the check the skew corrects', async () => {
    const { idp, code } = tvWithClockOff(TEN_MINUTES);
    await tokenAnswer(idp, { date: httpDate(idp.clock.now() + 5_000) });
    const ctx: FlowContext = { net: idp.net, as: oidc, client, config: { scope: 'openid' } };
    const error = await failure(idp.clock, pollForTokens(ctx, code));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).details).toMatch(/"exp"/);
  });

  it("signs DPoP proofs with the IdP's time as iat once a Date was read (10 min slow)", async () => {
    const { idp, serverTime, net, code } = tvWithClockOff(-TEN_MINUTES);
    const dpopAs = { ...oidc, dpop_signing_alg_values_supported: ['ES256'] };
    const skewed = withClockSkew(client, serverTime);
    const dpop = await createDPoP(dpopAs, skewed, { time: serverTime });
    expect(dpop).toBeDefined();
    // The device authorization answer told the time; the first poll's proof carries it.
    serverTime.fromDate(httpDate(idp.clock.now()), idp.clock.now(), idp.clock.now());
    await tokenAnswer(idp);
    const ctx: FlowContext = { net, as: dpopAs, client: skewed, config: { scope: 'openid' }, dpop };
    await run(idp.clock, pollForTokens(ctx, code));
    const proof = decodeJwt(idp.to(TOKEN)[0]!.headers.get('dpop')!);
    const idpSeconds = idp.clock.now() / 1000;
    expect(Math.abs(proof.iat! - idpSeconds)).toBeLessThanOrEqual(1);
    expect(Math.abs(proof.iat! - Date.now() / 1000)).toBeGreaterThan(590);
  });
});
