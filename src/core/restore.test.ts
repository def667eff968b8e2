import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import type { AuthorizationServer, TokenEndpointResponse } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { createDPoPKeys } from './dpop';
import { AppError } from './errors';
import {
  as,
  client,
  fakeIdp,
  networkDown,
  oauthError,
  rejection,
  text,
  tokens,
  type FakeIdp,
} from '../testing/fake-idp';
import { cutPower, freshIndexedDB, newKeys } from '../testing/fake-storage';
import { openRecordStore, RememberedSession, type RememberedRecord } from './remember';
import { expire, keepable, Memory, recall, resume } from './restore';

const TOKEN = 'https://idp.example/token';
const REVOKE = 'https://idp.example/revoke';
const dpopAs: AuthorizationServer = { ...as, dpop_signing_alg_values_supported: ['ES256'] };

async function remembered(idp: FakeIdp = fakeIdp()) {
  const factory = freshIndexedDB();
  const store = openRecordStore(factory)!;
  const record: RememberedRecord = {
    issuer: as.issuer,
    client_id: client.client_id,
    keys: await newKeys(),
    refresh_token: 'RT-1',
    started_at: idp.clock.now() - 3_600_000,
    name: 'Ada Lovelace',
  };
  await store.write(record);
  return { idp, factory, store, record, ctx: { net: idp.net, as, client } };
}

const thumbprint = async (key: CryptoKey) => calculateJwkThumbprint((await crypto.subtle.exportKey('jwk', key)) as JWK);

/** The thumbprint of the key in a DPoP proof's header (RFC 9449 §4.2: `jwk`). */
const proofKey = (proof: string | null) => calculateJwkThumbprint(decodeProtectedHeader(proof ?? '').jwk as JWK);

const dpopTokens = (body: Record<string, unknown> = {}) => tokens({ token_type: 'DPoP', ...body });

describe('keepable', () => {
  const answer = (body: Partial<TokenEndpointResponse> = {}): TokenEndpointResponse => ({
    access_token: 'AT',
    token_type: 'dpop',
    refresh_token: 'RT',
    ...body,
  });

  it('keeps a sign-in whose refresh token is bound to the key, and writes it once begun', async () => {
    const factory = freshIndexedDB();
    const store = openRecordStore(factory);
    const keys = await createDPoPKeys(dpopAs);
    const kept = keepable(store, { dpop: true }, dpopAs, client, keys, answer());
    expect(kept.session).toBeInstanceOf(RememberedSession);
    await kept.session!.begin(1_700_000_000_000, 'Ada');
    const stored = await openRecordStore(factory)!.read();
    expect(stored).toMatchObject({ issuer: as.issuer, client_id: client.client_id, refresh_token: 'RT', name: 'Ada' });
    expect(stored!.keys.privateKey.extractable).toBe(false);
  });

  it.each([
    ['dpop-off', { dpop: false }, dpopAs, {}, true],
    ['no-dpop-at-idp', { dpop: true }, as, {}, true],
    ['bearer-token', { dpop: true }, dpopAs, { token_type: 'bearer' }, true],
    ['no-refresh-token', { dpop: true }, dpopAs, { refresh_token: undefined }, true],
    ['no-indexeddb', { dpop: true }, dpopAs, {}, false],
  ] as const)('stores nothing and says %s', async (reason, config, server, body, withStore) => {
    const factory = freshIndexedDB();
    const keys = await createDPoPKeys(server);
    const kept = keepable(withStore ? openRecordStore(factory) : undefined, config, server, client, keys, answer(body));
    expect(kept).toEqual({ reason });
    expect(await factory.databases()).toEqual([]);
  });
});

describe('recall', () => {
  it('finds the record of this issuer and client', async () => {
    const { store, record } = await remembered();
    const found = await recall(store, as, client);
    expect(found?.resumed).toBe(true);
    expect(found).toMatchObject({ name: record.name, started_at: record.started_at, issuer: record.issuer });
  });

  it.each([
    ['another issuer', { ...as, issuer: 'https://other-idp.example' }, client],
    ['another client_id', as, { client_id: 'lobby-screen' }],
  ])('wipes a record of %s (the config changed)', async (_what, server, otherClient) => {
    const { store } = await remembered();
    expect(await recall(store, server, otherClient)).toBeUndefined();
    expect(await store.read()).toBeUndefined();
  });

  it('finds nothing without IndexedDB', async () => {
    expect(await recall(undefined, as, client)).toBeUndefined();
  });
});

