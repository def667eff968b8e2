import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './e2e/fixtures/chromium.ts';

// Playwright cannot download its own browsers here: use the system Chromium when there is one
// (CHROMIUM_PATH, else Debian's /usr/bin/chromium), else Playwright's own (a developer laptop).
const systemChromium = chromiumPath();

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.e2e.ts',
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: systemChromium,
      args: CHROMIUM_ARGS,
    },
    viewport: { width: 1280, height: 720 },
    trace: 'retain-on-failure',
  },
});
