import * as path from 'node:path';
import { applyProfile, PROFILES } from './bench/measure.ts';
import { pageScript, probe, collect, CAPTURE_SIDE } from './bench/probe.ts';
import { startStack, appUrl, baselineUrl, launchBrowser } from './bench/stack.ts';
const dirs = process.argv.slice(2);
const stack = await startStack(path.resolve(dirs[0]!), 1, dirs.slice(1).map((d) => path.resolve(d)));
const browser = await launchBrowser();
const servers = [stack.app, ...stack.variants];
for (let round = 0; round < 2; round++)
for (const [i, server] of [...servers.entries(), [-1, undefined] as const]) {
  const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await applyProfile(cdp, PROFILES[0]!);
  await page.addInitScript({ content: pageScript(probe, CAPTURE_SIDE) });
  await page.goto(server ? appUrl(stack, {}, server) : baselineUrl(stack), { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__bench?.textAt !== undefined, null, { timeout: 30000 });
  await page.waitForTimeout(1000);
  const seen = (await page.evaluate(pageScript(collect))) as ReturnType<typeof collect>;
  console.log(`== ${server ? dirs[i as number] : 'baseline'}: text ${seen.state!.textAt?.toFixed(0)} long tasks ${seen.state!.longTasks.map((t) => `${t.start.toFixed(0)}+${t.duration.toFixed(0)}`).join(' ')}`);
  for (const e of [seen.navigation!, ...seen.resources]) console.log(`  ${e.startTime.toFixed(0).padStart(5)} ${e.responseEnd.toFixed(0).padStart(5)} ${e.name.replace(/^http:\/\/127.0.0.1:\d+/, '').slice(0, 50)} ${e.transferSize}`);
  await ctx.close();
}
await browser.close(); await stack.close();
