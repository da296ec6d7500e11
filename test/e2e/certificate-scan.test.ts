import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import jpeg from 'jpeg-js';
import type { Locator, Page } from 'playwright-core';
import QRCode from 'qrcode';
import {
  itAtEachViewport,
  launchBrowser,
  openPortalPage,
  screenshot,
  signInInPortal,
  shows as showsWithin,
} from '../helpers/browser.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { pdfToJpeg, qrPixels, readJpeg, writeY4m } from '../helpers/fake-camera.ts';
import { createSite, registerAccount } from '../helpers/factories.ts';
import type { ApiClient } from '../helpers/http.ts';
import { buildPortal } from '../helpers/portal-build.ts';
import { cliPath } from '../helpers/processes.ts';

const exec = promisify(execFile);

/** Generous: browser tests share two cores. */
const WAIT = { timeout: 15_000 };
const WIFI_QR = 'WIFI:S:Station Road 7;T:WPA;P:door-bell-2024;;';

interface Minted {
  serialNumber: string;
  securityCode: string;
}

function tempFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-scan-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * `latchkey mint` as a real process into the test cloud's registry (its data folder holds the
 * master key; on PostgreSQL `--database` names its database), certificates in `out`.
 */
async function mintWithCertificates(cloud: TestCloud, out: string, count: number) {
  const { dataDir, databaseUrl } = cloud.database;
  const args = [cliPath, 'mint', '--count', String(count), '--out', out, '--data', dataDir];
  if (databaseUrl) args.push('--database', databaseUrl);
  const { stdout } = await exec(process.execPath, [...args, '--json']);
  return (JSON.parse(stdout) as Minted[]).map((device) => ({
    ...device,
    certificate: join(out, device.serialNumber, 'certificate.pdf'),
  }));
}

async function siteSerials(client: ApiClient, siteId: string): Promise<string[]> {
  const response = await client.get(`/api/sites/${siteId}/devices`);
  assert.equal(response.status, 200, response.text);
  return (response.body.items as { serialNumber: string }[]).map((d) => d.serialNumber);
}

const shows = (page: Page, locator: Locator) => showsWithin(page, locator, WAIT);

/**
 * Keeps, in the page, every camera stream the portal opens (a script the browser injects, which
 * the page's Content-Security-Policy does not govern), so the test can tell the camera is off,
 * and collects the policy's violations.
 */
async function watchCameraAndPolicy(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|securitypolicyviolation/i.test(message.text())) {
      violations.push(message.text());
    }
  });
  await page.addInitScript({
    content: `(() => {
      window.__cameras = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error('securitypolicyviolation: ' + event.violatedDirective + ' ' + event.blockedURI);
      });
      const media = navigator.mediaDevices;
      if (!media) return;
      const open = media.getUserMedia.bind(media);
      media.getUserMedia = async (constraints) => {
        const stream = await open(constraints);
        window.__cameras.push(stream);
        return stream;
      };
    })();`,
  });
  return violations;
}

/** How many camera streams the page opened, and how many of their tracks still run. */
function cameras(page: Page): Promise<{ opened: number; live: number }> {
  return page.evaluate(`({
    opened: window.__cameras.length,
    live: window.__cameras.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length,
  })`);
}

async function openAddDialog(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Add device' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a device' });
  await shows(page, dialog);
  return dialog;
}

/** "Choose a photo" as a person clicks it, and the file they pick in the chooser. */
async function choosePhoto(page: Page, dialog: Locator, file: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await dialog.getByRole('button', { name: 'Choose a photo' }).click();
  await (await chooser).setFiles(file);
}

async function fields(dialog: Locator): Promise<Minted> {
  return {
    serialNumber: await dialog.getByLabel('Serial number').inputValue(),
    securityCode: await dialog.getByLabel('Security code').inputValue(),
  };
}

/** Presses Add and waits for the portal to say the device was added. */
async function confirmAdd(page: Page, dialog: Locator, serial: string): Promise<void> {
  await dialog.getByRole('button', { name: 'Add device' }).click();
  await shows(
    page,
    page.getByRole('status').getByText(`The device ${serial} was added to this site.`),
  );
}

/** A photo of something that is no QR code: grey stripes. */
function stripesJpeg(path: string): string {
  const width = 320;
  const height = 240;
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const shade = Math.floor((i % width) / 40) % 2 === 0 ? 90 : 200;
    data.fill(shade, i * 4, i * 4 + 3);
    data[i * 4 + 3] = 255;
  }
  writeFileSync(path, jpeg.encode({ width, height, data }, 90).data);
  return path;
}

