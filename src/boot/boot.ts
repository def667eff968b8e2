/**
 * The page's first script. It starts the network at once: config.json (index.html preloads it) and
 * the language's words; ./flow sends discovery as soon as config.json is in, asks for the code and
 * paints it into index.html's markup. Only then does the app load (Svelte,
 * the session, every screen: ../main.ts) and take over from there.
 *
 * This script and everything it imports (the flow, the core, oauth4webapi) are one file
 * (vite.config.ts): on a slow TV each request costs the main thread more than its bytes do, and one
 * file showed the code sooner than a small first script with the rest in chunks beside it. The QR
 * encoder is the exception: index.html fetches its chunk beside this one, and ./flow starts it
 * while the code request is out (./screen loadQr).
 */
import '../polyfills';
import '../ui/global.css';
import './boot.css';
import { systemClock } from '../core/clock';
import { loadConfigFile } from '../core/config-file';
import { pickLanguage } from '../i18n/language';
import { loadCatalogue } from './catalogues';
import { run, type BootOutcome } from './flow';

/** A screen whose app chunk failed to load (network) cannot poll: it starts over after this long. */
const RELOAD_MS = 10_000;

const url = new URL(location.href);
const query = url.searchParams;
// Discovery waits for config.json even when the URL names the issuer: config.json may lock the
// issuer (issue 11, `locked`), and a crafted link must not make the screen contact another server
// at all. config.json is preloaded by index.html, so this costs little.
const configFile = loadConfigFile(
  { fetch: (...args) => fetch(...args), clock: systemClock },
  new URL('config.json', url).href,
);
// The URL's or the browser's language now; ./flow switches if config.json names another.
void loadCatalogue(pickLanguage(query.get('lang') ?? undefined, navigator.languages ?? [navigator.language]));

// index.html runs this script async (DOMContentLoaded is not on the path to the code), so it may
// start before the parser has reached the code screen's markup.
const parsed = new Promise<void>((done) =>
  document.readyState === 'loading' ? document.addEventListener('DOMContentLoaded', () => done()) : done(),
);
const markup = parsed.then(() => document.getElementById('boot')!);
markup
  .then((root) => run({ url, configFile, root }))
  .catch((err: unknown): BootOutcome => {
    // With a bug the boot path has nothing to hand over: the session starts from the beginning,
    // and the failure is still reported.
    void Promise.reject(err);
    return { head: {}, settled: false };
  })
  .then(async ({ head, settled, screen }) => {
    // The page's icon now that it is in no one's way (index.html).
    document.querySelector('link[rel=icon]')?.setAttribute('href', 'favicon.svg');
    let app: typeof import('../main');
    try {
      app = await import('../main');
    } catch {
      setTimeout(() => location.reload(), RELOAD_MS);
      return;
    }
    await app.startApp({ head, settled, root: await markup, release: () => screen?.release() });
  });
