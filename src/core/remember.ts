/**
 * config `remember`: the one place anything of a sign-in is written to disk (docs/remember.md).
 * One IndexedDB record holds the DPoP key pair as a structured clone of its CryptoKeys (the private
 * key non-extractable), the refresh token bound to that key (RFC 9449 §5), whose it is (issuer,
 * client_id), when the session began and the name shown. Never an access token or an ID token.
 * Every write is one whole-record put in one transaction, so a record is always old or new, whole.
 */

import { DB_NAME, STORE_NAME } from './remember-db';

export { DB_NAME, STORE_NAME };
const RECORD_KEY = 'current';
const DB_VERSION = 1;

export interface RememberedRecord {
  issuer: string;
  client_id: string;
  /** The DPoP key pair the refresh token is bound to; `privateKey.extractable` is false. */
  keys: CryptoKeyPair;
  refresh_token: string;
  /** Wall-clock epoch ms of the sign-in with a code: `max_session` counts from here, across reboots. */
  started_at: number;
  /** The name shown while reconnecting and once signed in; absent with `show_user` off. */
  name?: string;
}

/**
 * Why a sign-in was not stored, for the debug overlay. Each one would have put a bearer secret on
 * disk (a refresh token anyone holding a copy can use) or has nowhere safe to put it.
 */
export type NotStoredReason =
  | 'dpop-off' // config `dpop` is false
  | 'no-dpop-at-idp' // the IdP advertises no DPoP algorithm this screen can make keys for
  | 'bearer-token' // the IdP answered token_type Bearer: its tokens are not bound to the key
  | 'no-refresh-token' // nothing that outlives the access token was issued
  | 'no-indexeddb'; // no IndexedDB here, or it refused the write

/** The IndexedDB record, read and written whole. */
export interface RecordStore {
  /** The stored record; a malformed one is cleared and reads as none. */
  read(): Promise<RememberedRecord | undefined>;
  write(record: RememberedRecord): Promise<void>;
  clear(): Promise<void>;
}

const request = <T>(req: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });

const done = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });

function isRecord(value: unknown): value is RememberedRecord {
  if (!value || typeof value !== 'object') return false;
  const r = value as Partial<RememberedRecord>;
  return (
    typeof r.issuer === 'string' &&
    typeof r.client_id === 'string' &&
    typeof r.refresh_token === 'string' &&
    typeof r.started_at === 'number' &&
    (r.name === undefined || typeof r.name === 'string') &&
    typeof CryptoKey !== 'undefined' &&
    r.keys?.privateKey instanceof CryptoKey &&
    r.keys.publicKey instanceof CryptoKey
  );
}

/**
 * The record store on `factory` (the page's `indexedDB`; tests pass fake-indexeddb's), or undefined
 * where there is none. Reading never creates the database: opening one that does not exist aborts
 * its creation, so a screen that never stored anything leaves no trace on disk.
 */
export function openRecordStore(factory: IDBFactory | undefined = globalThis.indexedDB): RecordStore | undefined {
  if (!factory) return undefined;
  let db: IDBDatabase | undefined;
  // One open at a time, so transactions start in the order they were asked for.
  let opening: Promise<IDBDatabase | undefined> = Promise.resolve(undefined);

  const attempt = (create: boolean) =>
    new Promise<IDBDatabase | undefined>((resolve, reject) => {
      let absent = false;
      const req = factory.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = (event) => {
        if (event.oldVersion === 0 && !create) {
          absent = true;
          req.transaction?.abort();
          return;
        }
        if (!req.result.objectStoreNames.contains(STORE_NAME)) req.result.createObjectStore(STORE_NAME);
      };
      req.onsuccess = () => {
        const connection = req.result;
        // Another tab (an updated app) upgrading the schema: let it; this store reopens next time.
        connection.onversionchange = () => {
          connection.close();
          if (db === connection) db = undefined;
        };
        resolve((db = connection));
      };
      req.onerror = (event) => {
        event.preventDefault();
        if (absent) resolve(undefined);
        else reject(req.error ?? new Error('IndexedDB open failed'));
      };
    });

  const open = (create: boolean): Promise<IDBDatabase | undefined> => {
    const next = opening.then(
      () => db ?? attempt(create),
      () => attempt(create),
    );
    opening = next.catch(() => undefined);
    return next;
  };

  const store: RecordStore = {
    async read() {
      const db = await open(false);
      if (!db) return undefined;
      const value = await request(db.transaction(STORE_NAME, 'readonly').objectStore(STORE_NAME).get(RECORD_KEY));
      if (value === undefined) return undefined;
      if (isRecord(value)) return value;
      await store.clear();
      return undefined;
    },
    async write(record) {
      const db = await open(true);
      if (!db) throw new Error('IndexedDB unavailable');
      // "strict": `complete` only once the write reached the disk, so a power cut right after a
      // rotation cannot take the new refresh token back with it (old engines ignore the option).
      const tx = db.transaction(STORE_NAME, 'readwrite', { durability: 'strict' });
      tx.objectStore(STORE_NAME).put(record, RECORD_KEY);
      await done(tx);
    },
    async clear() {
      const db = await open(false);
      if (!db) return;
      const tx = db.transaction(STORE_NAME, 'readwrite', { durability: 'strict' });
      tx.objectStore(STORE_NAME).delete(RECORD_KEY);
      await done(tx);
    },
  };
  return store;
}

