/**
 * One timing run: a fresh browser context (empty HTTP cache, cache disabled too), the profile's
 * CPU and network emulation through CDP, the probe injected, the page opened, the code read off the
 * screen, approved on the phone, and the signed-in screen awaited.
 */
import * as path from 'node:path';
import type { Browser, CDPSession, Page } from '@playwright/test';
import { CAPTURE_SIDE, collect, pageScript, probe, type ResourceEntry } from './probe.ts';
import { captureCanvas, decodeCapture, type Capture } from './qr.ts';
import { compressedSizes, type Sizes } from './size.ts';
import { cdpMetrics, type Phone } from './stack.ts';
import { readFileSync } from 'node:fs';

export interface Profile {
  name: 'tv' | 'desktop';
  label: string;
  viewport: { width: number; height: number };
  /** Emulation.setCPUThrottlingRate; 1 = none. */
  cpuRate: number;
  /** Network.emulateNetworkConditions; undefined = none. */
  network?: { latencyMs: number; downloadBps: number; uploadBps: number };
}

export const PROFILES: Profile[] = [
  {
    name: 'tv',
    label: 'TV (CPU 6x, 100 ms RTT, 10 Mbit/s)',
    viewport: { width: 1920, height: 1080 },
    cpuRate: 6,
    // Chromium's `latency` is added once per request (request sent -> response headers), i.e. it is
    // the round trip time: 100, not 50. 10 Mbit/s = 1 250 000 bytes/s each way.
    network: { latencyMs: 100, downloadBps: 1_250_000, uploadBps: 1_250_000 },
  },
  { name: 'desktop', label: 'desktop (no throttling)', viewport: { width: 1280, height: 720 }, cpuRate: 1 },
];

/** 'app', 'baseline', or 'app:<name>' for a build compared with the app (BENCH_COMPARE). */
export type Target = string;

export interface ByteCounts {
  /** Bytes on the wire (resource timing transferSize: body + headers), by kind. */
  transferred: { html: number; js: number; css: number; total: number };
  /** Sizes of the JS and CSS files themselves (raw / gzip -9 / brotli 11). */
  files: Sizes;
  /** Every response (own files and IdP/API calls) finished by then. */
  requests: number;
  urls: string[];
}

export interface RunSample {
  target: Target;
  profile: Profile['name'];
  /** performance.now() at the frame that first shows the user code text. */
  textAt: number;
  /** ... the code and the QR drawn (baseline: = textAt). */
  codeAt: number;
  /**
   * performance.now() when the device authorization answer had arrived (its responseEnd): what
   * comes after it is the page's own work on the code, with the network chain left out.
   */
  codeAnswerAt: number;
  /** Date.now() on the signed-in screen minus the IdP's approval timestamp. */
  approvalToSignedIn: number;
  /** The app's own share of it: the token answer (last token endpoint response) to the signed-in screen. */
  tokenToSignedIn: number;
  bytesBeforeText: ByteCounts;
  bytesBeforeCode: ByteCounts;
  longTasksBeforeCode: { count: number; totalMs: number };
  /** CDP Performance.getMetrics at the code moment, ms. */
  scriptMs: number;
  taskMs: number;
  layoutMs: number;
  styleMs: number;
  /** Page errors and console errors (other than Chromium's "Failed to load resource" for 4xx). */
  problems: string[];
  /** A fixed busy loop's duration in this page (shows the CPU throttling at work); first run only. */
  calibrationMs?: number;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function applyProfile(cdp: CDPSession, profile: Profile): Promise<void> {
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Performance.enable');
  if (profile.cpuRate !== 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpuRate });
  if (profile.network) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: profile.network.latencyMs,
      downloadThroughput: profile.network.downloadBps,
      uploadThroughput: profile.network.uploadBps,
    });
  }
}

const fileSizeCache = new Map<string, Sizes>();
function sizesOf(file: string): Sizes {
  let s = fileSizeCache.get(file);
  if (!s) {
    s = compressedSizes(readFileSync(file));
    fileSizeCache.set(file, s);
  }
  return s;
}

function kindOf(url: URL): 'html' | 'js' | 'css' | 'other' {
  const p = url.pathname;
  if (p.endsWith('/') || p.endsWith('.html')) return 'html';
  if (p.endsWith('.js') || p.endsWith('.mjs')) return 'js';
  if (p.endsWith('.css')) return 'css';
  return 'other';
}

