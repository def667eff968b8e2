/**
 * The screen itself: Svelte, the session and every component. The boot path (src/boot/boot.ts,
 * the page's first script) imports this once its code is on screen, or as soon as it cannot get
 * one, and hands over what it has; the screen then takes the place of the boot markup in one frame.
 */
import { flushSync, mount } from 'svelte';
import { settled } from './boot/handover.svelte';
import { i18n } from './i18n/i18n.svelte';
import { Session, type BootHead } from './session/session.svelte';
import App from './ui/App.svelte';

export interface Handover {
  /** What the boot path asked and got (or failed to get). */
  head: BootHead;
  /** Every answer in `head` is in: the session reaches the boot path's screen without the network. */
  settled: boolean;
  /** index.html's code screen, replaced by the app's. */
  root: HTMLElement;
  /** Stops the boot screen's own timers. */
  release(): void;
}

export async function startApp({ head, settled: ready, root, release }: Handover): Promise<void> {
  const url = new URL(location.href);
  const session = new Session({ url });
  session.adopt(head);
  // The session goes through the boot path's answers in microtasks; the app mounts on the screen it
  // reaches (the code, or the error), never on the steps before it.
  if (ready) await settled(session);
  // An error or a notice on the first screen is shown with its explanation, never without.
  const { phase } = session;
  if (phase.status === 'error' || (phase.status === 'code' && phase.notice)) await i18n.explanations;
  // The language's catalogue is loaded already (the boot path asked for it): the first frame has its words.
  await i18n.use(
    session.config?.lang ?? url.searchParams.get('lang') ?? undefined,
    navigator.languages ?? [navigator.language],
  );
  release();
  mount(App, { target: root.parentElement!, anchor: root, props: { session } });
  // Effects (the QR drawn from the boot path's pixels, focus) run now, so the swap is one frame.
  flushSync();
  root.remove();
  // A reload, a power-off or navigating away signs the screen out at the IdP too (revocation with
  // keepalive, best effort). pagehide, not unload: it also fires when the page enters the
  // back/forward cache, and it does not keep the page out of that cache.
  addEventListener('pagehide', () => session.stop());
  // Back from the back/forward cache: the code or the signed-in screen it shows is dead. Start over.
  addEventListener('pageshow', (event) => {
    if (event.persisted) session.startOver();
  });
}
