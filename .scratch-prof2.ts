// CPU profile split by start-up phase (self time per function), aligned to performance.now() through a trace mark.
import * as path from 'node:path';
import { applyProfile, PROFILES } from './bench/measure.ts';
import { pageScript, probe, collect, CAPTURE_SIDE } from './bench/probe.ts';
import { startStack, appUrl, baselineUrl, launchBrowser } from './bench/stack.ts';
const dir = process.argv[2]!;
const stack = await startStack(path.resolve(dir === 'baseline' ? 'dist' : dir), 1);
const browser = await launchBrowser();
const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
const page = await ctx.newPage();
const cdp = await ctx.newCDPSession(page);
await applyProfile(cdp, PROFILES[Number(process.env.PROFILE ?? 1)]!);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await page.addInitScript(() => performance.mark('t0'));
await page.addInitScript({ content: pageScript(probe, CAPTURE_SIDE) });
await browser.startTracing(page, { categories: ['blink.user_timing'] });
await cdp.send('Profiler.start');
await page.goto(dir === 'baseline' ? baselineUrl(stack) : appUrl(stack), { waitUntil: 'commit' });
await page.waitForFunction(() => window.__bench?.textAt !== undefined, null, { timeout: 30000 });
const { profile } = await cdp.send('Profiler.stop');
const trace = JSON.parse((await browser.stopTracing()).toString());
const seen = (await page.evaluate(pageScript(collect))) as ReturnType<typeof collect>;
const t0mark = await page.evaluate(() => performance.getEntriesByName('t0')[0]!.startTime);
const mark = (trace.traceEvents as any[]).find((e) => e.name === 't0');
const toPage = (us: number) => (us - mark.ts) / 1000 + t0mark;
const res = (s: string) => seen.resources.find((x) => x.name.includes(s));
const cuts = [0, res('openid-configuration')!.startTime, res('openid-configuration')!.responseEnd, res('/device/auth')!.startTime, res('/device/auth')!.responseEnd, seen.state!.textAt!];
console.log('cuts', cuts.map((c) => c.toFixed(0)).join(' '));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const per = cuts.slice(1).map(() => new Map<string, number>());
let t = profile.startTime;
for (let i = 0; i < profile.samples!.length; i++) {
  t += profile.timeDeltas![i]!;
  const p = toPage(t);
  const w = cuts.findIndex((c, k) => k > 0 && p < c) - 1;
  if (w < 0) continue;
  const n = nodes.get(profile.samples![i]!)!;
  const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\//, '')}`;
  per[w]!.set(key, (per[w]!.get(key) ?? 0) + profile.timeDeltas![i]! / 1000);
}
const names = ['nav..discovery sent', 'discovery in flight', 'discovery answer..device sent', 'device in flight', 'device answer..text'];
per.forEach((m, i) => {
  const busy = [...m.entries()].filter(([k]) => !k.startsWith('(idle)'));
  console.log(`== ${names[i]} (${(cuts[i + 1]! - cuts[i]!).toFixed(0)} ms wall, ${busy.reduce((a, [, v]) => a + v, 0).toFixed(1)} ms busy)`);
  for (const [k, v] of busy.sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 8))) console.log(`   ${v.toFixed(1).padStart(6)} ${k}`);
});
await browser.close(); await stack.close();
