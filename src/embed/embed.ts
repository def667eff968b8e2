/**
 * embed.js: what a deployer's app imports from the screen to call its APIs through the signed-in
 * screen (docs/embedding.md). The app never sees a token or the protocol:
 *
 *   import { connect } from 'https://screens.example.com/embed.js';
 *   const screen = await connect();
 *   const rooms = await (await screen.fetch('https://api.example.com/rooms')).json();
 *
 * The screen's origin is where this module was loaded from, so the handshake goes to that origin
 * and no other.
 */
import { open, ScreenError, type Screen } from './client';

export { ScreenError };
export type { EmbedInit, EventName, Screen } from './client';

let connecting: Promise<Screen> | undefined;

/**
 * Connects to the screen this page is framed by; rejects after `timeoutMs` without an answer. One
 * connection per page: a second call gets the first one (a second channel would take over the
 * first, whose calls would then go unanswered).
 */
export function connect(options: { timeoutMs?: number } = {}): Promise<Screen> {
  if (window.parent === window)
    return Promise.reject(new ScreenError('not_connected', 'this page is not in a screen’s frame'));
  connecting ??= open(
    {
      screenOrigin: new URL(import.meta.url).origin,
      parent: window.parent,
      self: window,
      base: location.href,
      now: () => Date.now(),
      every: (ms, fn) => {
        const timer = setInterval(fn, ms);
        return () => clearInterval(timer);
      },
      after: (ms, fn) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
    },
    options.timeoutMs,
  );
  // A failed attempt (no screen yet) may be tried again.
  connecting.catch(() => (connecting = undefined));
  return connecting;
}
