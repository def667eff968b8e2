/**
 * `tsx bench/remember.ts`: config `remember` on the TV profile (docs/remember.md). The time from
 * navigation to the signed-in screen with the API's answer when a remembered session resumes, next
 * to the bare floor's time to code (bench/baseline) measured in the same runs, so the ratio says
 * how a restarted screen compares with the fastest possible "ask for a code".
 *
 * One sign-in with a code first; then every run is a new page in the same browser context (its
 * IndexedDB kept: a reboot without the browser's own start-up), with the TV profile's CPU and
 * network emulation and the HTTP cache disabled, so every byte is transferred again. Each run
 * refreshes once with the stored key and writes the rotated token back before the next one.
 *
 * Env: BENCH_RUNS (default 10), BENCH_DIST (an existing build), BENCH_REMEMBER_OUT (results file,
 * default bench/remember-results.json).
 */
import { writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from '@playwright/test';
import { applyProfile, PROFILES, timingRun, watchPage, withTimeout } from './measure.ts';
import { collect, pageScript } from './probe.ts';
import { stat, type Stat } from './report.ts';
import {
  appUrl,
  baselineUrl,
  benchDir,
  buildApp,
  launchBrowser,
  Phone,
  repoRoot,
  startStack,
  type Stack,
} from './stack.ts';

const TV = PROFILES.find((p) => p.name === 'tv')!;

interface RememberedSample {
  /** performance.now() at the frame showing the signed-in screen with the API answer. */
  signedInAt: number;
  /** Responses finished by then (own files, config.json, discovery, one refresh, the API). */
  requests: number;
  /** Whether a device authorization request went out (it must not: the run is void then). */
  askedForCode: boolean;
  problems: string[];
}

/** One restart of a remembered screen: a new page in `context`, timed until signed in. */
async function rememberedRun(
  context: BrowserContext,
  url: string,
  verificationUri: string,
  timeoutMs = 60_000,
): Promise<RememberedSample> {
  const page = await context.newPage();
  const problems: string[] = [];
  let askedForCode = false;
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      problems.push(`console.error: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/device/auth') askedForCode = true;
  });
  try {
    await applyProfile(await context.newCDPSession(page), TV);
    const { markOf } = await watchPage(page, verificationUri);
    await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs });
    await withTimeout(markOf('signed-in').promise, timeoutMs, 'the signed-in screen');
    const seen = (await page.evaluate(pageScript(collect))) as ReturnType<typeof collect>;
    const signedInAt = seen.state!.signedInAt!;
    const requests = [...(seen.navigation ? [seen.navigation] : []), ...seen.resources].filter(
      (e) => e.responseEnd > 0 && e.responseEnd <= signedInAt,
    ).length;
    return { signedInAt, requests, askedForCode, problems };
  } finally {
    await page.close();
  }
}

/** Signs a context in once, with a code and `remember=true`, unthrottled. */
async function signInOnce(context: BrowserContext, phone: Phone, url: string): Promise<void> {
  const page = await context.newPage();
  await page.goto(url);
  const qr = page.getByTestId('qr');
  await qr.waitFor();
  await phone.approve((await qr.getAttribute('data-uri')) ?? '');
  await page.locator('[data-testid=status][data-state=signed-in]').waitFor({ timeout: 30_000 });
  // The record is written once the signed-in screen is up; reading it back waits for that write.
  await page.waitForFunction(
    () =>
      new Promise<boolean>((resolve) => {
        const open = indexedDB.open('screen-signin');
        open.onerror = () => resolve(false);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('session')) return resolve(false);
          const get = db.transaction('session').objectStore('session').get('current');
          get.onsuccess = () => resolve(get.result !== undefined);
          get.onerror = () => resolve(false);
        };
      }),
    undefined,
    { timeout: 15_000 },
  );
  await page.close();
}

export interface RememberBench {
  remembered: Stat;
  baselineTimeToCode: Stat;
  ratio: number;
  samples: RememberedSample[];
}

export async function benchRemember(browser: Browser, stack: Stack, runs: number): Promise<RememberBench> {
  const phone = await Phone.open(browser);
  const context = await browser.newContext({ viewport: TV.viewport, deviceScaleFactor: 1 });
  const verificationUri = `${stack.idp.issuer}/device`;
  const url = appUrl(stack, { remember: 'true' });
  const samples: RememberedSample[] = [];
  const floor: number[] = [];
  try {
    await signInOnce(context, phone, url);
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first, so drift on a shared machine hits both alike.
      const steps = [
        async () => samples.push(await rememberedRun(context, url, verificationUri)),
        async () => {
          const base = await timingRun({
            browser,
            phone,
            approvals: stack.idp.approvals,
            tokenEndpoint: `${stack.idp.issuer}/token`,
            deviceEndpoint: `${stack.idp.issuer}/device/auth`,
            verificationUri,
            profile: TV,
            target: 'baseline',
            url: baselineUrl(stack),
            root: path.join(benchDir, 'baseline'),
          });
          floor.push(base.textAt);
        },
      ];
      for (const step of i % 2 ? steps.reverse() : steps) await step();
      const last = samples[samples.length - 1]!;
      if (last.askedForCode) throw new Error(`run ${i + 1}: the remembered screen asked for a code`);
      console.error(
        `[remember] run ${i + 1}/${runs}: signed in ${last.signedInAt.toFixed(0)} ms after navigation; floor's code ${floor[floor.length - 1]!.toFixed(0)} ms`,
      );
    }
  } finally {
    await context.close();
    await phone.close();
  }
  const remembered = stat(samples.map((s) => s.signedInAt));
  const baselineTimeToCode = stat(floor);
  return { remembered, baselineTimeToCode, ratio: remembered.median / baselineTimeToCode.median, samples };
}

const fmt = (s: Stat) => `${s.median.toFixed(0)} ms (${s.p25.toFixed(0)}-${s.p75.toFixed(0)})`;

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 10);
  const distDir = process.env.BENCH_DIST
    ? path.resolve(process.env.BENCH_DIST)
    : path.join(benchDir, 'results', 'dist');
  if (!process.env.BENCH_DIST) await buildApp(distDir);
  const stack = await startStack(distDir, 1);
  const browser = await launchBrowser();
  let result: RememberBench;
  try {
    result = await benchRemember(browser, stack, runs);
  } finally {
    await browser.close();
    await stack.close();
  }
  const lines = [
    `remember on ${TV.label}, ${runs} runs, medians (p25-p75):`,
    `  navigation -> signed in, remembered session: ${fmt(result.remembered)}`,
    `  navigation -> code text, bare-HTML floor:    ${fmt(result.baselineTimeToCode)}`,
    `  ratio: ${result.ratio.toFixed(2)}x`,
  ];
  console.log(lines.join('\n'));
  const out = process.env.BENCH_REMEMBER_OUT ?? path.join(benchDir, 'remember-results.json');
  const machine = {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    loadavg: os.loadavg(),
    date: new Date().toISOString(),
  };
  const text = JSON.stringify({ machine, profile: TV, dist: path.relative(repoRoot, distDir), ...result }, null, 2);
  const prettier = await import('prettier');
  await writeFile(out, await prettier.format(text, { ...(await prettier.resolveConfig(out)), parser: 'json' }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('bench/remember failed:', err);
      process.exit(1);
    },
  );
}
