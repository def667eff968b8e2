/**
 * `npm run bench`: the app against a bare-HTML baseline on a slow-TV profile and a desktop profile,
 * then a memory soak, then the budgets. See bench/README.md.
 *
 * Env: BENCH_RUNS (runs per page and profile, default 10, at least 10 for the reported medians),
 * BENCH_SOAK (renewals and refreshes, default 500), BENCH_DIST (bench an existing build instead of
 * building into bench/results/dist), BENCH_PROFILES (e.g. "tv"), BENCH_OUT (results file, default
 * bench/results.json), BENCH_NO_SOAK=1, BENCH_COMPARE=dir1,dir2 (further builds, run interleaved with
 * the app and the baseline and compared with the app), BENCH_STRICT=1 (exit 1 when a budget fails; by default the
 * bench reports and exits 0, since timings on a shared machine are not a test), BENCH_BEFORE (the results to
 * compare with, default bench/results-before.json: the figures from before the boot path, issue 14),
 * BENCH_TRACES (traced loads per page and profile for the time breakdown, default 3),
 * BENCH_NO_REMEMBER=1 (skip bench/remember.ts), BENCH_BROKER_CALLS (default 100) and
 * BENCH_NO_BROKER=1 (bench/broker.ts: an API call through the screen's broker against a direct one),
 * BENCH_NO_PRELOAD=1 (leave out "app+preload": the app with deploy/nginx.conf's discovery preload).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { PROFILES, timingRun, type RunSample, type Target } from './measure.ts';
import {
  beforeAfterTable,
  breakdownTable,
  budgets,
  budgetTable,
  compareTable,
  profileStats,
  profileTable,
  sizeTable,
  soakTable,
  type Before,
  type ProfileStats,
} from './report.ts';
import { checkSize } from './size.ts';
import { benchBroker, brokerTable, type BrokerBench } from './broker.ts';
import { benchRemember, type RememberBench } from './remember.ts';
import { soakRefreshes, soakRenewals, type SoakResult } from './soak.ts';
import { traceBreakdown, type Breakdown } from './trace.ts';
import {
  appUrl,
  baselineUrl,
  benchDir,
  buildApp,
  chromiumPath,
  CHROMIUM_ARGS,
  launchBrowser,
  Phone,
  repoRoot,
  startStack,
} from './stack.ts';

const IDP_INTERVAL_S = 1;

/** An earlier results.json, its samples summed up again the way this run's are. */
async function readBefore(file: string): Promise<Before | undefined> {
  let saved: { machine?: { date?: string }; samples?: RunSample[] };
  try {
    saved = JSON.parse(await readFile(file, 'utf8')) as typeof saved;
  } catch {
    return undefined;
  }
  const samples = saved.samples ?? [];
  const profiles: Before['profiles'] = {};
  for (const name of new Set(samples.map((s) => s.profile)))
    profiles[name] = profileStats(samples.filter((s) => s.profile === name));
  return { label: `${path.relative(repoRoot, file)}, ${saved.machine?.date?.slice(0, 10) ?? 'undated'}`, profiles };
}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}

