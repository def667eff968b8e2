/**
 * Keeps the display on while a code is shown (Screen Wake Lock API, where the engine has it; TV
 * engines of 2018 do not, and their displays follow the platform's own settings). The browser drops
 * the lock whenever the page is hidden, so it is asked for again when the page is visible again.
 * Returns the release, for an `$effect` cleanup.
 */
interface WakeLockSentinelLike {
  readonly released: boolean;
  release(): Promise<void>;
}
interface WakeLockLike {
  request(type: 'screen'): Promise<WakeLockSentinelLike>;
}

export function keepScreenOn(nav: Navigator = navigator, doc: Document = document): () => void {
  const wakeLock = (nav as Navigator & { wakeLock?: WakeLockLike }).wakeLock;
  if (!wakeLock) return () => undefined;
  let sentinel: WakeLockSentinelLike | undefined;
  let live = true;
  const acquire = () => {
    if (doc.visibilityState !== 'visible' || (sentinel && !sentinel.released)) return;
    wakeLock.request('screen').then(
      (s) => {
        if (live) sentinel = s;
        else void s.release().catch(() => undefined);
      },
      () => undefined, // refused (battery saver, policy): the screen simply may sleep
    );
  };
  const onVisibility = () => acquire();
  acquire();
  doc.addEventListener('visibilitychange', onVisibility);
  return () => {
    live = false;
    doc.removeEventListener('visibilitychange', onVisibility);
    void sentinel?.release().catch(() => undefined);
    sentinel = undefined;
  };
}