/**
 * One remembered sign-in while it lasts. Writes go out in the order asked for (IndexedDB runs
 * read-write transactions on one store in creation order), and after `forget()` no write is started,
 * so a refresh answer that lands during a sign-out cannot bring the record back.
 */
export class RememberedSession {
  #store: RecordStore;
  #record: RememberedRecord;
  #saved: boolean;
  #ended = false;

  /** `saved`: the record is already on disk (recalled after a reboot). */
  constructor(store: RecordStore, record: RememberedRecord, saved: boolean) {
    this.#store = store;
    this.#record = record;
    this.#saved = saved;
  }

  get keys(): CryptoKeyPair {
    return this.#record.keys;
  }
  get started_at(): number {
    return this.#record.started_at;
  }
  get name(): string | undefined {
    return this.#record.name;
  }
  get issuer(): string {
    return this.#record.issuer;
  }
  get client_id(): string {
    return this.#record.client_id;
  }
  /** The record was on disk when this session started (it is being resumed, not begun). */
  get resumed(): boolean {
    return this.#saved;
  }
  /** The refresh token to resume with; only restore.ts reads it, to put it on the refresh request. */
  get refresh_token(): string {
    return this.#record.refresh_token;
  }

  /** The first write, once the session is on screen: when it began and whom to name. */
  async begin(started_at: number, name: string | undefined): Promise<NotStoredReason | undefined> {
    this.#record = { ...this.#record, started_at, name };
    this.#saved = true;
    return (await this.#write()) ? undefined : 'no-indexeddb';
  }

  /**
   * A refresh answer has arrived (RFC 6749 §6 rotation). The new token is written after the IdP's
   * answer, never the old one deleted first: a power cut between the two leaves the old token, now
   * consumed, which the IdP refuses with invalid_grant at the next boot (oidc-provider also revokes
   * the grant on reuse), so the screen shows a new code with the reason. There is never a moment
   * with no token on disk while the IdP holds a live one the screen does not have.
   */
  readonly refreshed = async (answer: { refresh_token?: string; bound: boolean }): Promise<void> => {
    if (this.#ended) return;
    // The IdP stopped binding (a changed IdP policy): what it issued is a bearer secret now.
    if (!answer.bound) return this.forget();
    if (!answer.refresh_token || answer.refresh_token === this.#record.refresh_token) return;
    this.#record = { ...this.#record, refresh_token: answer.refresh_token };
    if (this.#saved) await this.#write();
  };

  /** Sign-out: no write after this one, and the record is gone when it resolves. */
  async forget(): Promise<void> {
    this.#ended = true;
    try {
      await this.#store.clear();
    } catch {
      // Nothing more to do here: the revocation that follows makes whatever is left useless.
    }
  }

  /**
   * A write that fails (quota, storage taken away) leaves the previous record as it was: the running
   * session keeps its tokens in memory, and at the next boot the old token is refused.
   */
  async #write(): Promise<boolean> {
    if (this.#ended) return false;
    try {
      await this.#store.write(this.#record);
      return true;
    } catch {
      return false;
    }
  }
}
