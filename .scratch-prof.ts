import * as path from 'node:path';
import { applyProfile, PROFILES } from './bench/measure.ts';
import { pageScript, probe, collect, CAPTURE_SIDE } from './bench/probe.ts';
import { startStack, appUrl, launchBrowser } from './bench/stack.ts';
const dir = process.argv[2]!;
const stack = await startStack(path.resolve(dir), 1);
const browser = await launchBrowser();
const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
const page = await ctx.newPage();
const cdp = await ctx.newCDPSession(page);
await applyProfile(cdp, PROFILES[Number(process.argv[3] ?? 0)]!);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await page.addInitScript({ content: pageScript(probe, CAPTURE_SIDE) });
await cdp.send('Profiler.start');
await page.goto(appUrl(stack), { waitUntil: 'commit' });
await page.waitForFunction(() => window.__bench?.textAt !== undefined, null, { timeout: 30000 });
const { profile } = await cdp.send('Profiler.stop');
const seen = (await page.evaluate(pageScript(collect))) as ReturnType<typeof collect>;
const disc = seen.resources.find((r) => r.name.includes('openid-configuration'))!;
const dev = seen.resources.find((r) => r.name.includes('/device/auth'))!;
console.log('text', seen.state!.textAt!.toFixed(0), 'discovery', disc.startTime.toFixed(0), disc.responseEnd.toFixed(0), 'device', dev.startTime.toFixed(0), dev.responseEnd.toFixed(0));
for (const e of [seen.navigation!, ...seen.resources]) console.log(`  ${e.startTime.toFixed(0).padStart(5)} ${e.responseEnd.toFixed(0).padStart(5)} ${e.name.replace(/^http:\/\/127.0.0.1:\d+/, '').slice(0, 50)}`);
// attribute samples
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const timeOrigin = await page.evaluate(() => performance.timeOrigin);
// profile.startTime is in microseconds (monotonic); map via first sample? use timeDeltas
let t = profile.startTime;
const buckets = new Map<string, number>();
const windows = [[0, disc.startTime], [disc.startTime, dev.startTime], [dev.startTime, seen.state!.textAt!]];
const perWindow = windows.map(() => new Map<string, number>());
// estimate page time of profile start: navigation start ~ profile start + offset unknown; use nav: assume profile.startTime ~ goto time.
const navStartMono = (await cdp.send('Runtime.evaluate', { expression: 'performance.timeOrigin' })).result.value as number;
for (let i = 0; i < profile.samples!.length; i++) {
  t += profile.timeDeltas![i]!;
  const n = nodes.get(profile.samples![i]!)!;
  const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\//, '')}:${n.callFrame.lineNumber}`;
  buckets.set(key, (buckets.get(key) ?? 0) + (profile.timeDeltas![i]! / 1000));
}
const total = [...buckets.values()].reduce((a, b) => a + b, 0);
console.log('total sampled ms', total.toFixed(0));
for (const [k, v] of [...buckets.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(v.toFixed(1).padStart(8), k);
await browser.close(); await stack.close();
