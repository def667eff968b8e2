/**
 * The boot path's share of the sign-in, in the first script's file (./boot.ts): config, the IdP's
 * metadata and the first code, asked with the core's own functions (the app shares them: same
 * requests, same checks of the answers), then the code on screen. What it got, answers and
 * failures alike, goes to the session (Session.adopt), which goes on from there.
 */
import { systemClock } from '../core/clock';
import { parseConfig } from '../core/config';
import type { ConfigFile } from '../core/config-file';
import { qrUri, requestDeviceCode } from '../core/device-flow';
import { resolveMetadata, routedNet } from '../core/endpoints';
import { ServerTime } from '../core/server-time';
import type { Net, RequestRecord } from '../core/transport';
import { pickLanguage } from '../i18n/language';
import type { BootHead } from '../session/session.svelte';
import { loadCatalogue } from './catalogues';
import { afterThisTask } from './schedule';
import { BootScreen, loadQr } from './screen';

/** How long discovery may take before the header shows what the screen is waiting for. */
const SLOW_DISCOVERY_MS = 300;

export interface BootStart {
  url: URL;
  /** config.json as the boot script started reading it. */
  configFile: Promise<ConfigFile>;
  /** index.html's code screen. */
  root: HTMLElement;
}

export interface BootOutcome {
  head: BootHead;
  /**
   * Every step asked has its answer in `head`, so the session gets as far as the boot path did
   * without waiting on the network. False when the session's own start-up must decide.
   */
  settled: boolean;
  /** The code screen it painted, if it got that far. */
  screen?: BootScreen;
}

export async function run(start: BootStart): Promise<BootOutcome> {
  const { url } = start;
  const screen = new BootScreen(start.root);
  const head: BootHead = { configFile: start.configFile };
  const { file, problem } = await start.configFile;
  const parsed = parseConfig(file, url.searchParams, url);
  // A bad config is the session's to name: it reads the same file and finds the same problems.
  if (problem || !parsed.ok) return { head, settled: true, screen };
  const config = parsed.config;
  // config `remember`: the session looks for a remembered sign-in first, so no code is asked for here.
  if (config.remember) return { head, settled: false, screen };

  const lang = pickLanguage(config.lang, navigator.languages ?? [navigator.language]);
  const catalogue = loadCatalogue(lang);
  let words: Promise<void> | undefined;
  const configure = () => (words ??= catalogue.then((messages) => screen.configure(config, lang, messages)));
  const net: Net = {
    fetch: (...args) => fetch(...args),
    clock: systemClock,
    appOrigin: url.origin,
    client_id: config.client_id,
    allowHttpHost: config.allow_http_host,
    // The device authorization answer's Date tells the IdP's time before the session's first poll.
    serverTime: (head.serverTime = new ServerTime(systemClock)),
  };
  if (config.debug) {
    const requests: RequestRecord[] = [];
    net.onRequest = (record) => requests.push(record);
    head.requests = requests;
  }
  try {
    head.metadata = resolveMetadata(net, config);
    // The header is laid out while the network is busy, not between discovery's answer and the
    // code request (measured on the desktop profile: the code and QR 0.9x as soon): with the code
    // screen (prepare, below), or now when discovery is slow, so that a person sees what it waits
    // for. The timer ends with discovery, answered or failed.
    const slow = setTimeout(() => void configure().then(() => screen.showHeader()), SLOW_DISCOVERY_MS);
    const as = await head.metadata.finally(() => clearTimeout(slow));
    screen.status('requesting');
    const client = { client_id: config.client_id };
    head.code = requestDeviceCode({ net: routedNet(net, config, as), as, client, config });
    // What does not depend on the code is done while the request is out, not before it leaves:
    // the words, the hidden screen's layout, and the QR encoder's start-up (index.html fetched its
    // chunk beside the first script: vite.config.ts qrPreload).
    afterThisTask(() => {
      void configure().then(() => screen.prepare());
      void loadQr().catch(() => undefined);
    });
    const code = await head.code;
    await configure();
    screen.showCode(code, qrUri(code));
    // The app loads once the QR's frame is painted too (drawQr resolves then): the page's icon and
    // the app's import, done before it, held that frame back by about 40 ms on the bench's TV profile.
    await screen.drawQr();
  } catch {
    // The failed step's promise is in `head`: the session shows it and retries as its own.
  }
  return { head, settled: true, screen };
}
