import { describe, expect, it } from 'vitest';
import { parseConfig } from './config';
import { cutPower, freshIndexedDB, newKeys } from '../testing/fake-storage';
import { DB_NAME, openRecordStore, RememberedSession, STORE_NAME, type RememberedRecord } from './remember';
import { forgetRemembered } from './remember-db';

async function setup() {
  const factory = freshIndexedDB();
  const store = openRecordStore(factory)!;
  const record: RememberedRecord = {
    issuer: 'https://idp.example',
    client_id: 'screen-signin',
    keys: await newKeys(),
    refresh_token: 'RT-1',
    started_at: 1_700_000_000_000,
    name: 'Ada Lovelace',
  };
  return { factory, store, record };
}

/** Everything in the app's database, read past the store's own validation. */
function rawRecords(factory: IDBFactory): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const req = factory.open(DB_NAME);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const all = req.result.transaction(STORE_NAME).objectStore(STORE_NAME).getAll();
      all.onsuccess = () => {
        req.result.close();
        resolve(all.result);
      };
    };
  });
}

describe('config remember', () => {
  it('is off unless the deployer turns it on, and names a value that is not a boolean', () => {
    const valid = { issuer: 'https://idp.example', client_id: 'screen-signin' };
    const parsed = (query: string) => parseConfig(valid, new URLSearchParams(query));
    const off = parsed('');
    const on = parsed('remember=true');
    expect(off.ok && off.config.remember).toBe(false);
    expect(on.ok && on.config.remember).toBe(true);
    const wrong = parsed('remember=always');
    expect(wrong.ok ? [] : wrong.problems.map((p) => p.key)).toEqual(['remember']);
  });
});

describe('openRecordStore', () => {
  it('is undefined where the browser has no IndexedDB', () => {
    expect(openRecordStore(undefined)).toBeUndefined();
  });

  it('reads nothing, and creates no database, where nothing was ever stored', async () => {
    const { factory, store } = await setup();
    expect(await store.read()).toBeUndefined();
    await store.clear();
    expect(await factory.databases()).toEqual([]);
  });

  it('reads back the whole record, the private key still a CryptoKey that cannot be exported', async () => {
    const { factory, store, record } = await setup();
    await store.write(record);
    // A second store on the same factory: the page after a reload, the same disk.
    const back = await openRecordStore(factory)!.read();
    expect(back).toMatchObject({ ...record, keys: expect.anything() });
    expect(back!.keys.privateKey).toBeInstanceOf(CryptoKey);
    expect(back!.keys.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', back!.keys.privateKey)).rejects.toThrow();
  });

  it('clears a record it cannot use instead of resuming from it', async () => {
    const { factory, store, record } = await setup();
    await store.write({ ...record, keys: { privateKey: 'not a key' } as unknown as CryptoKeyPair });
    expect(await store.read()).toBeUndefined();
    expect(await rawRecords(factory)).toEqual([]);
  });
});

describe('forgetRemembered (remember off)', () => {
  it('deletes what an earlier config kept', async () => {
    const { factory, store, record } = await setup();
    await store.write(record);
    await forgetRemembered(factory);
    expect(await factory.databases()).toEqual([]);
  });

  it('creates nothing where nothing was kept', async () => {
    const factory = freshIndexedDB();
    await forgetRemembered(factory);
    expect(await factory.databases()).toEqual([]);
  });
});

describe('RememberedSession', () => {
  it('writes nothing until begin(), then one record with the latest refresh token and the start', async () => {
    const { factory, store, record } = await setup();
    const session = new RememberedSession(store, { ...record, started_at: 0, name: undefined }, false);
    await session.refreshed({ refresh_token: 'RT-2', bound: true });
    expect(await factory.databases()).toEqual([]);
    expect(await session.begin(1_700_000_123_000, 'Ada')).toBeUndefined();
    expect(await rawRecords(factory)).toMatchObject([
      { refresh_token: 'RT-2', started_at: 1_700_000_123_000, name: 'Ada', issuer: record.issuer },
    ]);
  });

  it('replaces the refresh token on rotation and keeps the key pair, issuer and start', async () => {
    const { factory, store, record } = await setup();
    await store.write(record);
    const session = new RememberedSession(store, record, true);
    await session.refreshed({ refresh_token: 'RT-2', bound: true });
    const [stored] = (await rawRecords(factory)) as RememberedRecord[];
    expect(stored).toMatchObject({ refresh_token: 'RT-2', started_at: record.started_at, issuer: record.issuer });
    const signed = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      stored!.keys.privateKey,
      new Uint8Array([1]),
    );
    expect(
      await crypto.subtle.verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        record.keys.publicKey,
        signed,
        new Uint8Array([1]),
      ),
    ).toBe(true);
  });

  it.each([0, 1, 2])(
    'leaves the old record or the new one, whole, when the power goes after %i writes of a rotation',
    async (surviving) => {
      const { factory, store, record } = await setup();
      await store.write(record);
      const session = new RememberedSession(store, record, true);
      const restore = cutPower(surviving);
      try {
        await session.refreshed({ refresh_token: 'RT-2', bound: true });
      } finally {
        restore();
      }
      const after = await openRecordStore(factory)!.read();
      expect(after).toBeDefined();
      expect([record.refresh_token, 'RT-2']).toContain(after!.refresh_token);
      expect(after).toMatchObject({
        issuer: record.issuer,
        client_id: record.client_id,
        started_at: record.started_at,
      });
    },
  );

  it('forgets: the record is gone when forget() resolves', async () => {
    const { factory, store, record } = await setup();
    await store.write(record);
    await new RememberedSession(store, record, true).forget();
    expect(await rawRecords(factory)).toEqual([]);
  });

  it('writes nothing for a rotation that lands during or after a sign-out', async () => {
    const { factory, store, record } = await setup();
    await store.write(record);
    const session = new RememberedSession(store, record, true);
    const landing = session.refreshed({ refresh_token: 'RT-2', bound: true });
    const forgetting = session.forget();
    await Promise.all([landing, forgetting]);
    await session.refreshed({ refresh_token: 'RT-3', bound: true });
    expect(await rawRecords(factory)).toEqual([]);
  });

  it('stops remembering when a refresh comes back Bearer (no longer bound to the key)', async () => {
    const { factory, store, record } = await setup();
    await store.write(record);
    await new RememberedSession(store, record, true).refreshed({ refresh_token: 'RT-2', bound: false });
    expect(await rawRecords(factory)).toEqual([]);
  });

  it('reports no-indexeddb when the first write fails, and keeps nothing', async () => {
    const { factory, store, record } = await setup();
    const session = new RememberedSession(store, record, false);
    const restore = cutPower(0);
    try {
      expect(await session.begin(record.started_at, record.name)).toBe('no-indexeddb');
    } finally {
      restore();
    }
    expect(await openRecordStore(factory)!.read()).toBeUndefined();
  });
});
