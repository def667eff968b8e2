import * as path from 'node:path';
import { writeFileSync } from 'node:fs';
import { applyProfile, PROFILES } from './bench/measure.ts';
import { pageScript, probe, collect, CAPTURE_SIDE } from './bench/probe.ts';
import { startStack, appUrl, baselineUrl, launchBrowser } from './bench/stack.ts';
const stack = await startStack(path.resolve('dist'), 1);
const browser = await launchBrowser();
for (const target of (process.argv[2] ?? 'app').split(',')) {
  const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await applyProfile(cdp, PROFILES[0]!);
  await page.addInitScript({ content: pageScript(probe, CAPTURE_SIDE) });
  await browser.startTracing(page, { categories: ['devtools.timeline', 'v8.execute', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'loading', 'v8'] });
  await page.goto(target === 'app' ? appUrl(stack) : baselineUrl(stack), { waitUntil: 'commit' });
  await page.waitForFunction(() => document.querySelector('[data-testid=user-code]')?.textContent, null, { timeout: 30000 });
  await page.waitForTimeout(2500);
  const buf = await browser.stopTracing();
  writeFileSync(`/tmp/boot-scratch/trace-${target}.json`, buf);
  const seen = (await page.evaluate(pageScript(collect))) as ReturnType<typeof collect>;
  console.log(`== ${target}: text ${seen.state!.textAt?.toFixed(0)}`);
  for (const e of [seen.navigation!, ...seen.resources]) console.log(`  ${e.startTime.toFixed(0).padStart(5)} ${e.responseEnd.toFixed(0).padStart(5)} ${e.name.replace(/^http:\/\/127.0.0.1:\d+/, '').slice(0, 60)}`);
  await ctx.close();
}
await browser.close(); await stack.close();
