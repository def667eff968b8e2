/** Statistics, budgets and the stdout table of `npm run bench`. */
import type { RunSample } from './measure.ts';
import type { SoakResult } from './soak.ts';
import type { MemorySample } from './stack.ts';
import type { SizeReport } from './size.ts';
import type { Breakdown } from './trace.ts';

export interface Stat {
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
  n: number;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function stat(values: number[]): Stat {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    median: quantile(s, 0.5),
    p25: quantile(s, 0.25),
    p75: quantile(s, 0.75),
    min: s[0] ?? NaN,
    max: s[s.length - 1] ?? NaN,
    n: s.length,
  };
}

/** The metrics reported per profile and page, each a function of one run. */
export const METRICS = {
  timeToCodeText: { label: 'time to code text (ms)', of: (r: RunSample) => r.textAt },
  timeToCode: { label: 'time to code + QR (ms)', of: (r: RunSample) => r.codeAt },
  answerToText: {
    label: '  device answer -> code text (ms)',
    of: (r: RunSample) => r.textAt - r.codeAnswerAt,
  },
  answerToCode: {
    label: '  device answer -> code + QR (ms)',
    of: (r: RunSample) => r.codeAt - r.codeAnswerAt,
  },
  approvalToSignedIn: { label: 'approval -> signed in (ms)', of: (r: RunSample) => r.approvalToSignedIn },
  tokenToSignedIn: { label: '  of which token answer -> signed in (ms)', of: (r: RunSample) => r.tokenToSignedIn },
  requestsBeforeCode: { label: 'requests before code + QR', of: (r: RunSample) => r.bytesBeforeCode.requests },
  transferredBeforeText: {
    label: 'HTML+JS+CSS on the wire before code text (B)',
    of: (r: RunSample) => r.bytesBeforeText.transferred.total,
  },
  transferredBeforeCode: {
    label: 'HTML+JS+CSS on the wire before code + QR (B)',
    of: (r: RunSample) => r.bytesBeforeCode.transferred.total,
  },
  gzipBeforeText: { label: 'JS+CSS gzip before code text (B)', of: (r: RunSample) => r.bytesBeforeText.files.gzip },
  gzipBeforeCode: { label: 'JS+CSS gzip before code + QR (B)', of: (r: RunSample) => r.bytesBeforeCode.files.gzip },
  brotliBeforeCode: {
    label: 'JS+CSS brotli before code + QR (B)',
    of: (r: RunSample) => r.bytesBeforeCode.files.brotli,
  },
  longTaskCount: { label: 'long tasks before code (count)', of: (r: RunSample) => r.longTasksBeforeCode.count },
  longTaskMs: { label: 'long tasks before code (total ms)', of: (r: RunSample) => r.longTasksBeforeCode.totalMs },
  scriptMs: { label: 'script duration until code (CDP, ms)', of: (r: RunSample) => r.scriptMs },
  taskMs: { label: 'main-thread tasks until code (CDP, ms)', of: (r: RunSample) => r.taskMs },
  layoutMs: { label: 'layout + style until code (CDP, ms)', of: (r: RunSample) => r.layoutMs + r.styleMs },
} as const;
export type MetricName = keyof typeof METRICS;

export interface ProfileStats {
  app: Record<MetricName, Stat>;
  baseline: Record<MetricName, Stat>;
  /** app median / baseline median (undefined when the baseline median is 0). */
  ratio: Partial<Record<MetricName, number>>;
  /**
   * Per run, the app's value over the baseline's of the same run (they ran back to back), then the
   * statistics of those ratios: drift on a shared machine moves both pages of a pair alike, so
   * this is the figure the budgets use. Undefined where a baseline value is 0.
   */
  pairRatio: Partial<Record<MetricName, Stat>>;
}

/** A further build against the app (and the baseline), same runs: BENCH_COMPARE. */
export function compareTable(label: string, samples: RunSample[], variant: string): string {
  const of = (target: string, m: MetricName) => stat(samples.filter((s) => s.target === target).map(METRICS[m].of));
  const rows: string[][] = [[label, `${variant} median (p25-p75)`, 'app median (p25-p75)', 'vs app', 'vs baseline']];
  for (const m of Object.keys(METRICS) as MetricName[]) {
    const v = of(variant, m);
    const a = of('app', m);
    const b = of('baseline', m);
    rows.push([
      `  ${METRICS[m].label}`,
      fmtStat(v),
      fmtStat(a),
      a.median > 0 ? `${(v.median / a.median).toFixed(2)}x` : '-',
      b.median > 0 ? `${(v.median / b.median).toFixed(2)}x` : '-',
    ]);
  }
  return table(rows);
}

