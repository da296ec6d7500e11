import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { repoRoot } from './processes.ts';

/** Where Debian's `chromium` package puts the browser (`.ci/run` installs it). */
export const chromiumPath = process.env.LATCHKEY_CHROMIUM ?? '/usr/bin/chromium';

/** Folder of the screenshots kept as test artifacts. */
export const screenshotsDir = join(repoRoot, 'test-artifacts', 'screenshots');

/**
 * Launches a headless Chromium for browser tests, with `extraArgs` after ours (e.g. the fake
 * camera's switches); it is closed when the test ends.
 */
export async function launchBrowser(t: TestContext, extraArgs: string[] = []): Promise<Browser> {
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
      ...extraArgs,
    ],
  });
  t.after(() => browser.close());
  return browser;
}

/** A browser window size the portal must work at. */
export interface Viewport {
  name: string;
  width: number;
  height: number;
}

/** An installer's phone at the door (390 px) and an office screen (1280 px). */
export const viewports: readonly Viewport[] = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
];

/** The viewport each portal page was opened at (names its screenshots). */
const pageViewports = new WeakMap<Page, Viewport>();

/**
 * Declares the test once per viewport (`… at 390 px`, `… at 1280 px`): every browser test of
 * the portal runs at phone and at desktop width.
 */
export function itAtEachViewport(
  title: string,
  body: (t: TestContext, viewport: Viewport) => Promise<void>,
): void {
  for (const viewport of viewports) {
    it(`${title} at ${viewport.width} px`, (t) => body(t, viewport));
  }
}

/**
 * Records, in the page, every moment the document is wider than the window (a horizontal
 * scroll bar), with the path and the elements that stick out. Injected by the browser, so the
 * page's Content-Security-Policy does not govern it.
 */
const widthWatch = (width: number) => `(() => {
  const overflows = [];
  window.__latchkeyOverflows = overflows;
  const check = () => {
    const root = document.documentElement;
    // While a document starts, Chromium may lay it out in a 1 px window: not the viewport.
    if (!root || window.innerWidth !== ${width} || root.scrollWidth <= window.innerWidth) return;
    const path = location.pathname;
    if (overflows.some((o) => o.path === path && o.scrollWidth === root.scrollWidth)) return;
    const culprits = [];
    for (const el of document.body ? document.body.querySelectorAll('*') : []) {
      const box = el.getBoundingClientRect();
      if (box.right > window.innerWidth + 0.5 && culprits.length < 5) {
        const cls = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '';
        culprits.push(el.tagName.toLowerCase() + cls + ' right=' + Math.round(box.right) + ' "' + (el.textContent || '').trim().slice(0, 40) + '"');
      }
    }
    overflows.push({ path, scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, culprits });
  };
  const start = () => {
    check();
    new MutationObserver(check).observe(document.documentElement, {
      subtree: true, childList: true, attributes: true, characterData: true,
    });
    window.addEventListener('resize', check);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();`;

/** What went wrong loading each portal page, for `whatPageShows`. */
const pageTrouble = new WeakMap<Page, string[]>();

/**
 * Records what keeps a page from appearing: the document or one of its files answered an
 * error (the API's 401s are answers, not trouble), a request failed, or the script threw.
 */
function watchTrouble(page: Page): void {
  const trouble: string[] = [];
  pageTrouble.set(page, trouble);
  const where = (url: string) => new URL(url).pathname;
  page.on('response', (response) => {
    const path = where(response.url());
    if (response.status() >= 400 && !path.startsWith('/api/') && path !== '/favicon.ico') {
      trouble.push(`${response.status()} ${response.request().method()} ${path}`);
    }
  });
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? 'failed';
    // Leaving a page aborts its open requests (the live-updates stream): not trouble.
    if (error !== 'net::ERR_ABORTED')
      trouble.push(`${error} ${request.method()} ${where(request.url())}`);
  });
  page.on('pageerror', (error) => trouble.push(`uncaught ${error.name}: ${error.message}`));
}

/**
 * A new page (in its own browser context, so its own cookies and cache, as on another device)
 * at `viewport`, watched for horizontal overflow on every page it visits (`assertFitsViewport`
 * and `screenshot` check it) and for what kept a page from loading (`whatPageShows` says it).
 */
export async function openPortalPage(browser: Browser, viewport: Viewport): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
  });
  await context.addInitScript({ content: widthWatch(viewport.width) });
  const page = await context.newPage();
  pageViewports.set(page, viewport);
  watchTrouble(page);
  return page;
}

/**
 * The address, the start of the text a page shows and what went wrong loading it: for the
 * message of a wait that timed out (`.catch(async (e) => { throw new Error(await
 * whatPageShows(page), { cause: e }) })`).
 */
export async function whatPageShows(page: Page): Promise<string> {
  const text = await page
    .locator('body')
    .innerText({ timeout: 2_000 })
    .catch((error: unknown) => `(no text: ${String(error)})`);
  const trouble = pageTrouble.get(page) ?? [];
  return `${page.url()} shows: ${text.slice(0, 300).replace(/\s+/g, ' ')}${
    trouble.length ? ` | loading it: ${trouble.join('; ')}` : ''
  }`;
}

interface Overflow {
  path: string;
  scrollWidth: number;
  innerWidth: number;
  culprits: string[];
}

/**
 * Asserts that the page is no wider than the window now
 * (`document.documentElement.scrollWidth <= innerWidth`) and was not on any page visited
 * before in this document.
 */
export async function assertFitsViewport(page: Page): Promise<void> {
  const state = await page.evaluate<{ now: Overflow | null; seen: Overflow[] }>(`(() => {
    const root = document.documentElement;
    const now = root.scrollWidth > window.innerWidth
      ? { path: location.pathname, scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, culprits: [] }
      : null;
    return { now, seen: window.__latchkeyOverflows || [] };
  })()`);
  const problems = [...state.seen, ...(state.now ? [state.now] : [])];
  assert.deepEqual(
    problems,
    [],
    `the page is wider than the window: ${problems
      .map((p) => `${p.path} ${p.scrollWidth} > ${p.innerWidth} (${p.culprits.join('; ')})`)
      .join(' | ')}`,
  );
}

/**
 * Saves a full-page screenshot as `test-artifacts/screenshots/<name>.png` (a portal page
 * opened with `openPortalPage`: `<name>-<width>.png`, then asserts it fits the window);
 * returns its path.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotsDir, { recursive: true });
  const viewport = pageViewports.get(page);
  const path = join(screenshotsDir, `${name}${viewport ? `-${viewport.width}` : ''}.png`);
  await page.screenshot({ path, fullPage: true });
  if (viewport) await assertFitsViewport(page);
  return path;
}

/**
 * Signs in on the portal's sign-in page as a person would, and waits for the sites page.
 * Generous wait: browser tests share two cores.
 */
export async function signInInPortal(
  page: Page,
  url: string,
  person: { email: string; password: string },
): Promise<void> {
  const wait = { timeout: 15_000 };
  await page.goto(`${url}/login`);
  await page.getByLabel('E-mail').fill(person.email, wait);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor(wait);
}

/** Waits for `locator`; when it does not come, the failure says what the page shows instead. */
export async function shows(
  page: Page,
  locator: Locator,
  wait: { timeout: number } = { timeout: 20_000 },
): Promise<void> {
  await locator.waitFor(wait).catch(async (error: unknown) => {
    throw new Error(await whatPageShows(page), { cause: error });
  });
}
