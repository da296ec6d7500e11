import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './processes.ts';

/** Where Debian's `chromium` package puts the browser (`.ci/run` installs it). */
export const chromiumPath = process.env.LATCHKEY_CHROMIUM ?? '/usr/bin/chromium';

/** Folder of the screenshots kept as test artifacts. */
export const screenshotsDir = join(repoRoot, 'test-artifacts', 'screenshots');

/** Launches a headless Chromium for browser tests; it is closed when the test ends. */
export async function launchBrowser(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  return browser;
}

/** Saves a full-page screenshot as `test-artifacts/screenshots/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotsDir, { recursive: true });
  const path = join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
