/**
 * Where the time before the code goes, from a Chromium trace of a page load: the main thread's
 * busy time split into script (parse, compile, evaluate, run), rendering (style, layout, text
 * shaping, paint), HTML and CSS parsing, loading (issuing requests, receiving answers, the
 * navigation itself), the time it sat idle waiting on the network, and the requests the code
 * waited for. Each event counts its self time (its children's taken out), classified by name.
 * Tracing costs the page a little, so these runs are separate from the timed ones. With the CPU
 * throttled, the throttle's pauses land in whatever event is running: every figure is TV time.
 */
import type { Browser } from '@playwright/test';
import { applyProfile, watchPage, withTimeout, type Profile } from './measure.ts';
import { collect, pageScript, type ResourceEntry } from './probe.ts';

/** Main-thread time by kind, in ms (self time of the trace's events: a parent does not count its children twice). */
export interface Breakdown {
  /** performance.now() of the code text's frame and of the frame with the QR drawn. */
  textAt: number;
  qrAt?: number;
  script: number;
  render: number;
  parse: number;
  loading: number;
  other: number;
  /** textAt minus the busy time: the main thread waited (on the network, mostly). */
  idle: number;
  /** The requests that ended before the code text, start and end. */
  requests: { what: string; start: number; end: number }[];
}

const SCRIPT =
  /^(EvaluateScript|v8\.|V8\.|FunctionCall|RunMicrotasks|TimerFire|FireAnimationFrame|EventDispatch|AsyncTask Run|MinorGC|MajorGC|MessagePort::Accept|LocalWindowProxy::|ContextCreatedNotification|InstallConditionalFeatures)/;
const RENDER =
  /^(UpdateLayoutTree|Layout|PrePaint|Paint|Layerize|Commit|UpdateLayer|LocalFrameView::|Document::(recalcStyle|UpdateStyleAndLayout)|InlineNode::|WebFrameWidgetImpl::|Blink\.|StyleEngine::|PageAnimator::)/;
const PARSE = /^(ParseHTML|ParseAuthorStyleSheet|HTMLDocumentParser|CSSParser)/;
const LOADING =
  /^(ResourceFetcher::|ResponseBodyLoader::|URLLoader|ThrottlingURLLoader|MojoURLLoaderClient|ResourceRequestSender|DocumentLoader::|NavigationBodyLoader::|Document::FinishedParsing|PageTimingMetricsSender)/;
const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'blink.user_timing',
  'v8',
  'v8.execute',
  'disabled-by-default-v8.compile',
  'blink',
  'loading',
];

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
}

/** Self time (µs) of each complete event on one thread, its children's durations taken out. */
function selfTimes(events: TraceEvent[]): { event: TraceEvent; self: number }[] {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const out: { event: TraceEvent; self: number }[] = [];
  const open: { event: TraceEvent; self: number }[] = [];
  for (const event of sorted) {
    while (open.length && open[open.length - 1]!.event.ts + (open[open.length - 1]!.event.dur ?? 0) <= event.ts)
      open.pop();
    const parent = open[open.length - 1];
    if (parent) parent.self -= event.dur ?? 0;
    const entry = { event, self: event.dur ?? 0 };
    out.push(entry);
    open.push(entry);
  }
  return out;
}

const label = (e: ResourceEntry) => {
  const url = new URL(e.name);
  return url.pathname.replace(/^\/assets\//, '').replace(/-[\w-]{8}\.(js|css)$/, '.$1') || url.pathname;
};

export async function traceBreakdown(
  browser: Browser,
  url: string,
  profile: Profile,
  verificationUri: string,
): Promise<Breakdown> {
  const context = await browser.newContext({ viewport: profile.viewport, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await applyProfile(cdp, profile);
    await page.addInitScript(() => performance.mark('bench-trace-origin'));
    const { markOf } = await watchPage(page, verificationUri);
    await browser.startTracing(page, { categories: CATEGORIES });
    await page.goto(url, { waitUntil: 'commit' });
    await withTimeout(markOf('text').promise, 60_000, 'the code text');
    // The frame whose QR decodes (the probe's `code`), as in the timed runs; a page without a QR
    // (the floor) has its code at the text's frame.
    await withTimeout(markOf('code').promise, 10_000, 'a readable QR').catch(() => undefined);
    const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
    const seen = (await page.evaluate(pageScript(collect))) as ReturnType<typeof collect>;
    const originAt = await page.evaluate(() => performance.getEntriesByName('bench-trace-origin')[0]!.startTime);
    const mark = trace.traceEvents.find((e) => e.name === 'bench-trace-origin');
    if (!mark || seen.state?.textAt === undefined) throw new Error('trace: no origin mark or no code');
    const toPage = (us: number) => (us - mark.ts) / 1000 + originAt;
    const textAt = seen.state.textAt;
    const qrAt = seen.state.sawQr ? seen.state.codeAt : undefined;
    const main = trace.traceEvents.filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === 'X');
    const b: Breakdown = { textAt, qrAt, script: 0, render: 0, parse: 0, loading: 0, other: 0, idle: 0, requests: [] };
    for (const { event, self } of selfTimes(main)) {
      const start = toPage(event.ts);
      if (start < 0 || start >= textAt || self <= 0) continue;
      const ms = Math.min(self / 1000, textAt - start);
      if (SCRIPT.test(event.name)) b.script += ms;
      else if (RENDER.test(event.name)) b.render += ms;
      else if (PARSE.test(event.name)) b.parse += ms;
      else if (LOADING.test(event.name)) b.loading += ms;
      else b.other += ms;
    }
    b.idle = Math.max(0, textAt - b.script - b.render - b.parse - b.loading - b.other);
    for (const e of [...(seen.navigation ? [seen.navigation] : []), ...seen.resources])
      if (e.responseEnd > 0 && e.responseEnd <= textAt)
        b.requests.push({
          what: e === seen.navigation ? 'document' : label(e),
          start: e.startTime,
          end: e.responseEnd,
        });
    return b;
  } finally {
    await context.close();
  }
}