function countBytes(entries: ResourceEntry[], cutoff: number, origin: string, root: string): ByteCounts {
  const transferred = { html: 0, js: 0, css: 0, total: 0 };
  const files = { raw: 0, gzip: 0, brotli: 0 };
  const urls: string[] = [];
  let requests = 0;
  for (const e of entries) {
    if (e.responseEnd > cutoff || e.responseEnd === 0) continue;
    requests++;
    const url = new URL(e.name);
    urls.push(url.origin === origin ? url.pathname : `${url.origin}${url.pathname}`);
    if (url.origin !== origin) continue;
    const kind = kindOf(url);
    if (kind === 'other') continue;
    transferred[kind] += e.transferSize;
    transferred.total += e.transferSize;
    if (kind === 'js' || kind === 'css') {
      const s = sizesOf(path.join(root, decodeURIComponent(url.pathname)));
      files.raw += s.raw;
      files.gzip += s.gzip;
      files.brotli += s.brotli;
    }
  }
  return { transferred, files, requests, urls };
}

/** responseEnd of every answer from `endpoint`, earliest first. */
function answersOf(entries: ResourceEntry[], endpoint: string): number[] {
  return entries
    .filter((e) => e.name === endpoint && e.responseEnd > 0)
    .map((e) => e.responseEnd)
    .sort((a, b) => a - b);
}

export interface RunOptions {
  browser: Browser;
  phone: Phone;
  approvals: number[];
  /** The IdP's token endpoint URL (to find the answer that brought the tokens). */
  tokenEndpoint: string;
  /** Its device authorization endpoint (to find the answer that brought the code). */
  deviceEndpoint: string;
  /**
   * The demo IdP's verification_uri: its verification_uri_complete, which the QR must encode, is
   * this with `?user_code=` the code (read from the IdP's own answer in the browser's network log
   * is not an option: the app reads answers as streams, and then the log often has no body).
   */
  verificationUri: string;
  profile: Profile;
  target: Target;
  url: string;
  /** Directory the page's own files are served from (to size them). */
  root: string;
  calibrate?: boolean;
  timeoutMs?: number;
  /**
   * How long the phone waits before it opens the link. A person approves at any moment of the
   * polling interval, and how long the approval then waits for the next poll depends on that
   * moment: run.ts spreads this over one interval across the runs, so that the median is the
   * middle of the interval rather than whatever phase the phone's own speed happens to hit.
   */
  approvalDelayMs?: number;
}

/**
 * The probe (./probe.ts) in `page`, with the bindings it reports to: `markOf(name)` resolves at the
 * probe's moments ('text', 'code' once the QR decodes to the IdP's verification_uri_complete,
 * 'signed-in') with `metrics()` read right then. Waiting on these, not with page.waitForFunction,
 * keeps Playwright's own page script (tens of ms to parse at 6x) out of the measured load.
 */
export async function watchPage(
  page: Page,
  verificationUri: string,
  metrics: () => Promise<Record<string, number>> = async () => ({}),
): Promise<{ markOf(name: string): Deferred<Record<string, number>>; decoded: string[] }> {
  const marks = new Map<string, Deferred<Record<string, number>>>();
  const markOf = (name: string) => {
    let d = marks.get(name);
    if (!d) marks.set(name, (d = deferred()));
    return d;
  };
  await page.exposeBinding('__benchMark', async (_source, name: string) => {
    markOf(name).resolve(await metrics());
  });
  const decoded: string[] = [];
  await page.exposeBinding('__benchQr', async (_source, capture: Capture, userCode: string) => {
    const at = await metrics();
    const text = decodeCapture(capture);
    decoded.push(text ?? '(unreadable)');
    const complete = new URL(verificationUri);
    complete.searchParams.set('user_code', userCode);
    if (text !== complete.href) return false;
    markOf('code').resolve(at);
    return true;
  });
  await page.addInitScript({
    content: `(() => { const __name = (f) => f; window.__benchCapture = ${captureCanvas.toString()}; })()`,
  });
  await page.addInitScript({ content: pageScript(probe, CAPTURE_SIDE) });
  return { markOf, decoded };
}

