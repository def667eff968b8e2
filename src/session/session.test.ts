/**
 * The Session on the test clock and the fake IdP: the races between sign-in, refresh, sign-out and
 * the page, and time that passes while the screen sleeps. Each test waits on states (`until`), and
 * the clock only moves to the next moment some code is waiting for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock';
import { DEFAULT_TIMEOUT_MS } from '../core/body';
import { REVOKE_TIMEOUT_MS } from '../core/tokens';
import { CLIENT_ID, fakeIdp, hang, json, oauthError, text, tokens, type FakeIdp } from '../testing/fake-idp';
import { REREAD_MS, Session, type Phase } from './session.svelte';

const ISSUER = 'https://idp.example';
const PAGE = 'http://127.0.0.1:4000/';
const URLS = {
  config: `${PAGE}config.json`,
  discovery: `${ISSUER}/.well-known/openid-configuration`,
  device: `${ISSUER}/device`,
  token: `${ISSUER}/token`,
  revoke: `${ISSUER}/revoke`,
  userinfo: `${ISSUER}/userinfo`,
  api: 'https://api.example/me',
};

const METADATA = {
  issuer: ISSUER,
  device_authorization_endpoint: URLS.device,
  token_endpoint: URLS.token,
  revocation_endpoint: URLS.revoke,
  userinfo_endpoint: URLS.userinfo,
};

/** An unsigned ID token (oauth4webapi checks its claims, not a signature, on a token endpoint answer). */
function idToken(claims: Record<string, unknown>): string {
  // oauth4webapi checks exp and iat against the real clock; nothing here waits on it.
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = { iss: ISSUER, aud: CLIENT_ID, sub: 'u-1', iat: now, exp: now + 3600, ...claims };
  return [part({ alg: 'RS256' }), part(payload), 'c2ln'].join('.');
}

interface Screen {
  idp: FakeIdp;
  session: Session;
  /** Time passes with no timer running, as for a screen asleep; the next timer to fire sees it. */
  sleepFor(ms: number): void;
  /** Runs the clock from one waiting moment to the next until `done()` holds (the test fails if it never does). */
  until(done: () => boolean, maxSteps?: number): Promise<void>;
  /** The person approves the code on screen: the next poll gets these tokens. */
  approve(body?: Record<string, unknown>): Promise<void>;
  /** [token, token_type_hint] of each revocation request, in the order sent. */
  revoked(): (string | null)[][];
}

let running: Session[] = [];
afterEach(() => {
  for (const session of running) session.stop();
  running = [];
});

function screen(query: Record<string, string> = {}): Screen {
  const idp = fakeIdp();
  let slept = 0;
  const clock: Clock = {
    now: () => idp.clock.now() + slept,
    // oauth4webapi judges ID tokens by Date.now() plus the skew the session estimates from wall():
    // the wall clock is the real one here, as in a browser, so the estimate matches what it checks.
    wall: () => Date.now() + slept,
    sleep: (ms, signal) => idp.clock.sleep(ms, signal),
  };
  idp.always(URLS.config, text('Not found', 404));
  idp.always(URLS.discovery, json(METADATA));
  idp.always(URLS.device, () =>
    json({
      device_code: `DC-${idp.to(URLS.device).length}`,
      user_code: 'BCDF-GHJK',
      verification_uri: `${ISSUER}/activate`,
      expires_in: 600,
      interval: 5,
    })(),
  );
  idp.always(URLS.token, oauthError('authorization_pending'));
  idp.always(URLS.revoke, text('', 200));
  idp.always(URLS.api, json({ ok: true }));
  idp.always(URLS.userinfo, json({ sub: 'u-1', name: 'Ada Lovelace' }));
  const url = new URL(PAGE);
  // No idle sign-out, no session cap, no DPoP key unless a test asks: each test names what it is about.
  const base = { issuer: ISSUER, client_id: CLIENT_ID, dpop: 'false', idle_timeout: '0', max_session: '0' };
  url.search = new URLSearchParams({ ...base, ...query }).toString();
  const session = new Session({ url, fetch: idp.fetch, clock, random: () => 0 });
  running.push(session);
  const s: Screen = {
    idp,
    session,
    sleepFor: (ms) => void (slept += ms),
    async until(done, maxSteps = 500) {
      await idp.clock.advance(0);
      for (let i = 0; i < maxSteps && !done(); i++) await idp.clock.next();
      expect(done(), `phase: ${JSON.stringify(session.phase)}`).toBe(true);
    },
    async approve(body = {}) {
      idp.queue(URLS.token, tokens({ refresh_token: 'RT-1', access_token: 'AT-1', ...body }));
      await s.until(() => session.phase.status === 'signed-in');
    },
    revoked: () => idp.to(URLS.revoke).map((r) => [r.form!.get('token'), r.form!.get('token_type_hint')]),
  };
  return s;
}

