// CPU (thread time) on the renderer main thread per phase of the start-up, from a trace: robust to a loaded machine.
import * as path from 'node:path';
import { applyProfile, PROFILES } from './bench/measure.ts';
import { pageScript, probe, collect, CAPTURE_SIDE } from './bench/probe.ts';
import { startStack, appUrl, baselineUrl, launchBrowser } from './bench/stack.ts';
const dirs = process.argv.slice(2);
const stack = await startStack(path.resolve(dirs[0]!), 1, dirs.slice(1).map((d) => path.resolve(d)));
const browser = await launchBrowser();
const targets: [string, string][] = [...[stack.app, ...stack.variants].map((s, i) => [path.basename(dirs[i]!), appUrl(stack, {}, s)] as [string, string]), ['baseline', baselineUrl(stack)]];
const runs = Number(process.env.RUNS ?? 3);
const acc = new Map<string, number[][]>();
for (let r = 0; r < runs; r++) for (const [name, url] of targets) {
  const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await applyProfile(cdp, PROFILES[0]!);
  await page.addInitScript(() => performance.mark('t0'));
  await page.addInitScript({ content: pageScript(probe, CAPTURE_SIDE) });
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'v8.execute', 'v8'] });
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__bench?.textAt !== undefined, null, { timeout: 30000 });
  await page.waitForTimeout(300);
  const trace = JSON.parse((await browser.stopTracing()).toString());
  const seen = (await page.evaluate(pageScript(collect))) as ReturnType<typeof collect>;
  const t0mark = await page.evaluate(() => performance.getEntriesByName('t0')[0]!.startTime);
  const ev: any[] = trace.traceEvents;
  const mark = ev.find((e) => e.name === 't0' && e.cat?.includes('user_timing'));
  const origin = mark.ts / 1000 - t0mark; // trace ms of performance.now() == 0
  const names = new Map(ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args.name]));
  const mainKey = `${mark.pid}:${mark.tid}`;
  const tasks = ev.filter((e) => `${e.pid}:${e.tid}` === mainKey && e.ph === 'X' && e.name === 'RunTask');
  const res = (s: string) => seen.resources.find((x) => x.name.includes(s));
  const html = seen.navigation!.responseEnd;
  const disc = res('openid-configuration');
  const dev = res('/device/auth');
  const text = seen.state!.textAt!;
  const cuts = [0, disc?.startTime ?? html, disc?.responseEnd ?? html, dev!.startTime, dev!.responseEnd, text];
  const cpu = cuts.slice(1).map(() => 0);
  for (const t of tasks) {
    const start = t.ts / 1000 - origin;
    const i = cuts.findIndex((c, k) => k > 0 && start < c) - 1;
    if (i >= 0) cpu[i] += (t.tdur ?? 0) / 1000;
  }
  const row = [...cuts.slice(1), ...cpu];
  acc.set(name, [...(acc.get(name) ?? []), row]);
  console.log(name.padEnd(10), 'times', cuts.slice(1).map((c) => c.toFixed(0).padStart(5)).join(' '), '| cpu ms per phase', cpu.map((c) => c.toFixed(1).padStart(6)).join(' '));
  await ctx.close();
}
console.log('phases: [nav..discovery sent] [discovery in flight] [discovery answer..device sent] [device in flight] [device answer..code text]');
const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
for (const [name, rows] of acc) console.log(name.padEnd(10), 'median cpu', rows[0]!.slice(5).map((_, i) => med(rows.map((r) => r[5 + i]!)).toFixed(1).padStart(6)).join(' '), 'sum', med(rows.map((r) => r.slice(5).reduce((a, b) => a + b, 0))).toFixed(1));
await browser.close(); await stack.close();