describe('resume', () => {
  it('refreshes once with a fresh proof from the stored key and writes the rotated token back', async () => {
    const { idp, store, record, ctx } = await remembered();
    idp.queue(TOKEN, dpopTokens({ access_token: 'AT-2', refresh_token: 'RT-2' }));
    const session = (await recall(store, as, client))!;
    const held = await resume(ctx, session);

    const [req, ...more] = idp.to(TOKEN);
    expect(more).toEqual([]);
    expect(Object.fromEntries(req!.form!)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'RT-1',
      client_id: client.client_id,
    });
    expect(await proofKey(req!.headers.get('dpop'))).toBe(await thumbprint(record.keys.publicKey));
    expect(held.dpop).toBeDefined();
    expect(await held.accessToken()).toBe('AT-2');
    expect(await store.read()).toMatchObject({ refresh_token: 'RT-2', started_at: record.started_at });
  });

  it('writes back every later rotation the token holder makes', async () => {
    const { idp, store, ctx } = await remembered();
    idp.queue(TOKEN, dpopTokens({ refresh_token: 'RT-2' }), dpopTokens({ refresh_token: 'RT-3' }));
    const held = await resume(ctx, (await recall(store, as, client))!);
    await held.refresh();
    expect(idp.to(TOKEN).map((r) => r.form?.get('refresh_token'))).toEqual(['RT-1', 'RT-2']);
    expect((await store.read())?.refresh_token).toBe('RT-3');
  });

  it('wipes the record when the IdP refuses the grant (revoked, expired, used elsewhere)', async () => {
    const { idp, store, ctx } = await remembered();
    idp.queue(TOKEN, oauthError('invalid_grant'));
    const error = await rejection(resume(ctx, (await recall(store, as, client))!));
    expect(error.code).toBe('invalid_grant');
    expect(await store.read()).toBeUndefined();
  });

  it.each([
    ['a network failure', networkDown],
    ['a 503', text('down', 503)],
    ['an answer that is not JSON (a captive portal)', text('<html>Welcome to the hotel Wi-Fi</html>', 200)],
  ])('keeps the record after %s, so a later try can still resume', async (_what, failure) => {
    const { idp, store, ctx, record } = await remembered();
    idp.queue(TOKEN, failure, dpopTokens({ refresh_token: 'RT-2' }));
    const error = await rejection(resume(ctx, (await recall(store, as, client))!));
    expect(error.code).not.toBe('invalid_grant');
    expect((await store.read())?.refresh_token).toBe(record.refresh_token);
    await resume(ctx, (await recall(store, as, client))!);
    expect((await store.read())?.refresh_token).toBe('RT-2');
  });

  it('after a power cut between the IdP answer and the write, the next boot is refused and wiped', async () => {
    const { idp, store, ctx, factory } = await remembered();
    // The IdP rotates RT-1 into RT-2, but the write of RT-2 never reaches the disk.
    idp.queue(TOKEN, dpopTokens({ refresh_token: 'RT-2' }));
    const restorePower = cutPower(0);
    try {
      await resume(ctx, (await recall(store, as, client))!);
    } finally {
      restorePower();
    }
    // Reboot: the disk still has RT-1, which the IdP consumed; it refuses it (and revokes the grant).
    const rebooted = openRecordStore(factory)!;
    const left = await recall(rebooted, as, client);
    expect(left?.refresh_token).toBe('RT-1');
    idp.queue(TOKEN, oauthError('invalid_grant', 400, { error_description: 'refresh token already used' }));
    expect((await rejection(resume(ctx, left!))).code).toBe('invalid_grant');
    expect(await rebooted.read()).toBeUndefined();
  });

  it('stops remembering when the refresh answer is Bearer, still signing in this once', async () => {
    const { idp, store, ctx } = await remembered();
    idp.queue(TOKEN, tokens({ access_token: 'AT-2', refresh_token: 'RT-2' }));
    const held = await resume(ctx, (await recall(store, as, client))!);
    expect(await held.accessToken()).toBe('AT-2');
    expect(await store.read()).toBeUndefined();
  });

  it('is cancelled by its signal without touching the record', async () => {
    const { idp, store, ctx } = await remembered();
    idp.queue(TOKEN, { fail: 'hang' });
    const stop = new AbortController();
    const pending = resume(ctx, (await recall(store, as, client))!, stop.signal);
    stop.abort(new AppError('network', { reason: 'offline' }));
    await expect(pending).rejects.toBeDefined();
    expect((await store.read())?.refresh_token).toBe('RT-1');
  });
});

describe('expire', () => {
  it('wipes the record before the revocation request leaves, then revokes the refresh token', async () => {
    const { idp, store, ctx } = await remembered();
    let onDiskThen: Promise<unknown> | undefined;
    idp.always(REVOKE, () => {
      onDiskThen = store.read();
      return new Response(null, { status: 200 });
    });
    await expire(ctx, (await recall(store, as, client))!);
    expect(idp.to(TOKEN)).toEqual([]);
    expect(idp.to(REVOKE).map((r) => Object.fromEntries(r.form!))).toEqual([
      { token: 'RT-1', token_type_hint: 'refresh_token', client_id: client.client_id },
    ]);
    expect(await onDiskThen).toBeUndefined();
  });
});

