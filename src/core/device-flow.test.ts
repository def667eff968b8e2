import QRCode from 'qrcode';
import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_INTERVAL_MS,
  MAX_SHOWN_URI_LENGTH,
  MIN_INTERVAL_MS,
  requestDeviceCode,
  type DeviceCode,
  type FlowContext,
} from './device-flow';
import { afterPoll, BACKOFF_CAP_MS, CORS_REFUSALS, pollForTokens, type PollState } from './poll';
import { AppError } from './errors';
import {
  as,
  client,
  corsBlocked,
  failure,
  fakeIdp,
  gaps,
  hang,
  json,
  networkDown,
  oauthError,
  run,
  settle,
  text,
  tokens,
  watch,
  type FakeIdp,
} from '../testing/fake-idp';

const DEVICE = 'https://idp.example/device';
const TOKEN = 'https://idp.example/token';

function setup(config: FlowContext['config'] = { scope: 'openid offline_access' }) {
  const idp = fakeIdp();
  const ctx: FlowContext = { net: idp.net, as, client, config, random: () => 0 };
  return { idp, ctx };
}

const codeAnswer = (extra: Record<string, unknown> = {}) =>
  json({
    device_code: 'DC-1',
    user_code: 'WDJB-MJHT',
    verification_uri: 'https://idp.example/activate',
    verification_uri_complete: 'https://idp.example/activate?user_code=WDJB-MJHT',
    expires_in: 600,
    interval: 5,
    ...extra,
  });

/** Asks for a code and returns it with the moment it arrived. */
async function getCode(idp: FakeIdp, ctx: FlowContext, extra: Record<string, unknown> = {}) {
  idp.queue(DEVICE, codeAnswer(extra));
  const code = await run(idp.clock, requestDeviceCode(ctx));
  return { code, arrived: idp.clock.now() };
}

const pollTimes = (idp: FakeIdp) => idp.to(TOKEN).map((r) => r.at);