export async function timingRun(o: RunOptions): Promise<RunSample> {
  const timeout = o.timeoutMs ?? 60_000;
  const context = await o.browser.newContext({ viewport: o.profile.viewport, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        problems.push(`console.error: ${msg.text()}`);
    });
    const cdp = await context.newCDPSession(page);
    await applyProfile(cdp, o.profile);

    const { markOf, decoded } = await watchPage(page, o.verificationUri, () => cdpMetrics(cdp));

    await page.goto(o.url, { waitUntil: 'commit', timeout });
    const what = `${o.target} on ${o.profile.name}`;
    const failure = async (step: string, err: unknown): Promise<Error> => {
      const status = await page
        .evaluate(() => {
          const s = document.querySelector('[data-testid=status]');
          const e = document.querySelector('[data-testid=error]');
          return `${s?.getAttribute('data-state') ?? 'no status'}: ${(s?.textContent ?? '').trim()} ${(e?.textContent ?? '').trim()}`;
        })
        .catch(() => 'page unreadable');
      return new Error(
        `${what}: ${step}: ${err instanceof Error ? err.message : String(err)} [screen: ${status}] ${problems.join('; ')}`,
      );
    };

    let atCode: Record<string, number>;
    try {
      atCode = await withTimeout(markOf('code').promise, timeout, 'the code and a readable QR on screen');
    } catch (err) {
      throw await failure(
        'code',
        new Error(`${String(err)}; QR decoded as: ${[...new Set(decoded)].join(', ') || 'nothing yet'}`),
      );
    }

    const phoneUri =
      o.target !== 'baseline'
        ? ((await page.getByTestId('qr').getAttribute('data-uri')) ?? '')
        : await page.evaluate(() => {
            const uri = document.querySelector('[data-testid=verification-uri]')?.textContent?.trim() ?? '';
            const code = document.querySelector('[data-testid=user-code]')?.textContent?.trim() ?? '';
            return `${uri}?user_code=${encodeURIComponent(code)}`;
          });
    if (!phoneUri) throw await failure('phone', new Error('no verification URI on screen'));
    const approvalsBefore = o.approvals.length;
    if (o.approvalDelayMs) await new Promise((wait) => setTimeout(wait, o.approvalDelayMs));
    await o.phone.approve(phoneUri);
    if (o.approvals.length !== approvalsBefore + 1)
      throw await failure('approval', new Error(`the IdP recorded ${o.approvals.length - approvalsBefore} approvals`));
    const approvedAt = o.approvals[o.approvals.length - 1]!;
    try {
      await withTimeout(markOf('signed-in').promise, timeout, 'the signed-in screen with the API result');
    } catch (err) {
      throw await failure('signed-in', err);
    }

    const seen = (await page.evaluate(pageScript(collect))) as ReturnType<typeof collect>;
    const state = seen.state;
    if (!state || state.textAt === undefined || state.codeAt === undefined || state.signedInWall === undefined) {
      throw await failure('probe', new Error('the probe saw no code or no signed-in screen'));
    }
    const origin = new URL(o.url).origin;
    const entries = [...(seen.navigation ? [seen.navigation] : []), ...seen.resources];
    const before = state.longTasks.filter((t) => t.start < state.codeAt!);

    let calibrationMs: number | undefined;
    if (o.calibrate) {
      calibrationMs = await page.evaluate(() => {
        const t0 = performance.now();
        let x = 0;
        for (let i = 0; i < 5_000_000; i++) x = (x + i * 7) % 1_000_003;
        return performance.now() - t0 + (x < 0 ? 1 : 0);
      });
    }

    // The last token answer before the signed-in screen: the poll that brought the tokens.
    const tokenAnswerAt =
      answersOf(entries, o.tokenEndpoint)
        .filter((t) => t <= state.signedInAt!)
        .pop() ?? NaN;
    return {
      target: o.target,
      profile: o.profile.name,
      textAt: state.textAt,
      codeAt: state.codeAt,
      // The first device authorization answer: the one whose code the page showed first.
      codeAnswerAt: answersOf(entries, o.deviceEndpoint)[0] ?? NaN,
      approvalToSignedIn: state.signedInWall - approvedAt,
      tokenToSignedIn: state.signedInAt! - tokenAnswerAt,
      bytesBeforeText: countBytes(entries, state.textAt, origin, o.root),
      bytesBeforeCode: countBytes(entries, state.codeAt, origin, o.root),
      longTasksBeforeCode: { count: before.length, totalMs: before.reduce((a, t) => a + t.duration, 0) },
      scriptMs: (atCode.ScriptDuration ?? 0) * 1000,
      taskMs: (atCode.TaskDuration ?? 0) * 1000,
      layoutMs: (atCode.LayoutDuration ?? 0) * 1000,
      styleMs: (atCode.RecalcStyleDuration ?? 0) * 1000,
      problems,
      calibrationMs,
    };
  } finally {
    await context.close();
  }
}