const status = (session: Session) => session.phase.status;
const notice = (phase: Phase) => (phase.status === 'code' ? phase.notice : undefined);

async function signedIn(query: Record<string, string> = {}, body: Record<string, unknown> = {}): Promise<Screen> {
  const s = screen(query);
  s.session.start();
  await s.until(() => status(s.session) === 'code');
  await s.approve(body);
  return s;
}

describe('Session: tokens stay fresh without an API', () => {
  it.each([
    ['api unset', {}],
    ['api_interval=0', { api: URLS.api, api_interval: '0' }],
  ])('refreshes ahead of expiry on the tokens own schedule (%s)', async (_what, query) => {
    const s = await signedIn(query, { expires_in: 60 });
    const t0 = s.idp.clock.now();
    s.idp.queue(URLS.token, tokens({ access_token: 'AT-2', expires_in: 60 }), tokens({ access_token: 'AT-3' }));
    await s.until(() => s.idp.to(URLS.token).filter((r) => r.form!.get('grant_type') === 'refresh_token').length === 2);
    const refreshes = s.idp.to(URLS.token).filter((r) => r.form!.get('grant_type') === 'refresh_token');
    // 6 s (10 %) before each one-minute token expires.
    expect(refreshes.map((r) => r.at - t0)).toEqual([54_000, 108_000]);
    expect(status(s.session)).toBe('signed-in');
  });

  it.each([
    ['api unset', {}],
    ['api_interval=0', { api: URLS.api, api_interval: '0' }],
  ])('a revoked grant ends the session with the reason beside the next code (%s)', async (_what, query) => {
    const s = await signedIn(query, { expires_in: 60 });
    s.idp.queue(URLS.token, oauthError('invalid_grant', 400, { error_description: 'grant revoked' }));
    await s.until(() => status(s.session) === 'code');
    expect(notice(s.session.phase)).toEqual({ code: 'revoked' });
  });

  it('without a refresh token, the session ends when the access token expires, saying so', async () => {
    const s = await signedIn({}, { refresh_token: undefined, expires_in: 120 });
    const t0 = s.idp.clock.now();
    await s.until(() => status(s.session) === 'code');
    expect(s.idp.clock.now() - t0).toBe(120_000);
    expect(notice(s.session.phase)).toEqual({ code: 'ended' });
    expect(s.idp.to(URLS.token).filter((r) => r.form!.get('grant_type') === 'refresh_token')).toEqual([]);
  });

  it('a screen waking from two hours of sleep refreshes its expired token within a minute and stays signed in', async () => {
    const s = await signedIn({}, { expires_in: 3600 });
    s.idp.queue(URLS.token, tokens({ access_token: 'AT-2' }));
    s.sleepFor(2 * 3_600_000);
    await s.until(() => s.idp.to(URLS.token).some((r) => r.form!.get('grant_type') === 'refresh_token'), 60);
    expect(status(s.session)).toBe('signed-in');
  });
});

