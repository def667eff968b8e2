/**
 * The cost of the broker: the extra milliseconds an API call takes when the deployer's app makes it
 * through the screen (embed.js → MessageChannel → broker → the core's authorized fetch → back)
 * instead of the page calling the API itself. Median over 100 calls, each pair run back to back
 * and timed inside the page (performance.now), so Playwright's own round trips are not counted.
 *
 * "Direct" is the screen's origin calling the demo API with a Bearer token (taken from the demo
 * IdP's record: only a bench may do that); "broker" is the same call from the app in the frame,
 * with `dpop=false` so that both send the same request. A DPoP run of the broker is listed too: its
 * extra cost is the proof, which a direct call with DPoP would pay as well.
 *
 *   npx tsx bench/broker.ts [--calls 100] [--json]      (BENCH_DIST=dist to use an existing build)
 *
 * `npm run bench` runs it too (BENCH_BROKER_CALLS, default 100; BENCH_NO_BROKER=1 skips it).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, Frame, Page } from '@playwright/test';
import { startDemoApp } from '../demo/app/server.ts';
import { stat, type Stat } from './report.ts';
import { appUrl, benchDir, buildApp, launchBrowser, Phone, startStack, type Stack } from './stack.ts';

const WARMUP = 5;
/** The broker serves 25 messages a second after a burst of 50 (src/broker/broker.ts): stay under it. */
const PAIR_MS = 50;

declare global {
  interface Window {
    __brokerBench?: { fetch(url: string, init?: object): Promise<Response> };
  }
}

/** Times one call made in `where`, in ms: through the broker (token undefined) or directly with the token. */
function timed(where: Page | Frame, url: string, token?: string): Promise<number> {
  return where.evaluate(
    async ([url, token]) => {
      const started = performance.now();
      const res = token
        ? await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })
        : await window.__brokerBench!.fetch(url, { headers: { accept: 'application/json' } });
      await res.text();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      return performance.now() - started;
    },
    [url, token] as const,
  );
}

const latestAccessToken = (issued: string[]) =>
  [...issued].reverse().find((t) => {
    try {
      return JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()).typ === 'at+jwt';
    } catch {
      return false;
    }
  });

export type BrokerBench = Record<string, Stat>;

/** The broker's cost on the stack's build and servers (the demo dashboard is started here). */
export async function benchBroker(browser: Browser, stack: Stack, phone: Phone, calls: number): Promise<BrokerBench> {
  const { idp, api } = stack;
  const demoApp = await startDemoApp({ port: 0, screenOrigin: new URL(stack.app.url).origin, api: api.url });
  const results: BrokerBench = {};
  try {
    for (const dpop of [false, true]) {
      const tv = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
      const query = { app: demoApp.url, dpop: String(dpop), api_interval: '0' };
      await tv.goto(appUrl(stack, query));
      await tv.locator('[data-testid=status][data-state=code]').waitFor();
      await phone.approve((await tv.getByTestId('qr').getAttribute('data-uri')) ?? '');
      await tv.locator('[data-testid=app-frame]').waitFor();
      // The frame's document once it is the app's (a cross-site frame may change process on the way).
      let frame: Frame | undefined;
      while (!(frame = tv.frames().find((f) => f.url().startsWith(demoApp.url)))) await tv.waitForTimeout(50);
      await frame.waitForLoadState();
      await frame.evaluate(async (embed) => {
        const { connect } = (await import(embed)) as { connect(): Promise<NonNullable<Window['__brokerBench']>> };
        window.__brokerBench = await connect();
      }, `${stack.app.url}embed.js`);
      const token = dpop ? undefined : latestAccessToken(idp.issued);
      if (!dpop && !token) throw new Error('no access token in the IdP record');

      const broker: number[] = [];
      const direct: number[] = [];
      const paired: number[] = [];
      for (let i = -WARMUP; i < calls; i++) {
        const pairStarted = Date.now();
        // Alternate which goes first, so drift on a shared machine hits both alike.
        const first = i % 2 === 0;
        const d = !dpop && first ? await timed(tv, api.url, token) : undefined;
        const b = await timed(frame, api.url);
        const d2 = !dpop && !first ? await timed(tv, api.url, token) : d;
        if (i >= 0) {
          broker.push(b);
          if (d2 !== undefined) {
            direct.push(d2);
            paired.push(b - d2);
          }
        }
        const wait = PAIR_MS - (Date.now() - pairStarted);
        if (wait > 0) await tv.waitForTimeout(wait);
      }
      if (dpop) results['broker, DPoP'] = stat(broker);
      else {
        results['direct, Bearer'] = stat(direct);
        results['broker, Bearer'] = stat(broker);
        results['extra per call (paired)'] = stat(paired);
      }
      await tv.context().close();
    }
  } finally {
    await demoApp.close();
  }
  return results;
}

/** The table bench/run.ts prints too. */
export function brokerTable(results: BrokerBench, calls: number): string {
  const ms = (n: number) => `${n.toFixed(2)} ms`.padStart(10);
  return [
    `API calls through the broker against direct, ${calls} calls each (median, p25–p75):`,
    ...Object.entries(results).map(
      ([name, s]) => `  ${name.padEnd(26)}${ms(s.median)}   (${s.p25.toFixed(2)}–${s.p75.toFixed(2)})`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '100' }, json: { type: 'boolean' } } });
  const calls = Number(values.calls);
  const dist = process.env.BENCH_DIST ?? path.join(benchDir, 'results', 'dist-broker');
  if (!process.env.BENCH_DIST) await buildApp(dist);
  const stack = await startStack(dist, 1);
  const browser = await launchBrowser();
  const phone = await Phone.open(browser);
  let results: BrokerBench;
  try {
    results = await benchBroker(browser, stack, phone, calls);
  } finally {
    await phone.close().catch(() => undefined);
    await browser.close();
    await stack.close();
  }
  console.log(values.json ? JSON.stringify({ calls, results }, null, 2) : brokerTable(results, calls));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err: unknown) => {
    console.error('bench/broker.ts:', err);
    process.exit(1);
  });
}