function asAppError(error: unknown): AppError {
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('requestDeviceCode (RFC 8628 §3.1–3.2)', () => {
  it('sends client_id and scope, and audience and resource when configured', async () => {
    const { idp, ctx } = setup({
      scope: 'openid offline_access',
      audience: 'tv-api',
      resource: 'https://api.example/',
    });
    await getCode(idp, ctx);
    const [req] = idp.to(DEVICE);
    expect(req!.method).toBe('POST');
    expect(Object.fromEntries(req!.form!)).toEqual({
      client_id: 'screen-signin',
      scope: 'openid offline_access',
      audience: 'tv-api',
      resource: 'https://api.example/',
    });
  });

  it('sends no audience or resource when they are not configured', async () => {
    const { idp, ctx } = setup();
    await getCode(idp, ctx);
    expect([...idp.to(DEVICE)[0]!.form!.keys()].sort()).toEqual(['client_id', 'scope']);
  });

  it('counts expires_at from when the answer arrived and turns interval into ms', async () => {
    const { idp, ctx } = setup();
    idp.latencyMs = 3_000;
    const sent = idp.clock.now();
    const { code, arrived } = await getCode(idp, ctx, { expires_in: 900, interval: 7 });
    expect(arrived).toBe(sent + 3_000);
    expect(code).toEqual<DeviceCode>({
      device_code: 'DC-1',
      user_code: 'WDJB-MJHT',
      verification_uri: 'https://idp.example/activate',
      verification_uri_complete: 'https://idp.example/activate?user_code=WDJB-MJHT',
      expires_at: arrived + 900_000,
      received_at: arrived,
      interval: 7_000,
    });
  });

  it('uses a 5 s interval when the answer has none', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, { interval: undefined });
    expect(code.interval).toBe(5_000);
    expect(DEFAULT_INTERVAL_MS).toBe(5_000);
  });

  it('accepts the verification_url spelling and string numbers (Google) end to end', async () => {
    const { idp, ctx } = setup();
    idp.queue(
      DEVICE,
      json({
        device_code: 'DC-G',
        user_code: 'GQVQ-JKEC',
        verification_url: 'https://www.google.com/device',
        expires_in: '1800',
        interval: '5',
      }),
    );
    const code = await run(idp.clock, requestDeviceCode(ctx));
    expect(code.verification_uri).toBe('https://www.google.com/device');
    expect(code.verification_uri_complete).toBeUndefined();
    expect(code.expires_at).toBe(idp.clock.now() + 1_800_000);
    expect(code.interval).toBe(5_000);
  });

  it.each([
    ['verification_uri', 'javascript:alert(1)'],
    ['verification_uri', 'http://evil.example/device'],
    ['verification_uri_complete', 'javascript:alert(1)'],
    ['verification_uri_complete', 'http://evil.example/device?code=X'],
    ['verification_uri', 'not a url'],
  ])('refuses a %s of %s as insecure_uri', async (key, value) => {
    const { idp, ctx } = setup();
    idp.queue(DEVICE, codeAnswer({ [key]: value }));
    const error = asAppError(await failure(idp.clock, requestDeviceCode(ctx)));
    expect(error.code).toBe('insecure_uri');
    expect(error.details).toContain(key);
  });

  it('accepts a loopback http verification_uri (a local demo IdP)', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, {
      verification_uri: 'http://localhost:3000/device',
      verification_uri_complete: undefined,
    });
    expect(code.verification_uri).toBe('http://localhost:3000/device');
  });

  it('accepts an http verification_uri on the one allowHttpHost (a LAN demo), and no other', async () => {
    const { idp, ctx } = setup();
    ctx.net = { ...ctx.net, allowHttpHost: '192.168.1.20' };
    const lan = { verification_uri: 'http://192.168.1.20:4010/device', verification_uri_complete: undefined };
    expect((await getCode(idp, ctx, lan)).code.verification_uri).toBe('http://192.168.1.20:4010/device');
    idp.queue(DEVICE, codeAnswer({ verification_uri: 'http://192.168.1.21:4010/device' }));
    expect(asAppError(await failure(idp.clock, requestDeviceCode(ctx))).code).toBe('insecure_uri');
  });

  it('refuses a user_code longer than 32 characters', async () => {
    const { idp, ctx } = setup();
    idp.queue(DEVICE, codeAnswer({ user_code: 'A'.repeat(33) }));
    expect(asAppError(await failure(idp.clock, requestDeviceCode(ctx))).code).toBe('bad_response');
  });

  it.each([
    ['blank', '   '],
    ['a right-to-left override (shows reversed)', 'ABCD\u202eHGFE'],
    ['a zero-width space', 'ABCD\u200b-EFGH'],
    ['a bidi isolate', '\u2066ABCD-EFGH\u2069'],
    ['a soft hyphen', 'ABCD\u00adEFGH'],
    ['a byte-order mark', '\ufeffABCD-EFGH'],
    ['a C1 control', 'ABCD\u0085EFGH'],
  ])('refuses a user_code that is %s', async (_what, user_code) => {
    const { idp, ctx } = setup();
    idp.queue(DEVICE, codeAnswer({ user_code }));
    const error = asAppError(await failure(idp.clock, requestDeviceCode(ctx)));
    expect(error.code).toBe('bad_response');
    expect(error.reason).toBe('user_code');
  });

  it('keeps a user_code with HTML in it as the exact text, for the screen to show literally', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, { user_code: '<img src=x onerror=alert(1)>' });
    expect(code.user_code).toBe('<img src=x onerror=alert(1)>');
  });

  it('raises a sub-second interval to 1 s, so a broken IdP is not polled 1000 times a second', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, { interval: 0.001 });
    expect(code.interval).toBe(MIN_INTERVAL_MS);
    expect(MIN_INTERVAL_MS).toBe(1_000);
  });

  it.each([
    [0, 5],
    [5, 5],
    [1, undefined],
  ])(
    'refuses a code with expires_in %s s and interval %s s: it expires before the first poll',
    async (expires_in, interval) => {
      const { idp, ctx } = setup();
      idp.queue(DEVICE, codeAnswer({ expires_in, interval }));
      const error = asAppError(await failure(idp.clock, requestDeviceCode(ctx)));
      expect(error.code).toBe('bad_response');
      expect(error.details).toContain('expires_in');
    },
  );

  it("ignores Microsoft's extra message: only the RFC 8628 fields reach the screen", async () => {
    const { idp, ctx } = setup();
    const message =
      'To sign in, use a web browser to open the page https://evil.example/login and enter the code WDJB-MJHT.';
    const { code } = await getCode(idp, ctx, { message });
    expect(Object.keys(code).sort()).toEqual([
      'device_code',
      'expires_at',
      'interval',
      'received_at',
      'user_code',
      'verification_uri',
      'verification_uri_complete',
    ]);
    expect(JSON.stringify(code)).not.toContain('evil.example');
  });

  it('names the IdP and the endpoint when the answer has a field of the wrong type', async () => {
    const { idp, ctx } = setup();
    idp.queue(DEVICE, codeAnswer({ user_code: 12345678 }));
    const error = asAppError(await failure(idp.clock, requestDeviceCode(ctx)));
    expect(error.code).toBe('bad_response');
    expect(error.details).toBe(
      'device authorization endpoint https://idp.example/device: "user_code" property must be a string',
    );
  });

  it('accepts a user_code of exactly 32 characters', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, { user_code: 'A'.repeat(32) });
    expect(code.user_code).toHaveLength(32);
  });

  it('refuses a user_code with control characters', async () => {
    const { idp, ctx } = setup();
    idp.queue(DEVICE, codeAnswer({ user_code: 'AB\u0000CD' }));
    expect(asAppError(await failure(idp.clock, requestDeviceCode(ctx))).code).toBe('bad_response');
  });

  it('turns an invalid_scope answer into an error that names the scope', async () => {
    const { idp, ctx } = setup({ scope: 'openid tv:watch' });
    idp.queue(DEVICE, oauthError('invalid_scope'));
    const error = asAppError(await failure(idp.clock, requestDeviceCode(ctx)));
    expect(error.code).toBe('invalid_scope');
    expect(error.facts).toMatchObject({ scope: 'openid tv:watch', client_id: 'screen-signin' });
  });

  it('refuses an answer without a device_code', async () => {
    const { idp, ctx } = setup();
    idp.queue(DEVICE, codeAnswer({ device_code: undefined }));
    expect(asAppError(await failure(idp.clock, requestDeviceCode(ctx))).code).toBe('bad_response');
  });
});