describe('Session: sign-out', () => {
  it('shows the next code at once while the revocation endpoint hangs, and bounds the revocation', async () => {
    const s = await signedIn();
    s.idp.always(URLS.revoke, hang);
    const before = s.idp.clock.now();
    s.session.signOut();
    await s.until(() => status(s.session) === 'code', 1);
    expect(s.idp.clock.now()).toBe(before);
    expect(s.idp.to(URLS.revoke).map((r) => r.answeredAt)).toEqual([undefined, undefined]);
    await s.idp.clock.advance(REVOKE_TIMEOUT_MS);
    expect(s.idp.to(URLS.revoke).map((r) => r.answeredAt! - r.at)).toEqual([REVOKE_TIMEOUT_MS, REVOKE_TIMEOUT_MS]);
    expect(s.revoked()).toEqual([
      ['RT-1', 'refresh_token'],
      ['AT-1', 'access_token'],
    ]);
  });

  it('a refresh that completes after sign-out has its rotated tokens revoked', async () => {
    const s = await signedIn({}, { expires_in: 60 });
    s.idp.latencyMs = 2_000;
    s.idp.queue(URLS.token, tokens({ access_token: 'AT-2', refresh_token: 'RT-2' }));
    await s.until(() => s.idp.to(URLS.token).some((r) => r.form!.get('grant_type') === 'refresh_token'));
    s.session.signOut();
    await s.until(() => s.revoked().length === 4);
    expect(s.revoked()).toEqual([
      ['RT-1', 'refresh_token'],
      ['AT-1', 'access_token'],
      ['RT-2', 'refresh_token'],
      ['AT-2', 'access_token'],
    ]);
    await s.until(() => status(s.session) === 'code');
  });

  it('a stop() during sign-out stays stopped: no new code, even once the revocation gives up', async () => {
    const s = await signedIn();
    s.idp.always(URLS.revoke, hang);
    s.session.signOut();
    s.session.stop();
    await s.idp.clock.advance(2 * DEFAULT_TIMEOUT_MS + 60_000);
    // Only the request for the first code, before the sign-in.
    expect(s.idp.to(URLS.device)).toHaveLength(1);
    expect(status(s.session)).not.toBe('code');
    expect(s.idp.clock.pending()).toBe(0);
  });

  it('stop() (the page going away) revokes what it holds', async () => {
    const s = await signedIn();
    s.session.stop();
    await s.until(() => s.revoked().length === 2, 1);
    expect(s.revoked().map(([token]) => token)).toEqual(['RT-1', 'AT-1']);
  });

  it('startOver() (a page back from the back/forward cache) reads everything again and shows a new code', async () => {
    const s = await signedIn();
    s.session.stop();
    const discoveries = s.idp.to(URLS.discovery).length;
    const codes = s.idp.to(URLS.device).length;
    s.session.startOver();
    await s.until(() => status(s.session) === 'code');
    expect(s.idp.to(URLS.discovery).length).toBe(discoveries + 1);
    expect(s.idp.to(URLS.device).length).toBe(codes + 1);
  });
});

describe('Session: who is signed in', () => {
  it('a userinfo failure does not end a new session: no name, and it carries on', async () => {
    const s = screen({ api: URLS.api, api_interval: '10' });
    s.idp.always(URLS.userinfo, text('down', 503));
    s.session.start();
    await s.until(() => status(s.session) === 'code');
    await s.approve();
    expect(s.session.phase).toMatchObject({ status: 'signed-in', user: undefined });
    await s.until(() => s.idp.to(URLS.api).length === 2);
    expect(status(s.session)).toBe('signed-in');
  });

  it("shows the ID token's sub when userinfo fails", async () => {
    const s = screen();
    s.idp.always(URLS.userinfo, text('down', 503));
    s.session.start();
    await s.until(() => status(s.session) === 'code');
    await s.approve({ id_token: idToken({ sub: 'u-42' }) });
    expect(s.session.phase).toMatchObject({ status: 'signed-in', user: 'u-42' });
  });

  it('the first API call goes out beside the userinfo request, and its answer is shown with the name', async () => {
    const s = screen({ api: URLS.api, api_interval: '60' });
    s.session.start();
    await s.until(() => status(s.session) === 'code');
    s.idp.latencyMs = 300;
    await s.approve();
    await s.until(() => s.session.phase.status === 'signed-in' && !!s.session.phase.api);
    const [userinfo] = s.idp.to(URLS.userinfo);
    const [api] = s.idp.to(URLS.api);
    expect(api!.at).toBe(userinfo!.at);
    expect(s.session.phase).toMatchObject({ user: 'Ada Lovelace', api: { data: { ok: true } } });
    // Then one call per api_interval, as before.
    await s.until(() => s.idp.to(URLS.api).length === 2);
    expect(s.idp.to(URLS.api)[1]!.at - api!.at).toBeGreaterThanOrEqual(60_000);
  });

  it('show_user=false asks userinfo nothing at all', async () => {
    const s = await signedIn({ show_user: 'false' });
    expect(s.session.phase).toMatchObject({ status: 'signed-in', user: undefined });
    expect(s.idp.to(URLS.userinfo)).toEqual([]);
  });
});

