import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeIdentityFile } from '../../src/cloud/identity.writer.ts';
import type { MintedDevice } from '../../src/cloud/services/registry.service.ts';
import { startDevice, type RunningDevice } from '../../src/device/device.server.ts';
import { DeviceLinkClient } from '../../src/device/link/link.client.ts';
import type { CleanupContext } from './cloud.ts';

export interface LinkedEmulator {
  running: RunningDevice;
  link: DeviceLinkClient;
  identityFile: string;
  dataDir: string;
}

/** Writes a minted device's identity.json into a temp folder (as `latchkey mint` does). */
export function identityFolder(t: CleanupContext, device: MintedDevice) {
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-emulator-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const identityFile = join(folder, 'identity.json');
  writeIdentityFile(identityFile, device);
  return { identityFile, dataDir: join(folder, 'data') };
}

/**
 * Starts an emulator for a minted device and links it to the cloud at `cloudUrl`. Remote
 * configuration relays to the emulator's own HTTP server, or to `options.webUrl` (a test's
 * misbehaving server).
 */
export async function startLinkedEmulator(
  t: CleanupContext,
  device: MintedDevice,
  cloudUrl: string,
  paths = identityFolder(t, device),
  apiAccounts?: Array<{ username: string; password: string }>,
  options: { webUrl?: string } = {},
): Promise<LinkedEmulator> {
  const running = await startDevice({
    ...paths,
    port: 0,
    adminPassword: 'emulator-admin-1',
    ...(apiAccounts ? { apiAccounts } : {}),
  });
  const link = new DeviceLinkClient(running.device, {
    cloudUrl,
    // Issue 19: remote configuration relays to the emulator's own HTTP port.
    webUrl: options.webUrl ?? running.url,
    minBackoffMs: 50,
    maxBackoffMs: 400,
  });
  link.start();
  t.after(async () => {
    await link.stop();
    await running.close();
  });
  return { running, link, ...paths };
}