describe('requestDeviceCode: the addresses shown are the addresses checked (RFC 8628 §5.4)', () => {
  /** An address on the IdP's origin exactly `length` characters long. */
  const uriOfLength = (length: number, prefix = 'https://idp.example/activate?user_code=') =>
    prefix + 'x'.repeat(length - prefix.length);

  it.each(['verification_uri', 'verification_uri_complete'])(
    'refuses a %s with a user name before "@", which reads as one host and leads to another',
    async (field) => {
      const { idp, ctx } = setup();
      idp.queue(DEVICE, codeAnswer({ [field]: 'https://idp.example@evil.example/activate' }));
      const error = asAppError(await failure(idp.clock, requestDeviceCode(ctx)));
      expect([error.code, error.reason, error.facts.field]).toEqual(['insecure_uri', 'userinfo', field]);
    },
  );

  it('refuses userinfo with a password too', async () => {
    const { idp, ctx } = setup();
    idp.queue(DEVICE, codeAnswer({ verification_uri: 'https://:pw@evil.example/' }));
    expect(asAppError(await failure(idp.clock, requestDeviceCode(ctx))).reason).toBe('userinfo');
  });

  it.each([
    ['a look-alike host in punycode', 'https://\u0430pple.example/device', 'https://xn--pple-43d.example/device'],
    [
      'a bidi override in the path percent-encoded',
      'https://idp.example/\u202eevil',
      'https://idp.example/%E2%80%AEevil',
    ],
    [
      'scheme and host in lower case, the default port dropped',
      'HTTPS://IdP.Example:443/Device',
      'https://idp.example/Device',
    ],
  ])('gives the address normalised, with %s', async (_what, sent, shown) => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, { verification_uri: sent, verification_uri_complete: undefined });
    expect(code.verification_uri).toBe(shown);
  });

  it('normalises verification_uri_complete too', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, {
      verification_uri_complete: 'https://IDP.example/activate?user_code=WDJB MJHT',
    });
    expect(code.verification_uri_complete).toBe('https://idp.example/activate?user_code=WDJB%20MJHT');
  });

  it('keeps verification_uri_complete for the QR when it is on the origin of verification_uri', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    expect(code.verification_uri_complete).toBe('https://idp.example/activate?user_code=WDJB-MJHT');
  });

  it.each([
    ['another host', 'https://evil.example/activate?user_code=WDJB-MJHT'],
    ['another port', 'https://idp.example:8443/activate?user_code=WDJB-MJHT'],
    ['another scheme', 'http://localhost/activate?user_code=WDJB-MJHT'],
  ])('drops a verification_uri_complete on %s, so the QR opens the address shown', async (_what, complete) => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, { verification_uri_complete: complete });
    expect(code.verification_uri).toBe('https://idp.example/activate');
    expect(code.verification_uri_complete).toBeUndefined();
  });

  it('keeps the longest address a readable QR holds: it fits a version-10 QR at level M', async () => {
    const longest = uriOfLength(MAX_SHOWN_URI_LENGTH);
    expect(QRCode.create(longest, { errorCorrectionLevel: 'M' }).version).toBeLessThanOrEqual(10);
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, { verification_uri_complete: longest });
    expect(code.verification_uri_complete).toBe(longest);
  });

  it('falls back to verification_uri for the QR when only the complete one is too long', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx, { verification_uri_complete: uriOfLength(MAX_SHOWN_URI_LENGTH + 1) });
    expect(code.verification_uri_complete).toBeUndefined();
    expect(code.verification_uri).toBe('https://idp.example/activate');
  });

  it('refuses a verification_uri too long to type or to put in a readable QR, with its own reason', async () => {
    const { idp, ctx } = setup();
    const long = uriOfLength(MAX_SHOWN_URI_LENGTH + 1, 'https://idp.example/activate/');
    idp.queue(DEVICE, codeAnswer({ verification_uri: long, verification_uri_complete: undefined }));
    const error = asAppError(await failure(idp.clock, requestDeviceCode(ctx)));
    expect([error.code, error.reason, error.facts.field]).toEqual(['bad_response', 'uri_too_long', 'verification_uri']);
  });
});