export function profileStats(samples: RunSample[]): ProfileStats {
  const of = (target: RunSample['target']) =>
    Object.fromEntries(
      (Object.keys(METRICS) as MetricName[]).map((m) => [
        m,
        stat(samples.filter((s) => s.target === target).map(METRICS[m].of)),
      ]),
    ) as Record<MetricName, Stat>;
  const app = of('app');
  const baseline = of('baseline');
  const ratio: Partial<Record<MetricName, number>> = {};
  for (const m of Object.keys(METRICS) as MetricName[])
    if (baseline[m].median > 0) ratio[m] = app[m].median / baseline[m].median;
  // Each run has one sample of each page, in run order: the k-th of one pairs with the k-th of the other.
  const apps = samples.filter((s) => s.target === 'app');
  const baselines = samples.filter((s) => s.target === 'baseline');
  const pairRatio: Partial<Record<MetricName, Stat>> = {};
  for (const m of Object.keys(METRICS) as MetricName[]) {
    const ratios = apps.flatMap((a, k) => {
      const b = baselines[k];
      return b && METRICS[m].of(b) > 0 ? [METRICS[m].of(a) / METRICS[m].of(b)] : [];
    });
    if (ratios.length) pairRatio[m] = stat(ratios);
  }
  return { app, baseline, ratio, pairRatio };
}

export interface Budget {
  name: string;
  limit: string;
  value: string;
  pass: boolean;
  /** Informational lines are printed but do not make the bench fail. */
  note?: string;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const fmtStat = (s: Stat, digits = 0) =>
  s.n ? `${fmt(s.median, digits)} (${fmt(s.p25, digits)}-${fmt(s.p75, digits)})` : '-';
export const kB = (n: number) => `${(n / 1000).toFixed(2)} kB`;

function table(rows: string[][], rightFrom = 1): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i < rightFrom ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '))
    .join('\n');
}

export function profileTable(label: string, s: ProfileStats): string {
  const rows: string[][] = [
    [label, 'app median (p25-p75)', 'baseline median (p25-p75)', 'app/baseline per run: median (p25-p75)'],
  ];
  for (const m of Object.keys(METRICS) as MetricName[]) {
    const r = s.pairRatio[m];
    rows.push([
      `  ${METRICS[m].label}`,
      fmtStat(s.app[m]),
      fmtStat(s.baseline[m]),
      r ? `${fmt(r.median, 2)}x (${fmt(r.p25, 2)}-${fmt(r.p75, 2)})` : '-',
    ]);
  }
  return table(rows);
}

/** The figures a bench run is compared with: an earlier results.json (its samples). */
export interface Before {
  /** Where they come from, for the table's heading. */
  label: string;
  profiles: Partial<Record<string, ProfileStats>>;
}

/** The key figures before and after, per profile: medians and the per-run ratios to the baseline. */
export function beforeAfterTable(
  before: Before,
  after: Partial<Record<string, ProfileStats>>,
  labels: Record<string, string>,
): string {
  const shown: MetricName[] = [
    'timeToCodeText',
    'timeToCode',
    'approvalToSignedIn',
    'requestsBeforeCode',
    'gzipBeforeText',
    'gzipBeforeCode',
    'scriptMs',
    'taskMs',
  ];
  const out: string[] = [];
  for (const [name, a] of Object.entries(after)) {
    const b = before.profiles[name];
    if (!a || !b) continue;
    const ratio = (s: ProfileStats, m: MetricName) => {
      const r = s.pairRatio[m];
      return r ? `${fmt(r.median, 2)}x` : '-';
    };
    const rows: string[][] = [
      [
        `${labels[name] ?? name}: before (${before.label}) / after`,
        'before',
        'after',
        'before/baseline',
        'after/baseline',
      ],
    ];
    for (const m of shown)
      rows.push([`  ${METRICS[m].label}`, fmt(b.app[m].median), fmt(a.app[m].median), ratio(b, m), ratio(a, m)]);
    out.push(table(rows));
  }
  return out.join('\n\n');
}

