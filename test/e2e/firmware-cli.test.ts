import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { testDialects, type TestDialect } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';
import { firmwareImage } from '../helpers/firmware.ts';
import { cliPath, spawnServe } from '../helpers/processes.ts';

const exec = promisify(execFile);

async function latchkey(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [cliPath, ...args], {
      env: { ...process.env, LATCHKEY_TOKEN: '', LATCHKEY_MASTER_KEY: '', ...env },
      cwd,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A real `latchkey serve --firmware-uploads` on the dialect's database. */
async function startCloudProcess(t: TestContext, dialect: TestDialect) {
  const database = await dialect.create();
  const work = mkdtempSync(join(tmpdir(), 'latchkey-firmware-cli-'));
  const store = ['--data', join(work, 'data')];
  if (database.databaseUrl) store.push('--database', database.databaseUrl);
  const server = await spawnServe(['--host', '127.0.0.1', '--firmware-uploads', ...store], {
    cwd: work,
  });
  t.after(async () => {
    await server.stop();
    await database.drop();
    rmSync(work, { recursive: true, force: true });
  });
  return { url: server.url, work, store, databaseUrl: database.databaseUrl };
}

describe('latchkey firmware --help', () => {
  it('explains the command and refuses wrong usage with exit 2', async () => {
    const help = await latchkey(['firmware', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /latchkey firmware add FILE/);
    assert.match(help.stdout, /--firmware-uploads/);
    const list = await latchkey(['--help']);
    assert.match(list.stdout, /firmware +Add a firmware image to the catalogue/);
    const missing = await latchkey(['firmware', 'add', '/nonexistent/verso.fw']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /There is no file "\/nonexistent\/verso\.fw"/);
    const noKey = await latchkey(['firmware', 'add', 'x.fw', '--database', 'postgres://x/y']);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /LATCHKEY_MASTER_KEY/);
  });
});

for (const dialect of testDialects) {
  describe(`latchkey firmware add (${dialect.name})`, () => {
    it("adds the operator's image on the store and a company's over HTTP, and says what it refuses", async (t) => {
      const cloud = await startCloudProcess(t, dialect);
      const operatorFile = join(cloud.work, 'verso-2.41.fw');
      writeFileSync(operatorFile, firmwareImage('2.41.0.12'));
      // --data on SQLite; --database with --data (for the master key) on PostgreSQL.
      const added = await latchkey(['firmware', 'add', operatorFile, ...cloud.store, '--json']);
      assert.equal(added.code, 0, added.stderr);
      const operator = JSON.parse(added.stdout);
      assert.equal(operator.created, true);
      assert.equal(operator.scope, 'operator');
      assert.equal(operator.version, '2.41.0.12');
      const again = await latchkey(['firmware', 'add', operatorFile, ...cloud.store]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Already in the catalogue/);
      assert.match(again.stdout, new RegExp(operator.sha256));

      const anna = await registerAccount({ url: cloud.url });
      const token = (await anna.client.post('/api/tokens', { name: 'cli' })).body.token as string;
      const companyFile = join(cloud.work, 'verso-2.42.fw');
      writeFileSync(companyFile, firmwareImage('2.42.0.1', 'annas build'));
      const uploaded = await latchkey(['firmware', 'add', companyFile, '--cloud', cloud.url], {
        LATCHKEY_TOKEN: token,
      });
      assert.equal(uploaded.code, 0, uploaded.stderr);
      assert.match(uploaded.stdout, /Added to the catalogue/);
      assert.match(uploaded.stdout, /version +2\.42\.0\.1/);
      assert.match(uploaded.stdout, /scope +company/);
      assert.match(uploaded.stderr, /Uploading/);

      const listed = await anna.client.get('/api/firmware');
      assert.deepEqual(listed.body.items.map((i: { version: string }) => i.version).sort(), [
        '2.41.0.12',
        '2.42.0.1',
      ]);

      const notImage = join(cloud.work, 'notes.pdf');
      writeFileSync(notImage, '%PDF-1.7 release notes');
      const refused = await latchkey(['firmware', 'add', notImage, '--cloud', cloud.url], {
        LATCHKEY_TOKEN: token,
      });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /FIRMWARE_IMAGE_INVALID/);
      assert.match(refused.stderr, /LATCHKEY-FW\/1/);
      const onStore = await latchkey(['firmware', 'add', notImage, ...cloud.store]);
      assert.equal(onStore.code, 1);
      assert.match(onStore.stderr, /FIRMWARE_IMAGE_INVALID/);
      const badToken = await latchkey(
        ['firmware', 'add', companyFile, '--cloud', cloud.url, '--token', 'lk_not_a_token'],
        {},
      );
      assert.equal(badToken.code, 1);
      assert.match(badToken.stderr, /UNAUTHENTICATED/);
      assert.match(badToken.stderr, /Check --token/);
      assert.equal((await anna.client.get('/api/firmware')).body.items.length, 2);
    });
  });
}