describe('afterPoll (RFC 8628 §3.5)', () => {
  const start: PollState = { interval: 5_000, failures: 0 };
  const transient = (retryAfterMs?: number) => ({
    kind: 'transient' as const,
    error: new AppError('http', { reason: 'busy' }),
    retryAfterMs,
  });
  const zero = () => 0;

  it('waits the interval after authorization_pending', () => {
    expect(afterPoll(start, { kind: 'pending' }, zero)).toEqual({ interval: 5_000, failures: 0, wait: 5_000 });
  });

  it('adds 5 s after slow_down and keeps it for later polls', () => {
    const once = afterPoll(start, { kind: 'slow_down' }, zero);
    const twice = afterPoll(once, { kind: 'slow_down' }, zero);
    expect(once.wait).toBe(10_000);
    expect(twice.wait).toBe(15_000);
    expect(twice.interval).toBe(15_000);
    expect(afterPoll(twice, { kind: 'pending' }, zero).wait).toBe(15_000);
    expect(afterPoll(twice, { kind: 'pending' }, zero).interval).toBe(15_000);
  });

  it('backs off exponentially on transient failures: 10, 20, 40 s from a 5 s interval', () => {
    let state: PollState = start;
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = afterPoll(state, transient(), zero);
      waits.push(next.wait);
      state = next;
    }
    expect(waits).toEqual([10_000, 20_000, 40_000]);
    expect(state.interval).toBe(5_000);
  });

  it('caps the backoff at 60 s', () => {
    let state: PollState & { wait?: number } = start;
    for (let i = 0; i < 10; i++) state = afterPoll(state, transient(), zero);
    expect(state.wait).toBe(BACKOFF_CAP_MS);
    expect(BACKOFF_CAP_MS).toBe(60_000);
  });

  it('keeps the jittered backoff under the cap too', () => {
    let state: PollState & { wait?: number } = start;
    for (let i = 0; i < 10; i++) state = afterPoll(state, transient(), () => 0.999);
    expect(state.wait).toBe(BACKOFF_CAP_MS);
  });

  it('forgets earlier failures after a pending answer', () => {
    const failed = afterPoll(afterPoll(start, transient(), zero), transient(), zero);
    expect(failed.failures).toBe(2);
    const pending = afterPoll(failed, { kind: 'pending' }, zero);
    expect(pending.failures).toBe(0);
    expect(afterPoll(pending, transient(), zero).wait).toBe(10_000);
  });

  it('never waits less than the interval on a transient failure', () => {
    expect(afterPoll({ interval: 90_000, failures: 3 }, transient(), zero).wait).toBe(90_000);
  });

  it("never waits less than the server's Retry-After", () => {
    expect(afterPoll(start, transient(120_000), zero).wait).toBe(120_000);
  });

  it('adds up to 20 % jitter from the injected random source', () => {
    expect(afterPoll(start, transient(), () => 0.5).wait).toBe(11_000);
    expect(afterPoll(start, transient(), () => 0.999).wait).toBe(11_998);
  });

  it('takes the new interval a slow_down names (GitHub) when it is longer than +5 s, and keeps it', () => {
    const slowed = afterPoll(start, { kind: 'slow_down', interval: 20_000 }, zero);
    expect(slowed).toEqual({ interval: 20_000, failures: 0, wait: 20_000 });
    expect(afterPoll(slowed, { kind: 'pending' }, zero).wait).toBe(20_000);
  });

  it('still adds 5 s when a slow_down names an interval that is not longer', () => {
    expect(afterPoll(start, { kind: 'slow_down', interval: 5_000 }, zero).wait).toBe(10_000);
  });

  it('waits at least the Retry-After sent with a slow_down, and keeps only the +5 s for later polls', () => {
    const slowed = afterPoll(start, { kind: 'slow_down', retryAfterMs: 30_000 }, zero);
    expect(slowed).toEqual({ interval: 10_000, failures: 0, wait: 30_000 });
    expect(afterPoll(slowed, { kind: 'pending' }, zero).wait).toBe(10_000);
    expect(afterPoll(start, { kind: 'slow_down', retryAfterMs: 2_000 }, zero).wait).toBe(10_000);
  });

  it('adds no jitter to pending or slow_down waits', () => {
    expect(afterPoll(start, { kind: 'pending' }, () => 0.9).wait).toBe(5_000);
    expect(afterPoll(start, { kind: 'slow_down' }, () => 0.9).wait).toBe(10_000);
  });
});

