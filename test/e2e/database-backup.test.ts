import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { startServeProcess, type MintedByCli } from '../helpers/cli-rig.ts';
import { postgresTestDialect } from '../helpers/databases.ts';
import { claim, createSite, registerAccount } from '../helpers/factories.ts';
import { ApiClient } from '../helpers/http.ts';
import { cliPath, spawnCli, spawnServe } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

const exec = promisify(execFile);

/** `latchkey <args>` to its end: exit code and output, never a throw. */
async function latchkey(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env: { ...process.env, LATCHKEY_MASTER_KEY: '', ...options.env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function workFolder(t: { after(fn: () => void): void }): string {
  const work = mkdtempSync(join(tmpdir(), 'latchkey-database-backup-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  return work;
}

async function mint(work: string, count: number): Promise<MintedByCli[]> {
  const minted = await latchkey(
    [
      'mint',
      ...['--count', String(count), '--out', join(work, 'devices'), '--data', join(work, 'data')],
      ...['--no-certificate', '--json'],
    ],
    { cwd: work },
  );
  assert.equal(minted.code, 0, minted.stderr);
  return JSON.parse(minted.stdout) as MintedByCli[];
}

/** Every serial number of a site, following the cursor. */
async function siteSerials(client: ApiClient, siteId: string): Promise<Set<string>> {
  const serials = new Set<string>();
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`;
    const page = await client.get(`/api/sites/${siteId}/devices${query}`);
    assert.equal(page.status, 200, page.text);
    for (const device of page.body.items as { serialNumber: string }[]) {
      serials.add(device.serialNumber);
    }
    cursor = page.body.nextCursor as string | null;
  } while (cursor !== null);
  return serials;
}

/** `{ path: mode }` of a folder and its files. */
function modes(folder: string): Record<string, string> {
  const found: Record<string, string> = { '.': (statSync(folder).mode & 0o777).toString(8) };
  for (const name of readdirSync(folder)) {
    found[name] = (statSync(join(folder, name)).mode & 0o777).toString(8);
  }
  return found;
}

describe('latchkey backup while claims run, then latchkey restore', () => {
  it('finds every claim answered before the backup started, in a cloud that works', async (t) => {
    const work = workFolder(t);
    const server = await startServeProcess(t, work);
    const devices = await mint(work, 2000);
    const spare = devices.pop()!;
    const anna = await registerAccount({ url: server.url });
    const site = await createSite(anna.client, 'Depot');

    // Claims over HTTP, two at a time, until told to stop.
    const answered: string[] = [];
    const attempted = new Set<string>();
    let stop = false;
    let next = 0;
    const worker = async () => {
      while (!stop && next < devices.length) {
        const device = devices[next++]!;
        attempted.add(device.serialNumber);
        const response = await claim(
          anna.client,
          site.id,
          device.serialNumber,
          device.securityCode,
        );
        assert.equal(response.status, 201, response.text);
        answered.push(device.serialNumber);
      }
    };
    const claiming = Promise.all([worker(), worker()]);

    await waitFor('the first claims', () => answered.length >= 40, 30_000);
    const beforeBackup = [...answered];
    const backup = await latchkey(
      ['backup', '--out', join(work, 'latchkey-backup.db'), '--data', server.dataDir],
      { cwd: work },
    );
    const afterBackup = answered.length;
    assert.equal(backup.code, 0, backup.stderr);
    // The backup is online: the cloud answered claims while the backup process ran.
    assert.ok(afterBackup > beforeBackup.length, 'claims were answered during the backup');
    assert.match(backup.stdout, /Backup written to .*latchkey-backup\.db/);
    assert.match(backup.stdout, /The master key is not in it/);
    assert.ok(backup.stdout.includes(join(server.dataDir, 'master.key')), backup.stdout);
    assert.match(backup.stderr, /Copying pages: \d+\/\d+/);
    assert.equal(existsSync(join(work, 'latchkey-backup.db.partial')), false);
    assert.equal(modes(work)['latchkey-backup.db'], '600');

    // The cloud kept answering claims after the backup.
    await waitFor('claims after the backup', () => answered.length > afterBackup + 10, 30_000);
    stop = true;
    await claiming;
    await server.stop();

    const restoredDir = join(work, 'restored');
    const restore = await latchkey(
      [
        'restore',
        join(work, 'latchkey-backup.db'),
        '--data',
        restoredDir,
        '--master-key-file',
        join(server.dataDir, 'master.key'),
      ],
      { cwd: work },
    );
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /Restored into/);
    assert.deepEqual(modes(restoredDir), { '.': '700', 'latchkey.db': '600', 'master.key': '600' });

    const restored = await spawnServe(['--host', '127.0.0.1', '--data', restoredDir], {
      cwd: work,
    });
    t.after(() => restored.stop());
    const client = new ApiClient(restored.url);
    const login = await client.post('/api/auth/login', {
      email: anna.email,
      password: anna.password,
    });
    assert.equal(login.status, 200, login.text);
    const serials = await siteSerials(client, site.id);
    const missing = beforeBackup.filter((serial) => !serials.has(serial));
    assert.deepEqual(missing, [], `claims answered before the backup started are missing`);
    for (const serial of serials) assert.ok(attempted.has(serial), `${serial} was claimed`);
    assert.ok(serials.size < answered.length, 'the claims after the backup are not in it');

    // The restored cloud opens device secrets (the key came with it) and takes new claims.
    const added = await claim(client, site.id, spare.serialNumber, spare.securityCode);
    assert.equal(added.status, 201, added.text);
    assert.equal(added.body.outcome, 'added');
  });
});

describe('latchkey backup and restore refuse, and change nothing', () => {
  let work: string;
  let dataDir: string;
  let backupFile: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'latchkey-database-backup-refusals-'));
    const server = await startServeProcess({ after: () => {} }, work);
    try {
      await mint(work, 2);
      dataDir = server.dataDir;
      backupFile = join(work, 'good.db');
      const made = await latchkey(['backup', '--out', backupFile, '--data', dataDir]);
      assert.equal(made.code, 0, made.stderr);
    } finally {
      await server.stop();
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const keyFile = () => join(dataDir, 'master.key');

  /** A restore that must fail with `message`, leaving `target` as it was (absent or listed). */
  async function refusedRestore(args: string[], message: RegExp, env: NodeJS.ProcessEnv = {}) {
    const target = join(work, `target-${randomBytes(4).toString('hex')}`);
    const result = await latchkey(['restore', ...args, '--data', target], { env });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /Nothing was written/);
    assert.equal(existsSync(target), false, 'the data folder was not created');
  }

  it('refuses a folder that is not empty, and leaves it as it was', async () => {
    const target = join(work, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'keep me\n');
    const result = await latchkey([
      'restore',
      backupFile,
      '--data',
      target,
      '--master-key-file',
      keyFile(),
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is not empty \(it holds notes\.txt\): restore into an empty/);
    assert.deepEqual(readdirSync(target), ['notes.txt']);
    assert.equal(readFileSync(join(target, 'notes.txt'), 'utf8'), 'keep me\n');

    // A key placed in the folder beforehand is no exception: it comes with --master-key-file.
    const keyed = join(work, 'keyed');
    mkdirSync(keyed);
    copyFileSync(keyFile(), join(keyed, 'master.key'));
    const withKey = await latchkey(['restore', backupFile, '--data', keyed]);
    assert.equal(withKey.code, 1);
    assert.match(withKey.stderr, /holds master\.key.*--master-key-file/);
    assert.deepEqual(readdirSync(keyed), ['master.key']);

    const file = join(work, 'a-file');
    writeFileSync(file, 'not a folder\n');
    const notFolder = await latchkey(['restore', backupFile, '--data', file]);
    assert.equal(notFolder.code, 1);
    assert.match(notFolder.stderr, /a-file is not a folder/);
    assert.equal(readFileSync(file, 'utf8'), 'not a folder\n');
  });

  it('refuses a truncated file', async () => {
    const truncated = join(work, 'truncated.db');
    const bytes = readFileSync(backupFile);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await refusedRestore(
      [truncated, '--master-key-file', keyFile()],
      /is (damaged|not a sound SQLite database)/,
    );
  });

  it('refuses a forged file whose pages were overwritten', async () => {
    const forged = join(work, 'forged.db');
    const bytes = Buffer.from(readFileSync(backupFile));
    // Page 2 onwards (4,096-byte pages): b-tree pages no longer parse.
    bytes.fill(0x5a, 4096, 4096 * 8);
    writeFileSync(forged, bytes);
    await refusedRestore(
      [forged, '--master-key-file', keyFile()],
      /is (damaged|not a sound SQLite database)/,
    );
  });

  it('refuses a file that is no database at all', async () => {
    const text = join(work, 'notes.db');
    writeFileSync(text, 'not a database\n'.repeat(500));
    await refusedRestore([text, '--master-key-file', keyFile()], /is not a sound SQLite database/);
  });

  it('refuses a SQLite database that is not Latchkey’s', async () => {
    const other = join(work, 'other.db');
    const database = new SqliteDatabase(other);
    database.exec('create table notes (body text); insert into notes values (1)');
    database.close();
    await refusedRestore([other, '--master-key-file', keyFile()], /not a Latchkey one/);
  });

  it('refuses a backup from a newer Latchkey', async () => {
    const newer = join(work, 'newer.db');
    copyFileSync(backupFile, newer);
    const database = new SqliteDatabase(newer);
    database
      .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
      .run('9999_from_the_future', new Date().toISOString());
    database.close();
    await refusedRestore(
      [newer, '--master-key-file', keyFile()],
      /comes from a newer Latchkey \(migrations 9999_from_the_future/,
    );
  });

  it('refuses a wrong master key, from a file or the environment, and no key at all', async () => {
    const wrong = join(work, 'wrong.key');
    writeFileSync(wrong, `${randomBytes(32).toString('hex')}\n`);
    await refusedRestore(
      [backupFile, '--master-key-file', wrong],
      /The master key \(.*wrong\.key\) is not the key of the cloud this backup comes from.*--master-key-file/,
    );
    await refusedRestore([backupFile], /The master key \(LATCHKEY_MASTER_KEY\) is not the key/, {
      LATCHKEY_MASTER_KEY: randomBytes(32).toString('hex'),
    });
    await refusedRestore([backupFile], /needs the master key .* never in the backup/);
  });

  it('restores with the key from the environment, and writes no key file', async () => {
    const target = join(work, 'from-env');
    const key = readFileSync(keyFile(), 'utf8').trim();
    const result = await latchkey(['restore', backupFile, '--data', target], {
      env: { LATCHKEY_MASTER_KEY: key },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /same LATCHKEY_MASTER_KEY/);
    assert.deepEqual(readdirSync(target), ['latchkey.db']);
  });

  it('refuses to overwrite a file without --force, and replaces it with --force', async () => {
    const existing = join(work, 'existing.db');
    writeFileSync(existing, 'an older backup\n');
    const refused = await latchkey(['backup', '--out', existing, '--data', dataDir]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /existing\.db exists: give another --out, or --force/);
    assert.equal(readFileSync(existing, 'utf8'), 'an older backup\n');
    assert.equal(existsSync(`${existing}.partial`), false);

    const forced = await latchkey(['backup', '--out', existing, '--data', dataDir, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(existing).subarray(0, 15).toString(), 'SQLite format 3');
  });

  it('refuses a partial file left by another backup', async () => {
    const out = join(work, 'busy.db');
    writeFileSync(`${out}.partial`, 'someone else is writing\n');
    const refused = await latchkey(['backup', '--out', out, '--data', dataDir]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /busy\.db\.partial exists: another latchkey backup/);
    assert.equal(readFileSync(`${out}.partial`, 'utf8'), 'someone else is writing\n');
    assert.equal(existsSync(out), false);
  });

  it('refuses a PostgreSQL database, pointing to pg_dump, without echoing the URL', async () => {
    const out = join(work, 'pg.db');
    const refused = await latchkey([
      'backup',
      '--out',
      out,
      '--database',
      'postgres://latchkey:s3cret@db.example:5432/latchkey',
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /pg_dump \(see docs\/operations\/backup\.md\)/);
    assert.doesNotMatch(refused.stderr, /s3cret/);
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(join(work, 'data', 'pg.db')), false);
  });

  it('refuses a data folder with no database', async () => {
    const refused = await latchkey([
      'backup',
      '--out',
      join(work, 'none.db'),
      '--data',
      join(work, 'nowhere'),
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /There is no database at .*nowhere/);
    assert.equal(existsSync(join(work, 'nowhere')), false);
  });
});

describe('latchkey backup stopped by Ctrl-C', () => {
  it('leaves no partial file, and FILE whole or absent', async (t) => {
    const work = workFolder(t);
    const dataDir = join(work, 'data');
    const made = await latchkey(['migrate', '--data', dataDir]);
    assert.equal(made.code, 0, made.stderr);
    // 64 MiB of pages: a copy of hundreds of steps, for the signal to land in.
    const database = new SqliteDatabase(join(dataDir, 'latchkey.db'));
    database.exec('create table ballast (body blob)');
    const insert = database.prepare('insert into ballast values (?)');
    database.transaction(() => {
      for (let i = 0; i < 64; i++) insert.run(randomBytes(1024 * 1024));
    })();
    database.close();

    const out = join(work, 'stopped.db');
    const backup = spawnCli(['backup', '--out', out, '--data', dataDir], { cwd: work });
    await waitFor(
      'the first progress line',
      () => /Copying pages: 0\//.test(backup.output()),
      30_000,
    );
    backup.child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => {
      if (backup.child.exitCode !== null) resolve(backup.child.exitCode);
      else backup.child.once('exit', resolve);
    });
    assert.equal(existsSync(`${out}.partial`), false, 'no partial file is left');
    assert.equal(existsSync(`${out}.partial-journal`), false);
    if (code === 130) {
      assert.match(backup.output(), /stopped by SIGINT; nothing was written/);
      assert.equal(existsSync(out), false);
    } else {
      // The copy ended before the signal came: then FILE is the whole backup.
      assert.equal(code, 0, backup.output());
      const copy = new SqliteDatabase(out, { readonly: true });
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
      copy.close();
    }
  });
});

describe('latchkey migrate', () => {
  it('applies the migrations of a new SQLite database once, then has none to apply', async (t) => {
    const work = workFolder(t);
    const first = await latchkey(['migrate', '--data', join(work, 'data')]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^applied 0001_initial$/m);
    assert.match(first.stdout, /\d+ migrations applied/);
    const second = await latchkey(['migrate', '--data', join(work, 'data')]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /up to date, no migration to apply/);
  });

  it('runs on two PostgreSQL nodes at once: each migration is applied once', async (t: TestContext) => {
    const database = await postgresTestDialect.create();
    t.after(() => database.drop());
    const url = database.databaseUrl!;
    const [a, b] = await Promise.all([
      latchkey(['migrate', '--database', url]),
      latchkey(['migrate', '--database', url]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const applied = [
      ...a.stdout.matchAll(/^applied (\S+)$/gm),
      ...b.stdout.matchAll(/^applied (\S+)$/gm),
    ].map((m) => m[1]!);
    assert.ok(applied.includes('0001_initial'));
    assert.equal(new Set(applied).size, applied.length, 'no migration was applied twice');
    assert.doesNotMatch(a.stdout + b.stdout, /s3cret|postgres:\/\/[^@\s]+:[^@\s]+@/);
  });
});

describe('--help of backup, restore and migrate', () => {
  it('explains each command, and the command list names them', async () => {
    const backup = await latchkey(['backup', '--help']);
    assert.equal(backup.code, 0);
    assert.match(backup.stdout, /Usage: latchkey backup --out FILE \[--data DIR\]/);
    assert.match(backup.stdout, /master key is never in the backup/);
    assert.match(backup.stdout, /--force/);
    const restore = await latchkey(['restore', '--help']);
    assert.equal(restore.code, 0);
    assert.match(restore.stdout, /Usage: latchkey restore FILE --data DIR/);
    assert.match(restore.stdout, /--master-key-file/);
    assert.match(restore.stdout, /LATCHKEY_MASTER_KEY/);
    const migrate = await latchkey(['migrate', '--help']);
    assert.equal(migrate.code, 0);
    assert.match(migrate.stdout, /Usage: latchkey migrate \[--data DIR \| --database URL\]/);
    const list = await latchkey(['--help']);
    assert.match(list.stdout, /backup +Back up the SQLite database/);
    assert.match(list.stdout, /restore +Restore a backup/);
    assert.match(list.stdout, /migrate +Apply database migrations/);
    const noOut = await latchkey(['backup']);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /--out is required/);
    const noData = await latchkey(['restore', 'x.db']);
    assert.equal(noData.code, 2);
    assert.match(noData.stderr, /--data is required/);
  });
});
