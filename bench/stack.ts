/**
 * The parts every bench run shares: the build, the demo IdP and API, the static servers for the
 * app and the baseline, Chromium, and the phone that approves codes.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { startApi, type DemoApi } from '../e2e/fixtures/api.ts';
import { CHROMIUM_ARGS, chromiumPath } from '../e2e/fixtures/chromium.ts';
import { startIdp, type Idp } from '../e2e/fixtures/idp.ts';
import { startStatic, type StaticServer } from '../demo/static.ts';
import { preloadLink } from '../deploy/render.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const benchDir = path.join(repoRoot, 'bench');

/** The demo IdP issues tokens for this audience whatever port the API got (as in e2e/fixtures). */
const DEMO_API_AUDIENCE = 'http://127.0.0.1:4020/';
export const DEFAULT_SCOPE = 'openid profile offline_access';
export { CHROMIUM_ARGS, chromiumPath };

/** `vite build` of the app into `outDir` (not dist/, so a bench never races an e2e run over dist/). */
export async function buildApp(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ root: repoRoot, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  if (!existsSync(path.join(outDir, 'index.html'))) throw new Error(`vite build left no ${outDir}/index.html`);
}

export interface Stack {
  idp: Idp;
  api: DemoApi;
  /** The app build under test. */
  app: StaticServer;
  /** Further builds to compare with it (BENCH_COMPARE), one server each. */
  variants: StaticServer[];
  /**
   * The app build again, its page sent with a Link preload of the IdP's discovery as
   * deploy/nginx.conf sends it when rendered with --preload (a deployer's choice).
   */
  preloaded: StaticServer;
  baseline: StaticServer;
  /** The scope the app's config.json asks for; the baseline asks for the same. */
  scope: string;
  close(): Promise<void>;
}

export async function startStack(distDir: string, idpInterval: number, variantDirs: string[] = []): Promise<Stack> {
  const app = await startStatic({ port: 0, root: distDir });
  const variants: StaticServer[] = [];
  for (const dir of variantDirs) variants.push(await startStatic({ port: 0, root: dir }));
  const pageHeaders: Record<string, string> = {};
  const preloaded = await startStatic({ port: 0, root: distDir, pageHeaders });
  const baseline = await startStatic({ port: 0, root: path.join(benchDir, 'baseline') });
  const origins = [app, ...variants, preloaded, baseline].map((s) => new URL(s.url).origin);
  const idp = await startIdp({ port: 0, appOrigins: origins, interval: idpInterval });
  pageHeaders['Link'] = preloadLink(`${idp.issuer}/.well-known/openid-configuration`);
  const api = await startApi({ port: 0, issuer: idp.issuer, audience: DEMO_API_AUDIENCE, appOrigins: origins });
  let scope = DEFAULT_SCOPE;
  try {
    const config: unknown = JSON.parse(await readFile(path.join(distDir, 'config.json'), 'utf8'));
    const s = (config as { scope?: unknown }).scope;
    if (typeof s === 'string' && s.trim()) scope = s.trim();
  } catch {
    // no config.json in the build: the app's default scope
  }
  return {
    idp,
    api,
    app,
    variants,
    preloaded,
    baseline,
    scope,
    async close() {
      await Promise.allSettled([app, ...variants, preloaded, baseline].map((s) => s.close()));
      await Promise.allSettled([api.close(), idp.close()]);
    },
  };
}

/** The TV address of the app (config.json from the build, issuer and API from the query, like e2e). */
export function appUrl(stack: Stack, extra: Record<string, string> = {}, server: StaticServer = stack.app): string {
  return `${server.url}?${new URLSearchParams({ issuer: stack.idp.issuer, api: stack.api.url, ...extra })}`;
}

export function baselineUrl(stack: Stack): string {
  return `${stack.baseline.url}?${new URLSearchParams({ issuer: stack.idp.issuer, api: stack.api.url, client_id: 'screen-signin', scope: stack.scope })}`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}

/** The person with the phone: one unthrottled context for the whole bench (signed in after the first approval). */
export class Phone {
  readonly #context: BrowserContext;
  readonly #page: Page;
  private constructor(context: BrowserContext, page: Page) {
    this.#context = context;
    this.#page = page;
  }