describe('adding a device by scanning its certificate (issue 18)', () => {
  before(() => buildPortal());

  for (const dialect of testDialects) {
    itAtEachViewport(
      `the fake camera plays a minted certificate and a photo of another is chosen: both are added, other pictures are refused (${dialect.name})`,
      async (t, viewport) => {
        const work = tempFolder(t);
        const cloud = await startTestCloud(t, dialect);
        const alice = await registerAccount(cloud, { name: 'Alice Installer' });
        const site = await createSite(alice.client, 'Station Road 7');
        const [byCamera, byPhoto] = await mintWithCertificates(cloud, join(work, 'out'), 2);
        assert.ok(byCamera && byPhoto);

        // The camera films the first certificate; the second is photographed.
        const filmed = await pdfToJpeg(byCamera.certificate, join(work, 'filmed'));
        const video = join(work, 'certificate.y4m');
        await writeY4m(video, await readJpeg(filmed));
        // The photo is larger, as a phone's are (1166 × 1654): the decoder scales it down first.
        const photo = await pdfToJpeg(byPhoto.certificate, join(work, 'photo'), 200);
        const browser = await launchBrowser(t, [
          '--use-fake-ui-for-media-stream',
          '--use-fake-device-for-media-stream',
          `--use-file-for-fake-video-capture=${video}`,
        ]);
        const page = await openPortalPage(browser, viewport);
        const violations = await watchCameraAndPolicy(page);
        const shot = (step: string) => screenshot(page, `certificate-scan-${dialect.name}-${step}`);
        await signInInPortal(page, cloud.url, alice);
        await page.goto(`${cloud.url}/sites/${site.id}`);
        await shows(page, page.getByRole('heading', { name: 'Station Road 7', level: 1 }));

        // Camera: the fields fill with what the certificate says, the camera stops.
        let dialog = await openAddDialog(page);
        await shot('1-dialog');
        await dialog.getByRole('button', { name: 'Scan the certificate' }).click();
        const readNotice = dialog.getByRole('status').getByText('Read from the certificate');
        await shows(page, readNotice);
        assert.deepEqual(await fields(dialog), {
          serialNumber: byCamera.serialNumber,
          securityCode: byCamera.securityCode,
        });
        assert.equal(await dialog.getByLabel('Camera picture').count(), 0);
        assert.deepEqual(await cameras(page), { opened: 1, live: 0 }, 'the camera stopped');
        const hasDetector = await page.evaluate<boolean>("'BarcodeDetector' in window");
        const decoder = await dialog.locator('[data-decoder]').getAttribute('data-decoder');
        t.diagnostic(`BarcodeDetector in this Chromium: ${hasDetector}; decoded with ${decoder}`);
        if (!hasDetector) assert.equal(decoder, 'jsQR');
        await shot('2-read-by-camera');
        // Nothing is added before the person confirms.
        assert.deepEqual(await siteSerials(alice.client, site.id), []);
        await confirmAdd(page, dialog, byCamera.serialNumber);
        assert.deepEqual(await siteSerials(alice.client, site.id), [byCamera.serialNumber]);
        await shot('3-added-by-camera');

        // Photo: the same, from a chosen picture.
        dialog = await openAddDialog(page);
        await choosePhoto(page, dialog, photo);
        await shows(page, readNotice);
        assert.deepEqual(await fields(dialog), {
          serialNumber: byPhoto.serialNumber,
          securityCode: byPhoto.securityCode,
        });
        await shot('4-read-from-photo');
        await confirmAdd(page, dialog, byPhoto.serialNumber);
        assert.deepEqual(
          (await siteSerials(alice.client, site.id)).sort(),
          [byCamera.serialNumber, byPhoto.serialNumber].sort(),
        );

        // A photo without a QR code, and one of a foreign QR code: said so, fields untouched.
        dialog = await openAddDialog(page);
        await dialog.getByLabel('Serial number').fill('54-05');
        const alert = dialog.getByRole('alert');
        await choosePhoto(page, dialog, stripesJpeg(join(work, 'stripes.jpg')));
        await shows(page, alert.getByText('No QR code was found in this photo'));
        assert.deepEqual(await fields(dialog), { serialNumber: '54-05', securityCode: '' });
        await shot('5-no-qr-code');
        const foreign = join(work, 'foreign.png');
        await QRCode.toFile(foreign, WIFI_QR, { scale: 6 });
        await choosePhoto(page, dialog, foreign);
        await shows(page, alert.getByText('This QR code is not a Latchkey certificate'));
        assert.deepEqual(await fields(dialog), { serialNumber: '54-05', securityCode: '' });
        assert.equal(await readNotice.count(), 0);
        await shot('6-foreign-qr-code');
        const notAPicture = join(work, 'notes.jpg');
        writeFileSync(notAPicture, 'serial 54-05… (typed notes, not a picture)');
        await choosePhoto(page, dialog, notAPicture);
        await shows(page, alert.getByText('This file could not be opened as a picture'));
        assert.deepEqual(await fields(dialog), { serialNumber: '54-05', securityCode: '' });
        assert.equal((await siteSerials(alice.client, site.id)).length, 2);
        // The photos never opened the camera, and nothing broke the page's policy.
        assert.deepEqual(await cameras(page), { opened: 1, live: 0 });
        assert.deepEqual(violations, []);
      },
    );

    itAtEachViewport(
      `a foreign QR code before the camera is said so while it keeps looking, and a refused camera offers the photo (${dialect.name})`,
      async (t, viewport) => {
        const work = tempFolder(t);
        const cloud = await startTestCloud(t, dialect);
        const alice = await registerAccount(cloud, { name: 'Alice Installer' });
        const site = await createSite(alice.client, 'Station Road 7');
        const video = join(work, 'wifi.y4m');
        await writeY4m(video, qrPixels(WIFI_QR));
        const filming = await launchBrowser(t, [
          '--use-fake-ui-for-media-stream',
          '--use-fake-device-for-media-stream',
          `--use-file-for-fake-video-capture=${video}`,
        ]);
        const page = await openPortalPage(filming, viewport);
        const violations = await watchCameraAndPolicy(page);
        const shot = (p: Page, step: string) =>
          screenshot(p, `certificate-scan-${dialect.name}-camera-${step}`);
        await signInInPortal(page, cloud.url, alice);
        await page.goto(`${cloud.url}/sites/${site.id}`);

        const dialog = await openAddDialog(page);
        await dialog.getByLabel('Serial number').fill('54-05');
        await dialog.getByRole('button', { name: 'Scan the certificate' }).click();
        await shows(
          page,
          dialog.getByRole('alert').getByText('This QR code is not a Latchkey certificate'),
        );
        // Still scanning: the picture plays until the person stops it, and on a phone the
        // fields below it can still be reached and typed in.
        await shows(page, dialog.getByLabel('Camera picture'));
        await shot(page, '1-foreign-code');
        // (A click, unlike fill, needs the field inside the window, where a finger is.)
        await dialog.getByLabel('Security code').click({ timeout: 5_000 });
        await dialog.getByLabel('Security code').fill('KDX1-VG3J');
        await shows(page, dialog.getByLabel('Camera picture'));
        await dialog.getByRole('button', { name: 'Stop the camera' }).click();
        assert.equal(await dialog.getByLabel('Camera picture').count(), 0);
        assert.deepEqual(await cameras(page), { opened: 1, live: 0 }, 'Stop turned it off');
        await shows(page, dialog.getByRole('button', { name: 'Scan the certificate' }));
        assert.deepEqual(await fields(dialog), {
          serialNumber: '54-05',
          securityCode: 'KDX1-VG3J',
        });
        // Closing the dialog while the camera plays turns it off too.
        await dialog.getByRole('button', { name: 'Scan the certificate' }).click();
        await shows(page, dialog.getByLabel('Camera picture'));
        assert.deepEqual(await cameras(page), { opened: 2, live: 1 });
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        await dialog.waitFor({ state: 'detached', ...WAIT });
        // React runs an unmounted component's effect cleanups after the page changed: wait.
        await page.waitForFunction(
          "window.__cameras.flatMap((s) => s.getTracks()).every((t) => t.readyState === 'ended')",
          null,
          WAIT,
        );
        assert.deepEqual(await cameras(page), { opened: 2, live: 0 }, 'closing turned it off');
        assert.deepEqual(violations, []);

        // A browser that refuses the camera: the message, and the photo is still offered.
        const refusing = await launchBrowser(t, [
          '--use-fake-device-for-media-stream',
          '--deny-permission-prompts',
        ]);
        const other = await openPortalPage(refusing, viewport);
        await signInInPortal(other, cloud.url, alice);
        await other.goto(`${cloud.url}/sites/${site.id}`);
        const refused = await openAddDialog(other);
        await refused.getByRole('button', { name: 'Scan the certificate' }).click();
        const alert = refused.getByRole('alert');
        await shows(other, alert.getByText('The camera is not allowed'));
        await shows(other, alert.getByText('Choose a photo of the certificate instead.'));
        assert.equal(await refused.getByLabel('Camera picture').count(), 0);
        assert.ok(await refused.getByRole('button', { name: 'Choose a photo' }).isEnabled());
        await shot(other, '2-refused');
        assert.deepEqual(await siteSerials(alice.client, site.id), []);
      },
    );
  }
});
