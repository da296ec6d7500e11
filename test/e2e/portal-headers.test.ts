import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assertFitsViewport,
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
} from '../helpers/browser.ts';
import { mintWithCli, startServeProcess } from '../helpers/cli-rig.ts';

/** Generous: the suite runs two files at once on two cores. */
const WAIT = { timeout: 15_000 };

function tempFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-headers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Every Content-Security-Policy violation the page reports: the `securitypolicyviolation`
 * event (listened to from a script the browser injects, which the policy does not govern)
 * and the console errors Chromium writes for refused loads.
 */
async function collectViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|securitypolicyviolation/i.test(message.text())) {
      violations.push(message.text());
    }
  });
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      console.error('securitypolicyviolation: ' + event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sourceFile + ':' + event.lineNumber);
    });`,
  });
  return violations;
}

/** A page of another origin that frames `url`, as a clickjacking page would. */
async function startFramingSite(t: TestContext, url: string): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><title>Win a prize</title><iframe id="victim" src="${url}/" width="800" height="600"></iframe>`,
    );
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  t.after(() => new Promise<void>((closed) => server.close(() => closed())));
  // Another origin: localhost instead of 127.0.0.1, and another port.
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

describe('the portal under its security headers', () => {
  it('sends CSP, frame protection, nosniff and Referrer-Policy on the portal and its API', async (t) => {
    const { url } = await startServeProcess(t, tempFolder(t));
    for (const [path, accept] of [
      ['/', 'text/html'],
      ['/sites/x', 'text/html'],
      ['/api/me', 'application/json'],
    ] as const) {
      const response = await fetch(`${url}${path}`, { headers: { accept } });
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /(^|;)\s*script-src 'self'(;|$)/, `${path}: ${csp}`);
      assert.match(csp, /(^|;)\s*style-src 'self'(;|$)/, `${path}: ${csp}`);
      assert.match(csp, /(^|;)\s*frame-ancestors 'none'(;|$)/, `${path}: ${csp}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    }
  });

  itAtEachViewport(
    'works fully under the policy without one violation, and does not render inside another site',
    async (t, viewport) => {
      // Closed first (hooks run in order): the server's shutdown then waits for no open tab.
      const browser = await launchBrowser(t);
      const dir = tempFolder(t);
      const { url } = await startServeProcess(t, dir);
      const [device] = await mintWithCli(dir, 1);
      assert.ok(device);
      const page = await openPortalPage(browser, viewport);
      const violations = await collectViolations(page);

      await page.goto(`${url}/register`);
      await page.getByLabel('Your name').fill('Anna');
      await page.getByLabel('E-mail').fill('anna@example.com');
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor(WAIT);
      await screenshot(page, 'portal-headers-sites');
      await page.getByLabel('Site name').fill('Main Street 1');
      await page.getByRole('button', { name: 'Create site' }).click();
      await page.getByRole('heading', { name: 'Main Street 1', level: 1 }).waitFor(WAIT);

      await page.getByRole('button', { name: 'Add device' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add a device' });
      await dialog.waitFor(WAIT);
      await dialog.getByLabel('Serial number').fill(device.serialNumber);
      await dialog.getByLabel('Security code').fill(device.securityCode);
      await dialog.getByRole('button', { name: 'Add device' }).click();
      await page
        .getByRole('status')
        .getByText(`The device ${device.serialNumber} was added to this site.`)
        .waitFor(WAIT);
      await screenshot(page, 'portal-headers-site');
      await page.getByRole('button', { name: `Delete device ${device.serialNumber}` }).click();
      await page
        .getByRole('dialog', { name: `Delete device ${device.serialNumber}?` })
        .getByRole('button', { name: 'Delete device' })
        .click();
      await page
        .getByRole('status')
        .getByText(`The device ${device.serialNumber} was deleted from this site.`)
        .waitFor(WAIT);
      // A reload runs the portal from scratch (index.html, scripts, styles, the session).
      await page.reload();
      await page.getByRole('heading', { name: 'Main Street 1', level: 1 }).waitFor(WAIT);
      assert.deepEqual(violations, []);
      // The stylesheet applied (a style-src that refused it would leave the page unstyled).
      const styled = await page.evaluate<number>('document.styleSheets.length');
      assert.ok(styled > 0);
      await assertFitsViewport(page);

      // The same signed-in browser visits a page of another origin that frames the portal.
      const framing = await startFramingSite(t, url);
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (/frame-ancestors/.test(message.text())) blocked.push(message.text());
      });
      await page.goto(framing);
      const victim = page.frames().find((frame) => frame !== page.mainFrame());
      assert.ok(victim, 'the framing page has its iframe');
      assert.equal(
        await victim.locator('#root').count(),
        0,
        'the portal did not load in the frame',
      );
      assert.doesNotMatch(await victim.content(), /Main Street 1|Sites/);
      assert.ok(blocked.length > 0, 'Chromium reports the refused frame (frame-ancestors)');
    },
  );
});