describe('pollForTokens', () => {
  it('polls after pending, pending and returns the tokens, one interval apart', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.queue(
      TOKEN,
      oauthError('authorization_pending'),
      oauthError('authorization_pending'),
      tokens({ access_token: 'AT-1' }),
    );
    const result = await run(idp.clock, pollForTokens(ctx, code));
    expect(result.access_token).toBe('AT-1');
    expect(pollTimes(idp)).toEqual([arrived + 5_000, arrived + 10_000, arrived + 15_000]);
  });

  it('sends the device code grant with device_code and client_id', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, tokens());
    await run(idp.clock, pollForTokens(ctx, code));
    expect(Object.fromEntries(idp.to(TOKEN)[0]!.form!)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: 'DC-1',
      client_id: 'screen-signin',
    });
  });

  it('makes the first poll exactly one interval after the code arrived, never earlier', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx, { interval: 7 });
    idp.queue(TOKEN, tokens());
    const box = watch(pollForTokens(ctx, code));
    await idp.clock.advance(6_999);
    expect(idp.to(TOKEN)).toHaveLength(0);
    await idp.clock.advance(1);
    expect(pollTimes(idp)).toEqual([arrived + 7_000]);
    expect(box.outcome?.ok).toBe(true);
  });

  it('counts the first interval from the code’s arrival when polling starts later (the app taking over the boot path)', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx, { interval: 7 });
    idp.queue(TOKEN, oauthError('authorization_pending'), tokens());
    await idp.clock.advance(3_000); // the app's chunk arrives 3 s after the code
    const box = watch(pollForTokens(ctx, code));
    await idp.clock.advance(3_999);
    expect(idp.to(TOKEN)).toHaveLength(0);
    await idp.clock.advance(1);
    expect(pollTimes(idp)).toEqual([arrived + 7_000]);
    await idp.clock.advance(7_000);
    expect(pollTimes(idp)).toEqual([arrived + 7_000, arrived + 14_000]);
    expect(box.outcome?.ok).toBe(true);
  });

  it('polls at once when it starts more than an interval after the code arrived', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx, { interval: 5 });
    idp.queue(TOKEN, tokens());
    await idp.clock.advance(9_000);
    watch(pollForTokens(ctx, code));
    await idp.clock.advance(0);
    expect(pollTimes(idp)).toEqual([arrived + 9_000]);
  });

  it("follows the server's interval between polls", async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx, { interval: 8 });
    idp.queue(TOKEN, oauthError('authorization_pending'), oauthError('authorization_pending'), tokens());
    await run(idp.clock, pollForTokens(ctx, code));
    expect(gaps([arrived, ...pollTimes(idp)])).toEqual([8_000, 8_000, 8_000]);
  });

  it('polls every 5 s when the answer had no interval', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx, { interval: undefined });
    idp.queue(TOKEN, oauthError('authorization_pending'), oauthError('authorization_pending'), tokens());
    await run(idp.clock, pollForTokens(ctx, code));
    expect(gaps([arrived, ...pollTimes(idp)])).toEqual([5_000, 5_000, 5_000]);
  });

  it('adds 5 s after each slow_down and keeps it: gaps 5, 10, 15 s, then 15 s while pending', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.queue(TOKEN, oauthError('slow_down'), oauthError('slow_down'), oauthError('authorization_pending'), tokens());
    await run(idp.clock, pollForTokens(ctx, code));
    expect(gaps([arrived, ...pollTimes(idp)])).toEqual([5_000, 10_000, 15_000, 15_000]);
  });

  it('treats a 200 answer carrying authorization_pending (GitHub) as pending', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.queue(
      TOKEN,
      json({ error: 'authorization_pending', error_description: 'still waiting' }, 200),
      tokens({ access_token: 'AT-GH' }),
    );
    const result = await run(idp.clock, pollForTokens(ctx, code));
    expect(result.access_token).toBe('AT-GH');
    expect(gaps([arrived, ...pollTimes(idp)])).toEqual([5_000, 5_000]);
  });

  it('treats slow_down sent as 428 as slow_down', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.queue(TOKEN, oauthError('slow_down', 428), tokens());
    await run(idp.clock, pollForTokens(ctx, code));
    expect(gaps([arrived, ...pollTimes(idp)])).toEqual([5_000, 10_000]);
  });

  it('follows the interval GitHub sends with a slow_down answered as 200', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.queue(
      TOKEN,
      json({ error: 'slow_down', error_description: 'Too many requests', interval: '15' }, 200),
      oauthError('authorization_pending'),
      tokens(),
    );
    await run(idp.clock, pollForTokens(ctx, code));
    expect(gaps([arrived, ...pollTimes(idp)])).toEqual([5_000, 15_000, 15_000]);
  });

  it('stops with access_denied when the person declines, and polls no more', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, oauthError('authorization_pending'), oauthError('access_denied'));
    idp.always(TOKEN, tokens());
    const error = asAppError(await failure(idp.clock, pollForTokens(ctx, code)));
    expect(error.code).toBe('access_denied');
    await idp.clock.advance(60_000);
    expect(idp.to(TOKEN)).toHaveLength(2);
  });

  it('stops with expired_token when the IdP says the code expired', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, oauthError('expired_token'));
    expect(asAppError(await failure(idp.clock, pollForTokens(ctx, code))).code).toBe('expired_token');
  });

  it('stops with expired_token at the deadline while pending, without polling after it', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx, { expires_in: 12 });
    idp.always(TOKEN, oauthError('authorization_pending'));
    const error = asAppError(await failure(idp.clock, pollForTokens(ctx, code)));
    expect(error.code).toBe('expired_token');
    expect(idp.clock.now()).toBe(arrived + 12_000);
    expect(pollTimes(idp)).toEqual([arrived + 5_000, arrived + 10_000]);
    expect(pollTimes(idp).every((t) => t < code.expires_at)).toBe(true);
  });

  it('does not poll at the very moment the code expires', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx, { expires_in: 10 });
    idp.always(TOKEN, oauthError('authorization_pending'));
    expect(asAppError(await failure(idp.clock, pollForTokens(ctx, code))).code).toBe('expired_token');
    expect(pollTimes(idp)).toEqual([arrived + 5_000]);
  });

  it('gives up at the deadline when a pending answer arrives after it', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx, { expires_in: 7 });
    idp.latencyMs = 3_000;
    idp.always(TOKEN, oauthError('authorization_pending'));
    expect(asAppError(await failure(idp.clock, pollForTokens(ctx, code))).code).toBe('expired_token');
    expect(pollTimes(idp)).toEqual([arrived + 5_000]);
    expect(idp.clock.now()).toBe(arrived + 8_000);
  });

  it('retries after a 500 with a backoff no shorter than the interval, and reports it to onRetry', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.queue(TOKEN, text('oops', 500), tokens({ access_token: 'AT-2' }));
    const onRetry = vi.fn();
    const result = await run(idp.clock, pollForTokens(ctx, code, undefined, { onRetry }));
    expect(result.access_token).toBe('AT-2');
    const [first, second] = pollTimes(idp);
    expect(first).toBe(arrived + 5_000);
    expect(second! - first!).toBe(10_000); // 5 s × 2¹, jitter 0
    expect(second! - first!).toBeGreaterThanOrEqual(code.interval);
    expect(onRetry).toHaveBeenCalledTimes(1);
    const [error, wait] = onRetry.mock.calls[0]!;
    expect(asAppError(error).code).toBe('http');
    expect(wait).toBe(second! - first!);
  });

  it('grows the backoff over consecutive failures, as onRetry reports', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, text('oops', 500), text('oops', 502), text('oops', 503), tokens());
    const waits: number[] = [];
    await run(idp.clock, pollForTokens(ctx, code, undefined, { onRetry: (_e, wait) => waits.push(wait) }));
    expect(waits).toEqual([10_000, 20_000, 40_000]);
    expect(gaps(pollTimes(idp))).toEqual(waits);
  });

  it("waits for the server's Retry-After when it is longer than the backoff", async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, text('busy', 503, { 'retry-after': '30' }), tokens());
    await run(idp.clock, pollForTokens(ctx, code));
    expect(gaps(pollTimes(idp))).toEqual([30_000]);
  });

  it('retries after a network error (the no-cors probe fails too) and then succeeds', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, networkDown, tokens({ access_token: 'AT-3' }));
    const onRetry = vi.fn();
    const result = await run(idp.clock, pollForTokens(ctx, code, undefined, { onRetry }));
    expect(result.access_token).toBe('AT-3');
    expect(idp.requests.filter((r) => r.url === TOKEN).map((r) => r.probe)).toEqual([false, true, false]);
    expect(asAppError(onRetry.mock.calls[0]![0]).code).toBe('network');
    expect(gaps(pollTimes(idp))).toEqual([10_000]);
  });

  it('does not poll with a code that expired while the device slept through a wait', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    // The first wait (5 s) ends 20 minutes late: the device slept, its clock jumped past expires_at.
    let jump = 0;
    const sleepy = {
      now: () => idp.clock.now() + jump,
      wall: () => idp.clock.wall() + jump,
      sleep: async (ms: number, signal?: AbortSignal) => {
        await idp.clock.sleep(ms, signal);
        jump = 20 * 60_000;
      },
    };
    idp.always(TOKEN, oauthError('authorization_pending'));
    const error = asAppError(
      await failure(idp.clock, pollForTokens({ ...ctx, net: { ...ctx.net, clock: sleepy } }, code)),
    );
    expect(error.code).toBe('expired_token');
    expect(idp.to(TOKEN)).toHaveLength(0);
  });

  it('reports recovery once, when the IdP answers again after failures', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    const events: string[] = [];
    idp.queue(
      TOKEN,
      oauthError('authorization_pending'),
      text('busy', 503),
      text('busy', 503),
      oauthError('authorization_pending'),
      oauthError('authorization_pending'),
      tokens(),
    );
    await run(
      idp.clock,
      pollForTokens(ctx, code, undefined, {
        onRetry: () => events.push('retry'),
        onRecovered: () => events.push('recovered'),
      }),
    );
    expect(events).toEqual(['retry', 'retry', 'recovered']);
  });

  it('backs off after a CORS diagnosis too, keeping the same device code', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, corsBlocked, oauthError('authorization_pending'), tokens());
    const onRetry = vi.fn();
    await run(idp.clock, pollForTokens(ctx, code, undefined, { onRetry }));
    expect(asAppError(onRetry.mock.calls[0]![0]).code).toBe('cors');
    expect(gaps(pollTimes(idp))).toEqual([10_000, 5_000]);
    expect(idp.to(TOKEN).map((r) => r.form?.get('device_code'))).toEqual(['DC-1', 'DC-1', 'DC-1']);
  });

  it('retries after a timeout, counting the backoff from when the timeout fired', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.queue(TOKEN, hang, tokens());
    await run(idp.clock, pollForTokens(ctx, code));
    expect(pollTimes(idp)).toEqual([arrived + 5_000, arrived + 5_000 + 15_000 + 10_000]);
  });

  it('counts each wait from when the previous answer arrived', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.latencyMs = 3_000;
    idp.queue(TOKEN, oauthError('authorization_pending'), oauthError('slow_down'), tokens());
    await run(idp.clock, pollForTokens(ctx, code));
    const polls = idp.to(TOKEN);
    expect(polls.map((r) => r.at)).toEqual([arrived + 5_000, arrived + 13_000, arrived + 26_000]);
    expect(polls[1]!.at - polls[0]!.answeredAt!).toBe(5_000);
    expect(polls[2]!.at - polls[1]!.answeredAt!).toBe(10_000);
  });

  it('stops when aborted while waiting, and polls no more', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.always(TOKEN, oauthError('authorization_pending'));
    const controller = new AbortController();
    const box = watch(pollForTokens(ctx, code, controller.signal));
    await idp.clock.advance(12_000);
    expect(idp.to(TOKEN)).toHaveLength(2);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await idp.clock.advance(0);
    expect(box.outcome).toEqual({ ok: false, error: reason });
    await idp.clock.advance(120_000);
    expect(idp.to(TOKEN)).toHaveLength(2);
    expect(idp.clock.pending()).toBe(0);
  });

  it('stops when aborted during a request, with the abort reason and not a network error', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, hang);
    idp.always(TOKEN, tokens());
    const controller = new AbortController();
    const box = watch(pollForTokens(ctx, code, controller.signal));
    await idp.clock.advance(6_000);
    expect(idp.to(TOKEN)).toHaveLength(1);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await idp.clock.advance(0);
    expect(box.outcome).toEqual({ ok: false, error: reason });
    await idp.clock.advance(120_000);
    expect(idp.to(TOKEN)).toHaveLength(1);
    expect(idp.requests.filter((r) => r.probe)).toHaveLength(0);
  });

  it('ends with a fatal error such as invalid_client without retrying', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, oauthError('invalid_client', 401));
    idp.always(TOKEN, tokens());
    const outcome = await settle(idp.clock, pollForTokens(ctx, code));
    expect(outcome.ok).toBe(false);
    expect(asAppError((outcome as { error: unknown }).error).code).toBe('invalid_client');
    expect(idp.to(TOKEN)).toHaveLength(1);
  });

  it('expires at the deadline while backing off, without a poll after it', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx, { expires_in: 12 });
    idp.always(TOKEN, text('oops', 500));
    expect(asAppError(await failure(idp.clock, pollForTokens(ctx, code))).code).toBe('expired_token');
    expect(pollTimes(idp)).toEqual([arrived + 5_000]);
    expect(idp.clock.now()).toBe(arrived + 12_000);
  });

  it('treats slow_down sent with HTTP 429 (authentik) as slow_down: +5 s kept for later polls, its Retry-After obeyed', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(
      TOKEN,
      json({ error: 'slow_down' }, 429, { 'retry-after': '20' }),
      oauthError('authorization_pending'),
      tokens(),
    );
    const onRetry = vi.fn();
    await run(idp.clock, pollForTokens(ctx, code, undefined, { onRetry }));
    expect(gaps(pollTimes(idp))).toEqual([20_000, 10_000]);
    expect(onRetry).not.toHaveBeenCalled();
  });

  it('backs off after a bare 429 as today, reporting a rate limit with the wait X-Retry-After asked for', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, text('Too Many Requests', 429, { 'x-retry-after': '45' }), tokens());
    const onRetry = vi.fn();
    await run(idp.clock, pollForTokens(ctx, code, undefined, { onRetry }));
    const [error, wait] = onRetry.mock.calls[0]! as [AppError, number];
    expect([error.code, error.reason, wait]).toEqual(['http', 'rate_limited', 45_000]);
    expect(gaps(pollTimes(idp))).toEqual([45_000]);
  });

  it('stops with cors, naming both origins and the client, when the token endpoint refuses this origin twice in a row', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.always(TOKEN, corsBlocked);
    const onRetry = vi.fn();
    const error = asAppError(await failure(idp.clock, pollForTokens(ctx, code, undefined, { onRetry })));
    expect(error.code).toBe('cors');
    expect(error.facts).toMatchObject({
      endpoint: 'token',
      origin: 'https://idp.example',
      app_origin: 'http://127.0.0.1:4000',
      client_id: 'screen-signin',
    });
    // The first could have been a dropped connection: it was retried as one.
    expect(idp.to(TOKEN)).toHaveLength(CORS_REFUSALS);
    expect(onRetry).toHaveBeenCalledTimes(CORS_REFUSALS - 1);
  });

  it('counts CORS refusals only in a row: one between answered polls is passing trouble', async () => {
    const { idp, ctx } = setup();
    const { code } = await getCode(idp, ctx);
    idp.queue(TOKEN, corsBlocked, oauthError('authorization_pending'), corsBlocked, tokens({ access_token: 'AT-9' }));
    expect((await run(idp.clock, pollForTokens(ctx, code))).access_token).toBe('AT-9');
  });

  it('neither expires the code nor polls sooner when the wall clock jumps by hours (it is not the clock polling uses)', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.queue(TOKEN, oauthError('authorization_pending'), tokens({ access_token: 'AT-7' }));
    const polling = pollForTokens(ctx, code);
    idp.clock.stepWall(2 * 3_600_000);
    expect((await run(idp.clock, polling)).access_token).toBe('AT-7');
    expect(pollTimes(idp)).toEqual([arrived + 5_000, arrived + 10_000]);
  });
});

