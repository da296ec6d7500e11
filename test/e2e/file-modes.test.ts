import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mintWithCli, startDeviceProcess, startServeProcess } from '../helpers/cli-rig.ts';

// The most permissive umask: every child process inherits it, so any mode below comes from the
// code, not from the umask (a umask of 0o022 would already hide group and world write bits).
process.umask(0o000);

function tempFolder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-modes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `{ path: mode }` of a folder and everything in it, paths relative to `root`. */
function modes(root: string, folder = root): Record<string, string> {
  const found: Record<string, string> = {
    [folder.slice(root.length) || '.']: (statSync(folder).mode & 0o777).toString(8),
  };
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) Object.assign(found, modes(root, path));
    else found[path.slice(root.length)] = (statSync(path).mode & 0o777).toString(8);
  }
  return found;
}

/** Asserts folders 0700 and files 0600, and that `expected` files are among them. */
function assertOwnerOnly(root: string, expected: string[]) {
  const found = modes(root);
  for (const name of expected)
    assert.ok(name in found, `${name} missing in ${JSON.stringify(found)}`);
  for (const [path, mode] of Object.entries(found)) {
    const folder = statSync(join(root, path)).isDirectory();
    assert.equal(mode, folder ? '700' : '600', `${path} in ${root}`);
  }
}

/** Makes every folder 0755 and every file 0644 under `root`, as before issue 14. */
function loosen(root: string) {
  chmodSync(root, 0o755);
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) loosen(path);
    else chmodSync(path, 0o644);
  }
}

describe('file modes', () => {
  it('serve keeps its data folder 0700 and the database, its -wal and -shm and master.key 0600', async (t) => {
    const work = tempFolder(t);
    const server = await startServeProcess(t, work);
    assertOwnerOnly(server.dataDir, [
      '/master.key',
      '/latchkey.db',
      '/latchkey.db-wal',
      '/latchkey.db-shm',
    ]);
  });

  it('serve tightens a data folder and its files left with loose modes', async (t) => {
    const work = tempFolder(t);
    const first = await startServeProcess(t, work);
    await first.stop();
    // Empty -wal and -shm files are valid for SQLite; a crash leaves them behind.
    writeFileSync(join(first.dataDir, 'latchkey.db-wal'), '');
    writeFileSync(join(first.dataDir, 'latchkey.db-shm'), '');
    loosen(first.dataDir);
    assert.equal(modes(first.dataDir)['/latchkey.db'], '644');
    await startServeProcess(t, work);
    assertOwnerOnly(first.dataDir, [
      '/master.key',
      '/latchkey.db',
      '/latchkey.db-wal',
      '/latchkey.db-shm',
    ]);
  });

  it('mint writes owner-only identities, certificates and per-device folders', async (t) => {
    const work = tempFolder(t);
    const minted = await mintWithCli(work, 2);
    const serials = minted.map((device) => device.serialNumber);
    assertOwnerOnly(join(work, 'devices'), [
      ...serials.map((serial) => `/${serial}/identity.json`),
      ...serials.map((serial) => `/${serial}/certificate.pdf`),
    ]);
    assertOwnerOnly(join(work, 'data'), ['/master.key', '/latchkey.db']);

    // Minting again over loose folders of an older version tightens what it writes into.
    loosen(join(work, 'devices'));
    loosen(join(work, 'data'));
    const more = await mintWithCli(work, 1);
    assertOwnerOnly(join(work, 'devices', more[0]!.serialNumber), ['/certificate.pdf']);
    assertOwnerOnly(join(work, 'data'), ['/master.key', '/latchkey.db']);
  });

  it('the device emulator keeps its data folder 0700 and its files 0600, tightening loose ones', async (t) => {
    const work = tempFolder(t);
    const [unit] = await mintWithCli(work, 1);
    const deviceDir = join(work, `device-${unit!.serialNumber}`);
    const device = await startDeviceProcess(t, work, unit!);
    const files = Object.keys(modes(deviceDir)).filter((path) => path !== '.');
    assert.ok(files.length > 0, 'the device wrote its state');
    assertOwnerOnly(deviceDir, files);

    await device.stop();
    loosen(deviceDir);
    await startDeviceProcess(t, work, unit!);
    assertOwnerOnly(deviceDir, files);
  });
});