describe('Memory', () => {
  const hooks = () => {
    const shown: (string | undefined)[] = [];
    return {
      shown,
      /** As the session's loop does: passing failures are tried again, others end it. */
      retrying: async <T>(attempt: () => Promise<T>): Promise<T> => {
        for (;;) {
          try {
            return await attempt();
          } catch (err) {
            if (!(err instanceof AppError && err.transient)) throw err;
          }
        }
      },
      reconnecting: (name: string | undefined) => shown.push(name),
    };
  };
  const config = { max_session: 0, show_user: true, dpop: true };

  async function memory() {
    const setup = await remembered();
    const states: unknown[] = [];
    const made = new Memory(setup.factory, (state) => states.push(state));
    return { ...setup, states, made };
  }

  it('signs in again with one refresh, naming the person while it runs', async () => {
    const { idp, made, states, record, ctx, store } = await memory();
    idp.queue(TOKEN, dpopTokens({ refresh_token: 'RT-2' }));
    const h = hooks();
    const resumed = await made.resume(ctx, config, h, new AbortController().signal);
    expect(resumed).toMatchObject({ name: record.name, started_at: record.started_at });
    expect(h.shown).toEqual([record.name]);
    expect(states).toEqual(['resumed']);
    expect((await store.read())?.refresh_token).toBe('RT-2');
  });

  it('keeps trying through passing failures, showing the reconnecting line each time, and never gives up the record', async () => {
    const { idp, made, ctx, store } = await memory();
    idp.queue(TOKEN, networkDown, text('busy', 503), dpopTokens({ refresh_token: 'RT-2' }));
    const h = hooks();
    const resumed = await made.resume(ctx, { ...config, show_user: false }, h, new AbortController().signal);
    expect(resumed && 'tokens' in resumed).toBe(true);
    expect(h.shown).toEqual([undefined, undefined, undefined]);
    expect(idp.to(TOKEN)).toHaveLength(3);
    expect((await store.read())?.refresh_token).toBe('RT-2');
  });

  it('ends with the IdP reason when the grant is refused, and the record is gone', async () => {
    const { idp, made, ctx, store } = await memory();
    idp.queue(TOKEN, oauthError('invalid_grant'));
    const resumed = await made.resume(ctx, config, hooks(), new AbortController().signal);
    expect(resumed && 'ended' in resumed && resumed.ended instanceof AppError && resumed.ended.code).toBe(
      'invalid_grant',
    );
    expect(await store.read()).toBeUndefined();
  });

  it('ends a session past max_session (counted from the sign-in with a code) without a refresh', async () => {
    const { idp, made, ctx, store } = await memory();
    idp.always(REVOKE, () => new Response(null, { status: 200 }));
    // The record began an hour ago: a 59-minute cap has run out while the screen was off.
    const resumed = await made.resume(ctx, { ...config, max_session: 59 * 60 }, hooks(), new AbortController().signal);
    expect(resumed).toEqual({ ended: 'max_session' });
    expect(idp.to(TOKEN)).toEqual([]);
    expect(idp.to(REVOKE)).toHaveLength(1);
    expect(await store.read()).toBeUndefined();
  });

  it('resumes a session still inside max_session', async () => {
    const { idp, made, ctx } = await memory();
    idp.queue(TOKEN, dpopTokens());
    const resumed = await made.resume(ctx, { ...config, max_session: 61 * 60 }, hooks(), new AbortController().signal);
    expect(resumed && 'tokens' in resumed).toBe(true);
  });

  it('keeps a bound sign-in once it is on screen, says so, and forgets it at sign-out', async () => {
    const factory = freshIndexedDB();
    const states: unknown[] = [];
    const made = new Memory(factory, (state) => states.push(state));
    const keys = await createDPoPKeys(dpopAs);
    const response = { access_token: 'AT', token_type: 'dpop', refresh_token: 'RT' } as TokenEndpointResponse;
    const onRefreshed = made.keep({ as: dpopAs, client }, config, keys, response);
    expect(onRefreshed).toBeTypeOf('function');
    await made.begin(1_700_000_000_000, 'Ada');
    expect(await openRecordStore(factory)!.read()).toMatchObject({ refresh_token: 'RT', name: 'Ada' });
    await onRefreshed!({ refresh_token: 'RT-2', bound: true });
    expect((await openRecordStore(factory)!.read())?.refresh_token).toBe('RT-2');
    await made.forget();
    await onRefreshed!({ refresh_token: 'RT-3', bound: true });
    expect(await openRecordStore(factory)!.read()).toBeUndefined();
    expect(states).toEqual([undefined, 'stored', undefined]);
  });

  it('stores nothing for a Bearer answer and says why', async () => {
    const factory = freshIndexedDB();
    const states: unknown[] = [];
    const made = new Memory(factory, (state) => states.push(state));
    const response = { access_token: 'AT', token_type: 'bearer', refresh_token: 'RT' } as TokenEndpointResponse;
    expect(made.keep({ as: dpopAs, client }, config, await createDPoPKeys(dpopAs), response)).toBeUndefined();
    await made.begin(1_700_000_000_000, 'Ada');
    expect(states).toEqual(['bearer-token']);
    expect(await factory.databases()).toEqual([]);
  });
});
