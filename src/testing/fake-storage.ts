/**
 * IndexedDB for unit tests (fake-indexeddb, in memory, one fresh database space per call) and a
 * power cut: from a chosen write on, every read-write transaction is aborted before it commits, as
 * if the screen lost power with the write still in flight.
 */
import { IDBDatabase, IDBFactory } from 'fake-indexeddb';
import { vi } from 'vitest';

export const freshIndexedDB = (): IDBFactory => new IDBFactory();

/**
 * Lets `survivingWrites` read-write transactions commit, then aborts all later ones (until the
 * returned function restores power). Read-only transactions still work, so a test can look.
 */
export function cutPower(survivingWrites = 0): () => void {
  const original = IDBDatabase.prototype.transaction;
  let writes = 0;
  const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
    this: IDBDatabase,
    ...args: Parameters<IDBDatabase['transaction']>
  ) {
    const tx = original.apply(this, args);
    if (tx.mode === 'readwrite' && ++writes > survivingWrites) tx.abort();
    return tx;
  });
  return () => spy.mockRestore();
}

/** A DPoP key pair as the app makes them: the private key not extractable. */
export const newKeys = (): Promise<CryptoKeyPair> =>
  crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
