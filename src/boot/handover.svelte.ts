/** The moment the app may replace the boot markup: the session is past its start-up steps. */
import type { Session } from '../session/session.svelte';

/** Resolves once the session shows something other than its start-up steps (a code, an error, …). */
export function settled(session: Session): Promise<void> {
  return new Promise((resolve) => {
    const stop = $effect.root(() => {
      $effect(() => {
        const { status } = session.phase;
        if (status === 'starting' || status === 'requesting') return;
        resolve();
        queueMicrotask(() => stop());
      });
    });
  });
}
