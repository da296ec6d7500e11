import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openStore } from '../../src/cloud/store/store.ts';
import { testDialects, type TestDatabase } from '../helpers/databases.ts';
import { cliPath, freePort, spawnCli, waitForHttp } from '../helpers/processes.ts';

const exec = promisify(execFile);
const SENTENCE = 'Set the same LATCHKEY_MASTER_KEY on every node of the cloud';

/** The environment of a child process, with the master key given or none at all. */
function envWithKey(key: string | null): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LATCHKEY_MASTER_KEY;
  if (key !== null) env.LATCHKEY_MASTER_KEY = key;
  return env;
}

/** Runs `latchkey <args>` to its end; a node that starts instead of refusing is stopped. */
async function latchkey(args: string[], cwd: string, key: string | null) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [cliPath, ...args], {
      cwd,
      env: envWithKey(key),
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function tempFolder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The shared database as a URL every node of the test is given, whatever the dialect. */
function databaseUrl(database: TestDatabase): string {
  return database.databaseUrl ?? `sqlite:${join(database.dataDir, 'latchkey.db')}`;
}

/** What a refused node must not change: the registry and the check value. */
async function databaseState(url: string, scratch: string) {
  const store = await openStore({ dataDir: scratch, databaseUrl: url });
  try {
    return {
      devices: (
        await store.db
          .selectFrom('devices')
          .select('serial_number')
          .orderBy('serial_number')
          .execute()
      ).map((row) => row.serial_number),
      check: await store.db.selectFrom('master_key_check').selectAll().execute(),
    };
  } finally {
    await store.close();
  }
}

async function serveUntilReady(
  t: { after: (fn: () => Promise<void>) => void },
  args: string[],
  cwd: string,
  key: string | null,
) {
  const port = await freePort();
  const server = spawnCli(['serve', '--port', String(port), '--host', '127.0.0.1', ...args], {
    cwd,
    env: envWithKey(key),
  });
  t.after(() => server.stop());
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  return server;
}

async function serveToExit(args: string[], cwd: string, key: string | null) {
  const port = await freePort();
  return latchkey(['serve', '--port', String(port), '--host', '127.0.0.1', ...args], cwd, key);
}

for (const dialect of testDialects) {
  describe(`one master key per cloud (${dialect.name})`, () => {
    it('refuses a node or mint with another key or none, changing nothing; the same key starts', async (t) => {
      const database = await dialect.create();
      t.after(() => database.drop());
      const url = databaseUrl(database);
      const work = tempFolder(t);
      const first = join(work, 'node-a');
      const other = join(work, 'node-b');
      // The first node's key: created in its data folder by the first mint.
      const minted = await latchkey(
        ['mint', '--count', '2', '--out', 'devices', '--data', first, '--database', url],
        work,
        null,
      );
      assert.equal(minted.code, 0, minted.stderr);
      const key = readFileSync(join(first, 'master.key'), 'utf8').trim();
      const before = await databaseState(url, join(work, 'scratch'));
      assert.equal(before.devices.length, 2);
      assert.equal(before.check.length, 1);
      assert.equal(
        before.check[0]!.check_value.includes(key),
        false,
        'the check value is not the key',
      );

      const anotherKey = randomBytes(32).toString('hex');
      const refusals = {
        'a node without a key source': await serveToExit(
          ['--data', other, '--database', url],
          work,
          null,
        ),
        'a node with another key': await serveToExit(
          ['--data', other, '--database', url],
          work,
          anotherKey,
        ),
        'mint with another key': await latchkey(
          ['mint', '--count', '1', '--out', 'more', '--database', url],
          work,
          anotherKey,
        ),
      };
      for (const [who, result] of Object.entries(refusals)) {
        assert.equal(result.code, 1, `${who}: ${result.stdout}${result.stderr}`);
        assert.ok(result.stderr.includes(SENTENCE), `${who}: ${result.stderr}`);
        assert.ok(result.stderr.includes('Nothing was changed.'), `${who}: ${result.stderr}`);
      }
      assert.equal(existsSync(other), false, 'the refused node created no data folder or key');
      assert.equal(existsSync(join(work, 'more')), false, 'the refused mint wrote no identities');
      assert.equal(existsSync(join(work, 'data')), false);
      assert.deepEqual(await databaseState(url, join(work, 'scratch')), before);

      // Another node given the cloud's key starts, and so does mint with it.
      await serveUntilReady(t, ['--data', other, '--database', url], work, key);
      const more = await latchkey(
        ['mint', '--count', '1', '--out', 'more', '--database', url],
        work,
        key,
      );
      assert.equal(more.code, 0, more.stderr);
      assert.equal(readdirSync(join(work, 'more')).length, 1);
    });

    it('refuses a key that cannot open the device secrets of a database from before the check value', async (t) => {
      const database = await dialect.create();
      t.after(() => database.drop());
      const url = databaseUrl(database);
      const work = tempFolder(t);
      const key = randomBytes(32).toString('hex');
      const minted = await latchkey(
        ['mint', '--count', '1', '--out', 'devices', '--database', url],
        work,
        key,
      );
      assert.equal(minted.code, 0, minted.stderr);
      // A database written before issue 14: devices, no check value.
      const store = await openStore({ dataDir: join(work, 'scratch'), databaseUrl: url });
      await store.db.deleteFrom('master_key_check').execute();
      await store.close();

      const refused = await serveToExit(
        ['--data', join(work, 'b'), '--database', url],
        work,
        randomBytes(32).toString('hex'),
      );
      assert.equal(refused.code, 1, refused.stderr);
      assert.ok(refused.stderr.includes(SENTENCE), refused.stderr);
      assert.deepEqual((await databaseState(url, join(work, 'scratch'))).check, []);

      await serveUntilReady(t, ['--data', join(work, 'a'), '--database', url], work, key);
      assert.equal((await databaseState(url, join(work, 'scratch'))).check.length, 1);
    });

    it('refuses mint --database without LATCHKEY_MASTER_KEY or --data, creating nothing', async (t) => {
      const database = await dialect.create();
      t.after(() => database.drop());
      const url = databaseUrl(database);
      const work = tempFolder(t);
      const result = await latchkey(
        ['mint', '--count', '1', '--out', 'devices', '--database', url],
        work,
        null,
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /set LATCHKEY_MASTER_KEY to the key every node uses/);
      assert.deepEqual(readdirSync(work), [], 'no ./data, no ./devices');
      if (database.databaseUrl === undefined) {
        assert.equal(existsSync(join(database.dataDir, 'latchkey.db')), false);
      } else {
        assert.deepEqual((await databaseState(url, join(work, 'scratch'))).devices, []);
      }
    });
  });
}