export function soakTable(results: SoakResult[]): string {
  const rows: string[][] = [
    [
      'soak (desktop profile)',
      'count',
      'V8 heap used',
      'JS objects',
      'Blink heap',
      'DOM nodes',
      'elements',
      'listeners',
    ],
  ];
  const pct = (a: number | undefined, b: number | undefined) =>
    a && b !== undefined ? `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%` : '-';
  for (const r of results) {
    if (!r.measurable) {
      rows.push([`  ${r.kind}`, 'not measurable', r.reason ?? '', '', '', '', '', '']);
      continue;
    }
    for (const c of r.checkpoints) {
      const m = c.sample;
      rows.push([
        `  ${r.kind}`,
        String(c.count),
        kB(m.heapUsed),
        m.jsObjects === undefined ? '-' : kB(m.jsObjects),
        kB(m.embedderHeapUsed),
        String(m.domNodes),
        String(m.elements),
        String(m.jsEventListeners),
      ]);
    }
    const a = r.checkpoints[0]?.sample;
    const b = r.checkpoints[r.checkpoints.length - 1]?.sample;
    if (a && b && r.checkpoints.length > 1) {
      rows.push([
        `  ${r.kind} growth`,
        `${r.checkpoints[0]!.count}->${r.checkpoints[r.checkpoints.length - 1]!.count}`,
        pct(a.heapUsed, b.heapUsed),
        pct(a.jsObjects, b.jsObjects),
        pct(a.embedderHeapUsed, b.embedderHeapUsed),
        pct(a.domNodes, b.domNodes),
        pct(a.elements, b.elements),
        pct(a.jsEventListeners, b.jsEventListeners),
      ]);
    }
  }
  let text = table(rows);
  for (const r of results) {
    if (!r.growth?.length) continue;
    text += `\n  ${r.kind}: grew most (heap snapshot, self size): ${r.growth
      .slice(0, 5)
      .map((g) => `${g.what} ${g.bytes >= 0 ? '+' : ''}${kB(g.bytes)} (${g.count >= 0 ? '+' : ''}${g.count})`)
      .join('; ')}`;
  }
  return text;
}

export function sizeTable(r: SizeReport): string {
  const rows: string[][] = [['build output (bench/size.ts)', 'loaded', 'raw', 'gzip -9', 'brotli 11']];
  for (const f of [r.html, ...r.initial, ...r.lazy])
    rows.push([`  ${f.file}`, f.via === 'dynamic' ? 'lazy' : 'initial', kB(f.raw), kB(f.gzip), kB(f.brotli)]);
  rows.push([
    '  JS+CSS before the code',
    '',
    kB(r.initialTotal.raw),
    kB(r.initialTotal.gzip),
    kB(r.initialTotal.brotli),
  ]);
  rows.push(['  initial + lazy JS+CSS', '', kB(r.total.raw), kB(r.total.gzip), kB(r.total.brotli)]);
  return table(rows);
}

export interface BudgetInput {
  tv: ProfileStats;
  desktop?: ProfileStats;
  intervalMs: number;
  rttMs: number;
  soak: SoakResult[];
}

/** Time budgets: the median of the per-run ratios app/baseline (issue 14). */
export const TIME_BUDGETS: { profile: 'tv' | 'desktop'; metric: 'timeToCode' | 'timeToCodeText'; ratio: number }[] = [
  { profile: 'tv', metric: 'timeToCode', ratio: 1.2 },
  { profile: 'tv', metric: 'timeToCodeText', ratio: 1.1 },
  { profile: 'desktop', metric: 'timeToCode', ratio: 1.5 },
];
export const GZIP_BUDGET = 30_000;
export const SOAK_GROWTH = 0.05;

