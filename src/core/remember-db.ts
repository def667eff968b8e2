/**
 * Where config `remember` keeps its one record (remember.ts holds the rest). Apart, so that a screen
 * without `remember` wipes what an earlier config kept without loading remember.ts at all.
 */
export const DB_NAME = 'screen-signin';
export const STORE_NAME = 'session';

/**
 * `remember` off: the whole database goes (once other connections to it have closed). Deleting one
 * that does not exist creates nothing. Resolves when it is gone, or could not be deleted.
 */
export function forgetRemembered(factory: IDBFactory | undefined): Promise<void> {
  return new Promise((resolve) => {
    try {
      const req = factory?.deleteDatabase(DB_NAME);
      if (!req) return resolve();
      req.onsuccess = req.onerror = () => resolve();
    } catch {
      // Storage disabled for this origin: there is nothing to wipe.
      resolve();
    }
  });
}