async function main(): Promise<number> {
  const started = Date.now();
  const runs = intEnv('BENCH_RUNS', 10);
  const soakCount = intEnv('BENCH_SOAK', 500);
  const soakCheckpoints = [Math.min(10, soakCount), soakCount].filter((v, i, a) => a.indexOf(v) === i);
  const outFile = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(benchDir, 'results.json');
  const wanted = process.env.BENCH_PROFILES?.split(',').map((s) => s.trim());
  const profiles = PROFILES.filter((p) => !wanted || wanted.includes(p.name));
  const log = (msg: string) =>
    console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

  let distDir = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(benchDir, 'results', 'dist');
  if (!process.env.BENCH_DIST) {
    log(`vite build -> ${path.relative(repoRoot, distDir)}`);
    await buildApp(distDir);
  }
  distDir = path.resolve(distDir);
  const size = await checkSize(distDir);
  const loadStart = os.loadavg();

  const variantDirs = (process.env.BENCH_COMPARE ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => path.resolve(d));
  const variantNames = variantDirs.map((d, i) => `app:${path.basename(d) || i}`);
  // The same build served as deploy/nginx.conf serves it with --preload (stack.ts `preloaded`);
  // the budgets are the plain app's, a deployment that sets nothing up.
  const PRELOADED = 'app+preload';
  const compared = [...(process.env.BENCH_NO_PRELOAD !== '1' ? [PRELOADED] : []), ...variantNames];
  const stack = await startStack(distDir, IDP_INTERVAL_S, variantDirs);
  const serverOf = (target: Target) =>
    target === PRELOADED ? stack.preloaded : (stack.variants[variantNames.indexOf(target)] ?? stack.app);
  const browser = await launchBrowser();
  const chromiumVersion = browser.version();
  const phone = await Phone.open(browser);
  const samples: RunSample[] = [];
  const soak: SoakResult[] = [];
  let remembered: RememberBench | undefined;
  let broker: BrokerBench | undefined;
  const brokerCalls = intEnv('BENCH_BROKER_CALLS', 100);
  const traced: Record<string, Record<string, Breakdown[]>> = {};
  // The demo IdP's verification_uri: the QR must encode it with the code (bench/measure.ts).
  const verificationUri = `${stack.idp.issuer}/device`;
  try {
    for (const profile of profiles) {
      for (let i = 0; i < runs; i++) {
        // Rotate which page goes first so drift on a shared machine hits all alike.
        const pages: Target[] = ['baseline', 'app', ...compared];
        const order = pages.map((_, k) => pages[(k + i) % pages.length]!);
        for (const target of order) {
          const variant = variantNames.indexOf(target);
          const sample = await timingRun({
            browser,
            phone,
            approvals: stack.idp.approvals,
            tokenEndpoint: `${stack.idp.issuer}/token`,
            deviceEndpoint: `${stack.idp.issuer}/device/auth`,
            verificationUri,
            profile,
            target,
            url: target === 'baseline' ? baselineUrl(stack) : appUrl(stack, {}, serverOf(target)),
            root:
              target === 'baseline' ? path.join(benchDir, 'baseline') : variant >= 0 ? variantDirs[variant]! : distDir,
            calibrate: i === 0,
            // The same phase for every page of a run; over the runs, every part of the interval.
            approvalDelayMs: ((i + 0.5) / runs) * IDP_INTERVAL_S * 1000,
          });
          samples.push(sample);
        }
        const last = samples.slice(-pages.length);
        log(
          `${profile.name} run ${i + 1}/${runs}: ${last.map((s) => `${s.target} code ${s.codeAt.toFixed(0)} ms, signed in ${s.approvalToSignedIn} ms after approval`).join('; ')}`,
        );
      }
    }
    // Where the time goes: a few traced loads per page (tracing slows a page, so not the timed runs).
    const traces = intEnv('BENCH_TRACES', 3);
    for (const profile of profiles) {
      log(`${profile.name}: ${traces} traced loads per page`);
      const pages = (traced[profile.label] = { app: [] as Breakdown[], baseline: [] as Breakdown[] });
      for (let i = 0; i < traces; i++) {
        pages.baseline.push(await traceBreakdown(browser, baselineUrl(stack), profile, verificationUri));
        pages.app.push(await traceBreakdown(browser, appUrl(stack), profile, verificationUri));
      }
    }
    if (process.env.BENCH_NO_SOAK !== '1' && !variantDirs.length) {
      log(`soak: ${soakCount} code renewals`);
      soak.push(await soakRenewals(browser, stack, soakCheckpoints));
      log(`soak: ${soakCount} token refreshes`);
      soak.push(await soakRefreshes(browser, stack, phone, soakCheckpoints));
    }
    if (process.env.BENCH_NO_REMEMBER !== '1' && !variantDirs.length) {
      log('remember: navigation -> signed in with a remembered session (TV profile)');
      remembered = await benchRemember(browser, stack, runs);
    }
    if (process.env.BENCH_NO_BROKER !== '1' && !variantDirs.length) {
      log(`broker: ${brokerCalls} API calls from the deployer's app through the screen, and as many direct`);
      broker = await benchBroker(browser, stack, phone, brokerCalls);
    }
  } finally {
    await phone.close().catch(() => undefined);
    await browser.close();
    await stack.close();
  }

  const stats: Partial<Record<string, ProfileStats>> = {};
  for (const p of profiles) stats[p.name] = profileStats(samples.filter((s) => s.profile === p.name));
  const tvProfile = PROFILES.find((p) => p.name === 'tv')!;
  const tv = stats.tv;
  const budgetList = tv
    ? budgets({
        tv,
        desktop: stats.desktop,
        intervalMs: IDP_INTERVAL_S * 1000,
        rttMs: tvProfile.network?.latencyMs ?? 0,
        soak,
      })
    : [];
  const before = await readBefore(
    process.env.BENCH_BEFORE ? path.resolve(process.env.BENCH_BEFORE) : path.join(benchDir, 'results-before.json'),
  );
  const problems = [...new Set(samples.flatMap((s) => s.problems.map((p) => `${s.target}: ${p}`)))];
  const calibration = Object.fromEntries(
    samples
      .filter((s) => s.calibrationMs !== undefined)
      .map((s) => [`${s.profile}/${s.target}`, Math.round(s.calibrationMs!)]),
  );

  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    chromium: chromiumVersion,
    chromiumPath: chromiumPath() ?? "Playwright's own",
    chromiumArgs: CHROMIUM_ARGS,
    node: process.version,
    date: new Date().toISOString(),
    loadavgAtStart: loadStart.map((v) => Number(v.toFixed(2))),
    loadavgAtEnd: os.loadavg().map((v) => Number(v.toFixed(2))),
  };

  const out: string[] = [];
  out.push(`screen-signin bench: ${runs} runs per page and profile (fresh context each), medians with (p25-p75)`);
  out.push(
    `machine: ${machine.cpu}, ${machine.cores} cores, Chromium ${machine.chromium}, node ${machine.node}, ${machine.date}, load ${machine.loadavgAtStart.join(' ')}`,
  );
  out.push(
    `IdP interval ${IDP_INTERVAL_S} s; CPU calibration loop (ms): ${Object.entries(calibration)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out.push('');
  for (const p of profiles) {
    out.push(profileTable(p.label, stats[p.name]!));
    out.push('');
    for (const v of compared) {
      out.push(
        compareTable(
          `${p.label}: ${v} vs app`,
          samples.filter((s) => s.profile === p.name),
          v,
        ),
      );
      out.push('');
    }
  }
  if (before) {
    out.push(beforeAfterTable(before, stats, Object.fromEntries(profiles.map((p) => [p.name, p.label]))));
    out.push('');
  }
  for (const [label, pages] of Object.entries(traced)) {
    out.push(breakdownTable(`${label}: where the time before the code goes (traced, medians)`, pages));
    out.push('');
  }
  out.push(sizeTable(size));
  out.push('');
  if (soak.length) {
    out.push(soakTable(soak));
    out.push('');
  }
  if (remembered) {
    out.push(
      `TV: remembered session, navigation -> signed in: median ${remembered.remembered.median.toFixed(0)} ms, ` +
        `${remembered.ratio.toFixed(2)}x the floor's time to code (${remembered.baselineTimeToCode.median.toFixed(0)} ms)`,
      '',
    );
  }
  if (broker) out.push(brokerTable(broker, brokerCalls), '');
  if (budgetList.length) out.push(budgetTable(budgetList));
  if (problems.length) out.push('', `page problems seen: ${problems.slice(0, 10).join(' | ')}`);
  out.push(
    '',
    `total ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${path.relative(process.cwd(), outFile)}`,
  );
  console.log(out.join('\n'));

  const results = {
    machine,
    settings: {
      runs,
      idpInterval: IDP_INTERVAL_S,
      profiles: profiles.map((p) => ({
        name: p.name,
        label: p.label,
        viewport: p.viewport,
        cpuThrottlingRate: p.cpuRate,
        network: p.network ?? null,
      })),
      soak: { count: soakCount, checkpoints: soakCheckpoints, profile: 'desktop' },
      dist: path.relative(repoRoot, distDir),
      compare: variantDirs.map((d) => path.relative(repoRoot, d)),
    },
    size,
    profiles: stats,
    calibrationMs: calibration,
    soak,
    remembered: remembered && { ...remembered, samples: undefined },
    broker: broker && { calls: brokerCalls, ...broker },
    budgets: budgetList,
    breakdown: traced,
    problems,
    samples,
    durationMs: Date.now() - started,
  };
  await writeFile(outFile, await asJson(results, outFile));
  return process.env.BENCH_STRICT === '1' && budgetList.some((b) => !b.pass) ? 1 : 0;
}

/** JSON as the repo's Prettier would print it (so `npm run lint` stays clean), else plain. */
async function asJson(value: unknown, file: string): Promise<string> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, filepath: file, parser: 'json' });
  } catch {
    return text;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('bench failed:', err);
    process.exit(1);
  },
);
