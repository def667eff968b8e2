import * as path from 'node:path';
import { applyProfile, PROFILES } from './bench/measure.ts';
import { pageScript, probe, collect } from './bench/probe.ts';
import { startStack, appUrl, baselineUrl, launchBrowser, benchDir } from './bench/stack.ts';
const dist = path.resolve('dist');
const stack = await startStack(dist, 1);
const browser = await launchBrowser();
for (const target of ['app', 'baseline', 'app', 'baseline']) {
  const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await applyProfile(cdp, PROFILES[0]!);
  await page.addInitScript({ content: pageScript(probe) });
  await page.goto(target === 'app' ? appUrl(stack) : baselineUrl(stack), { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__bench?.codeAt !== undefined, null, { timeout: 30000 });
  await page.waitForTimeout(1500);
  const seen = (await page.evaluate(pageScript(collect))) as ReturnType<typeof collect>;
  const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => `${m.name}@${m.startTime.toFixed(0)}`));
  console.log(`== ${target}: text ${seen.state!.textAt!.toFixed(0)} code ${seen.state!.codeAt!.toFixed(0)} ${marks.join(' ')}`);
  const nav = seen.navigation!;
  console.log(`  ${nav.startTime.toFixed(0).padStart(5)} ${nav.responseEnd.toFixed(0).padStart(5)} document ${nav.transferSize}`);
  for (const e of seen.resources) console.log(`  ${e.startTime.toFixed(0).padStart(5)} ${e.responseEnd.toFixed(0).padStart(5)} ${e.name.replace(/^http:\/\/127.0.0.1:\d+/, '')} ${e.transferSize}`);
  await ctx.close();
}
await browser.close(); await stack.close();
