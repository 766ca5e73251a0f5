import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: the renderer in Debian's Chromium (browser mode, against the loopback bridge) and the
 * desktop window through Playwright's Electron support when the Electron binary is present. One worker:
 * the machine has two cores and the tests start real imports. The reporter is chosen on the command line
 * (`--reporter=list`; `npm test` adds json to count the results).
 */
export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  timeout: 60_000,
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    },
    screenshot: 'only-on-failure',
  },
});