describe('poll timing, bounded on both sides (RFC 8628 §3.5)', () => {
  /**
   * How late a poll may be. The test clock is exact, so this only says what "on time" means: a
   * client that waits a minute, or a second too long, fails as surely as one that polls early.
   */
  const TOLERANCE_MS = 50;

  function expectOnTime(actual: number | undefined, allowed: number): void {
    expect(actual).toBeGreaterThanOrEqual(allowed);
    expect(actual).toBeLessThanOrEqual(allowed + TOLERANCE_MS);
  }

  /** Steps the clock to just before `at`: no new poll yet; then past it by the tolerance: the poll went out. */
  async function expectPollAt(idp: FakeIdp, at: number, polls: number): Promise<void> {
    await idp.clock.advance(at - 1 - idp.clock.now());
    expect(idp.to(TOKEN), `poll ${polls} before ${at}`).toHaveLength(polls - 1);
    await idp.clock.advance(1 + TOLERANCE_MS);
    expect(idp.to(TOKEN), `poll ${polls} by ${at} + ${TOLERANCE_MS} ms`).toHaveLength(polls);
    expectOnTime(idp.to(TOKEN)[polls - 1]!.at, at);
  }

  it('polls first one interval after the code arrived, then one interval after each answer, however slow the IdP', async () => {
    const { idp, ctx } = setup();
    const { code, arrived } = await getCode(idp, ctx);
    idp.latencyMs = 400;
    idp.queue(TOKEN, oauthError('authorization_pending'), oauthError('authorization_pending'), tokens());
    await run(idp.clock, pollForTokens(ctx, code));
    const polls = idp.to(TOKEN);
    expectOnTime(polls[0]!.at, arrived + 5_000);
    expectOnTime(polls[1]!.at, polls[0]!.answeredAt! + 5_000);
    expectOnTime(polls[2]!.at, polls[1]!.answeredAt! + 5_000);
  });

  it('after slow_down waits the interval + 5 s, no more, and keeps it; after a failure the jittered backoff, no more', async () => {
    const { idp, ctx: base } = setup();
    const ctx = { ...base, random: () => 0.5 };
    const { code, arrived } = await getCode(idp, ctx);
    idp.queue(
      TOKEN,
      oauthError('slow_down'),
      oauthError('authorization_pending'),
      text('oops', 500),
      oauthError('authorization_pending'),
      tokens(),
    );
    const box = watch(pollForTokens(ctx, code));
    await expectPollAt(idp, arrived + 5_000, 1); // the first poll: one interval
    const first = idp.to(TOKEN)[0]!.at;
    await expectPollAt(idp, first + 10_000, 2); // slow_down: 5 s + 5 s
    await expectPollAt(idp, first + 20_000, 3); // kept while pending
    // A 500: two (slowed) intervals, × 1.1 from the injected jitter 0.5 → 22 s.
    await expectPollAt(idp, first + 42_000, 4);
    await expectPollAt(idp, first + 52_000, 5); // answered again: the kept 10 s interval
    expect(box.outcome?.ok).toBe(true);
  });

  it('keeps every backoff between its base and base + 20 % jitter, whatever the random source says', async () => {
    for (const r of [0, 0.5, 0.999]) {
      const { idp, ctx: base } = setup();
      const ctx = { ...base, random: () => r };
      const { code } = await getCode(idp, ctx);
      idp.queue(TOKEN, text('oops', 500), text('oops', 502), text('oops', 503), tokens());
      await run(idp.clock, pollForTokens(ctx, code));
      const [afterFirst, afterSecond, afterThird] = gaps(pollTimes(idp));
      // 5 s interval: 10, 20, 40 s, each at most 20 % longer (never past the 60 s cap).
      expect(afterFirst).toBeGreaterThanOrEqual(10_000);
      expect(afterFirst).toBeLessThanOrEqual(12_000);
      expect(afterSecond).toBeGreaterThanOrEqual(20_000);
      expect(afterSecond).toBeLessThanOrEqual(24_000);
      expect(afterThird).toBeGreaterThanOrEqual(40_000);
      expect(afterThird).toBeLessThanOrEqual(48_000);
    }
  });
});