describe('Session: tokens refused after issuance', () => {
  it('an ID token that fails validation stops the sign-in, and the tokens issued with it are revoked', async () => {
    const s = screen();
    s.session.start();
    await s.until(() => status(s.session) === 'code');
    s.idp.queue(URLS.token, tokens({ access_token: 'AT-1', refresh_token: 'RT-1', id_token: idToken({ aud: 'x' }) }));
    await s.until(() => status(s.session) === 'error');
    await s.until(() => s.revoked().length === 2);
    expect(s.revoked().map(([token]) => token)).toEqual(['RT-1', 'AT-1']);
  });
});

describe('Session: start-up and long-running screens', () => {
  it('config.json that never answers times out and is tried again with a countdown, then the screen starts', async () => {
    const s = screen();
    s.idp.queue(URLS.config, hang);
    s.session.start();
    await s.until(() => status(s.session) === 'error');
    expect(s.session.phase).toMatchObject({
      status: 'error',
      error: { code: 'config', facts: { problems: [{ key: 'config.json', problem: 'file_timeout' }] } },
    });
    expect((s.session.phase as { retry_at?: number }).retry_at).toBeGreaterThan(s.idp.clock.now());
    await s.until(() => status(s.session) === 'code');
    expect(s.idp.to(URLS.config)).toHaveLength(2);
  });

  it('config.json that is not JSON is not tried again: the screen names it', async () => {
    const s = screen();
    s.idp.always(URLS.config, text('<html>'));
    s.session.start();
    await s.until(() => status(s.session) === 'error');
    await s.idp.clock.advance(120_000);
    expect(s.idp.to(URLS.config)).toHaveLength(1);
    expect(s.session.phase).toMatchObject({ status: 'error', error: { code: 'config' } });
  });

  it('reads config.json and the metadata again after a day, between codes', async () => {
    const s = screen({ max_idle_codes: '0' });
    s.session.start();
    await s.until(() => status(s.session) === 'code');
    expect(s.idp.to(URLS.config)).toHaveLength(1);
    s.sleepFor(REREAD_MS);
    // The code on screen has expired meanwhile: before the next one, everything is read again.
    await s.until(() => s.idp.to(URLS.device).length === 2);
    expect(s.idp.to(URLS.config)).toHaveLength(2);
    expect(s.idp.to(URLS.discovery)).toHaveLength(2);
    const [, second] = s.idp.to(URLS.device);
    expect(second!.at).toBeGreaterThan(s.idp.to(URLS.discovery)[1]!.at - 1);
  });

  it('never reads them again during a session, only after it', async () => {
    const s = await signedIn({}, { expires_in: undefined });
    s.sleepFor(REREAD_MS + 3_600_000);
    await s.idp.clock.advance(10_000);
    expect(status(s.session)).toBe('signed-in');
    expect(s.idp.to(URLS.discovery)).toHaveLength(1);
    s.session.signOut();
    await s.until(() => status(s.session) === 'code');
    expect(s.idp.to(URLS.discovery)).toHaveLength(2);
  });
});