export function budgets({ tv, desktop, intervalMs, rttMs, soak }: BudgetInput): Budget[] {
  const out: Budget[] = [];
  for (const { profile, metric, ratio: limit } of TIME_BUDGETS) {
    const s = profile === 'tv' ? tv : desktop;
    if (!s) continue;
    const r = s.pairRatio[metric]?.median ?? NaN;
    const what = metric === 'timeToCode' ? 'code + QR (readable)' : 'code text';
    out.push({
      name: `${profile === 'tv' ? 'TV' : 'desktop'}: time to ${what} <= ${limit}x baseline (median of per-run ratios)`,
      limit: `${limit.toFixed(2)}x`,
      value: `${fmt(r, 2)}x (medians ${fmt(s.app[metric].median)} ms vs ${fmt(s.baseline[metric].median)} ms)`,
      pass: r <= limit,
    });
  }
  const limit = intervalMs + rttMs + 100;
  const a = tv.app.approvalToSignedIn;
  out.push({
    name: 'TV: approval -> signed in <= interval + 1 RTT + 100 ms',
    limit: `${limit} ms`,
    value: `median ${fmt(a.median)} ms (max ${fmt(a.max)} ms)`,
    pass: a.median <= limit,
  });
  const g1 = tv.app.gzipBeforeText.median;
  const g2 = tv.app.gzipBeforeCode.median;
  out.push({
    name: 'JS+CSS gzip loaded before the code + QR <= 30 kB',
    limit: kB(GZIP_BUDGET),
    value: kB(g2),
    pass: g2 <= GZIP_BUDGET,
  });
  out.push({
    name: 'JS+CSS gzip loaded before first paint of the code <= 30 kB',
    limit: kB(GZIP_BUDGET),
    value: kB(g1),
    pass: g1 <= GZIP_BUDGET,
  });
  for (const r of soak) {
    const name = `soak ${r.kind}`;
    if (!r.measurable) {
      out.push({
        name: `${name}: heap and DOM after 500 within 5% of after 10`,
        limit: '+5%',
        value: 'not measurable',
        pass: false,
        note: r.reason,
      });
      continue;
    }
    const first = r.checkpoints[0];
    const last = r.checkpoints[r.checkpoints.length - 1];
    if (!first || !last || first === last) continue;
    const check = (what: string, a: number | undefined, b: number | undefined, note?: string) => {
      if (a === undefined || b === undefined) return;
      out.push({
        name: `${name}: ${what} after ${last.count} within 5% of after ${first.count}`,
        limit: `<= ${kB(a * (1 + SOAK_GROWTH))}`,
        value: `${kB(b)} (${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%)`,
        pass: b <= a * (1 + SOAK_GROWTH),
        note,
      });
    };
    const code = r.growth?.filter((g) => g.what.startsWith('code:')).reduce((sum, g) => sum + g.bytes, 0) ?? 0;
    check(
      'V8 heap used',
      first.sample.heapUsed,
      last.sample.heapUsed,
      code > 0
        ? `of the growth, ${kB(code)} is compiled code (V8 warming up; it levels off), see "grew most"`
        : undefined,
    );
    check('JS objects (heap snapshot, without compiled code)', first.sample.jsObjects, last.sample.jsObjects);
    const nodes = (s: MemorySample) => s.domNodes;
    out.push({
      name: `${name}: DOM nodes after ${last.count} within 5% of after ${first.count}`,
      limit: `<= ${Math.floor(nodes(first.sample) * (1 + SOAK_GROWTH))}`,
      value: `${nodes(last.sample)} (${(((nodes(last.sample) - nodes(first.sample)) / nodes(first.sample)) * 100).toFixed(1)}%)`,
      pass: nodes(last.sample) <= nodes(first.sample) * (1 + SOAK_GROWTH),
    });
  }
  return out;
}

export function budgetTable(list: Budget[]): string {
  const rows = [['budget', 'limit', 'measured', 'result']];
  for (const b of list) rows.push([b.name, b.limit, b.value, b.pass ? 'PASS' : 'FAIL']);
  let text = table(rows);
  for (const b of list) if (b.note) text += `\n  (${b.name}: ${b.note})`;
  return text;
}

/** The traced runs of each page, summed up: medians of the main thread's time by kind, and the chain of requests. */
export function breakdownTable(label: string, pages: Record<string, Breakdown[]>): string {
  const med = (xs: number[]) => stat(xs).median;
  const rows: string[][] = [[label, ...Object.keys(pages)]];
  const line = (name: string, of: (b: Breakdown) => number | undefined) =>
    rows.push([`  ${name}`, ...Object.values(pages).map((bs) => fmt(med(bs.map((b) => of(b) ?? NaN))))]);
  line('code text on screen at (ms)', (b) => b.textAt);
  line('QR drawn at (ms)', (b) => b.qrAt);
  line('main thread before the code: script (parse, compile, evaluate, run)', (b) => b.script);
  line('  style, layout, text, paint', (b) => b.render);
  line('  HTML and CSS parsing', (b) => b.parse);
  line('  loading (navigation, requests, answers)', (b) => b.loading);
  line('  other (task overhead)', (b) => b.other);
  line('  idle, waiting on the network', (b) => b.idle);
  let text = table(rows);
  for (const [page, bs] of Object.entries(pages)) {
    const first = bs[0];
    if (!first) continue;
    const chain = first.requests.map((r) => `${r.what} ${fmt(r.start)}-${fmt(r.end)}`).join(', ');
    text += `\n  ${page} requests before the code (first traced run, ms from navigation): ${chain}`;
  }
  return text;
}