  static async open(browser: Browser): Promise<Phone> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    return new Phone(context, await context.newPage());
  }

  /** Opens the verification URI (with the code), then whatever the IdP asks: confirm, login, consent. */
  async approve(uri: string): Promise<void> {
    const phone = this.#page;
    await phone.goto(uri);
    await phone.getByTestId('idp-confirm').click();
    const login = phone.getByTestId('idp-login');
    const allow = phone.getByTestId('idp-allow');
    const success = phone.getByTestId('idp-success');
    for (let step = 0; step < 4; step++) {
      await login.or(allow).or(success).first().waitFor({ timeout: 15_000 });
      if (await success.isVisible()) return;
      if (await login.isVisible()) {
        await login.fill('ada');
        await phone.getByTestId('idp-password').fill('screen');
        await phone.getByTestId('idp-submit').click();
        await allow.or(success).first().waitFor({ timeout: 15_000 });
        continue;
      }
      await allow.click();
      await success.waitFor({ timeout: 15_000 });
      return;
    }
    throw new Error('the phone did not reach the success page');
  }

  async close(): Promise<void> {
    await this.#context.close();
  }
}

/** CDP Performance.getMetrics as a name → value map (durations in seconds, as CDP gives them). */
export async function cdpMetrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

export interface MemorySample {
  /** V8 heap in use after forced GC (CDP Runtime.getHeapUsage usedSize), bytes. */
  heapUsed: number;
  /** Blink's garbage-collected heap in use (Runtime.getHeapUsage embedderHeapUsedSize), bytes. */
  embedderHeapUsed: number;
  /** Live DOM nodes after GC (CDP Memory.getDOMCounters, includes detached nodes still referenced). */
  domNodes: number;
  /** Elements in the document (document.getElementsByTagName('*').length). */
  elements: number;
  jsEventListeners: number;
  /**
   * From a heap snapshot, when asked for: self bytes of the page's JS values (objects, closures,
   * contexts, arrays, strings, shapes), without compiled code (type `code`: V8's JIT output and
   * bytecode, which grows while the engine warms up) and without Blink's and V8's native objects.
   */
  jsObjects?: number;
  /** Heap snapshot summed by category (see heapSnapshotSummary), when asked for. */
  snapshot?: Record<string, { count: number; bytes: number }>;
}

export async function memorySample(page: Page, cdp: CDPSession, withSnapshot = false): Promise<MemorySample> {
  const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
  for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const dom = await cdp.send('Memory.getDOMCounters');
  const sample: MemorySample = {
    heapUsed: heap.usedSize,
    embedderHeapUsed: heap.embedderHeapUsedSize,
    domNodes: dom.nodes,
    elements,
    jsEventListeners: dom.jsEventListeners,
  };
  if (withSnapshot) {
    sample.snapshot = await heapSnapshotSummary(cdp);
    sample.jsObjects = Object.entries(sample.snapshot)
      .filter(([key]) => !/^(code:|native:|\(code\)|\(native\)|\(synthetic\))/.test(key))
      .reduce((sum, [, v]) => sum + v.bytes, 0);
  }
  return sample;
}

/**
 * A heap snapshot (CDP HeapProfiler.takeHeapSnapshot) summed by category: `type:name` for objects,
 * closures, native (Blink) objects and V8 internals, `(type)` for the rest. Self sizes in bytes.
 */
export async function heapSnapshotSummary(cdp: CDPSession): Promise<Record<string, { count: number; bytes: number }>> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  const snap = JSON.parse(chunks.join('')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out: Record<string, { count: number; bytes: number }> = {};
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!] ?? '?';
    const named = ['object', 'closure', 'native', 'code', 'hidden'].includes(type);
    let key = named ? `${type}:${(snap.strings[snap.nodes[i + iName]!] ?? '').slice(0, 60)}` : `(${type})`;
    if (type === 'native' && key.startsWith('native:<')) key = 'native:(DOM element)';
    const entry = (out[key] ??= { count: 0, bytes: 0 });
    entry.count++;
    entry.bytes += snap.nodes[i + iSize]!;
  }
  return out;
}

/** The categories that grew most between two snapshot summaries. */
export function snapshotGrowth(
  a: Record<string, { count: number; bytes: number }>,
  b: Record<string, { count: number; bytes: number }>,
  top = 8,
): { what: string; count: number; bytes: number }[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .map((what) => ({
      what,
      count: (b[what]?.count ?? 0) - (a[what]?.count ?? 0),
      bytes: (b[what]?.bytes ?? 0) - (a[what]?.bytes ?? 0),
    }))
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, top);
}
