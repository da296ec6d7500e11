import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { testDialects, type TestDialect } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';
import { cliPath, freePort, spawnServe } from '../helpers/processes.ts';

const exec = promisify(execFile);

async function latchkey(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [cliPath, ...args], {
      env: { ...process.env, LATCHKEY_TOKEN: '', ...env },
      cwd,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A real `latchkey serve` on the dialect's database, devices minted with `latchkey mint`. */
async function startCloudProcess(t: TestContext, dialect: TestDialect, count: number) {
  const database = await dialect.create();
  const work = mkdtempSync(join(tmpdir(), 'latchkey-claim-cli-'));
  const store = ['--data', join(work, 'data')];
  if (database.databaseUrl) store.push('--database', database.databaseUrl);
  const server = await spawnServe(['--host', '127.0.0.1', ...store], { cwd: work });
  t.after(async () => {
    await server.stop();
    await database.drop();
    rmSync(work, { recursive: true, force: true });
  });
  const minted = await latchkey(
    ['mint', '--count', String(count), '--out', join(work, 'devices'), ...store, '--json'],
    {},
    work,
  );
  assert.equal(minted.code, 0, minted.stderr);
  const devices = JSON.parse(minted.stdout) as { serialNumber: string; securityCode: string }[];
  return { url: server.url, work, devices };
}

describe('latchkey claim --help', () => {
  it('explains the command and refuses wrong usage with exit 2', async () => {
    const help = await latchkey(['claim', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /latchkey claim --csv FILE --site ID/);
    assert.match(help.stdout, /LATCHKEY_TOKEN/);
    assert.match(help.stdout, /Exit status/);
    const list = await latchkey(['--help']);
    assert.match(list.stdout, /claim +Add the devices of a CSV file to a site/);
    const noSite = await latchkey(['claim', '--csv', 'x.csv', '--token', 't']);
    assert.equal(noSite.code, 2);
    assert.match(noSite.stderr, /--site is required/);
    const noToken = await latchkey(['claim', '--csv', 'x.csv', '--site', 's']);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /LATCHKEY_TOKEN/);
  });
});

for (const dialect of testDialects) {
  describe(`latchkey claim against a running cloud (${dialect.name})`, () => {
    it('adds a file of mixed rows in parts, prints the summary, writes the results CSV', async (t) => {
      const { url, work, devices } = await startCloudProcess(t, dialect, 4);
      const [a, b, c, d] = devices;
      const anna = await registerAccount({ url });
      const site = (await anna.client.post('/api/sites', { name: 'Depot' })).body as { id: string };
      const made = await anna.client.post('/api/tokens', { name: 'bulk', scope: 'manage' });
      assert.equal(made.status, 201, made.text);
      const token = made.body.token as string;

      const wrong = d!.securityCode.slice(0, -1) + (d!.securityCode.endsWith('0') ? '1' : '0');
      const input = join(work, 'devices.csv');
      writeFileSync(
        input,
        [
          'serialNumber,securityCode',
          `${a!.serialNumber},${a!.securityCode}`,
          `${b!.serialNumber},${b!.securityCode.toLowerCase()}`,
          '54-0562-029,AAAA-AAAA-AAAA-AAAA',
          `${d!.serialNumber},${wrong}`,
          `${c!.serialNumber},${c!.securityCode}`,
          `${a!.serialNumber},${a!.securityCode}`,
        ].join('\n') + '\n',
      );
      const run = await latchkey(
        ['claim', '--csv', input, '--site', site.id, '--cloud', url, '--chunk', '2'],
        { LATCHKEY_TOKEN: token },
      );
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /Added 3, moved 0, already in the site 1, failed 2 \(of 6 rows\)\./);
      assert.match(run.stdout, /1 × VALIDATION_FAILED: Some fields are not valid\./);
      assert.match(run.stdout, /1 × SECURITY_CODE_INVALID: The security code is not valid/);
      assert.match(run.stderr, /Adding/);
      const out = join(work, 'devices.results.csv');
      assert.match(
        run.stdout,
        new RegExp(`Results: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
      const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
      assert.equal(lines[0], 'row,serialNumber,outcome,errorCode,message');
      assert.deepEqual(
        lines.slice(1).map((line) => line.split(',').slice(0, 4).join(',')),
        [
          `2,${a!.serialNumber},added,`,
          `3,${b!.serialNumber},added,`,
          '4,54-0562-029,failed,VALIDATION_FAILED',
          `5,${d!.serialNumber},failed,SECURITY_CODE_INVALID`,
          `6,${c!.serialNumber},added,`,
          `7,${a!.serialNumber},already-here,ALREADY_IN_THIS_SITE`,
        ],
      );
      const listed = await anna.client.get(`/api/sites/${site.id}/devices`);
      assert.deepEqual(
        (listed.body.items as { serialNumber: string }[]).map((x) => x.serialNumber).sort(),
        [a!, b!, c!].map((x) => x.serialNumber).sort(),
      );

      // Run again with --token and --out: everything is already there, which is not a failure.
      const again = join(work, 'again.csv');
      const rerun = await latchkey([
        'claim',
        '--csv',
        input,
        '--site',
        site.id,
        '--cloud',
        url,
        '--token',
        token,
        '--out',
        again,
      ]);
      assert.equal(rerun.code, 1);
      assert.match(rerun.stdout, /already in the site 4, failed 2/);
      assert.equal(readFileSync(again, 'utf8').trimEnd().split('\r\n').length, 7);
    });

    it('says in one line when the token is refused or the cloud cannot be reached', async (t) => {
      const { url, work } = await startCloudProcess(t, dialect, 1);
      const input = join(work, 'one.csv');
      writeFileSync(input, '54-0562-0293,AAAA-AAAA-AAAA-AAAA\n');
      const badToken = await latchkey(['claim', '--csv', input, '--site', 's', '--cloud', url], {
        LATCHKEY_TOKEN: 'lk_not-a-token',
      });
      assert.equal(badToken.code, 1);
      const badLines = badToken.stderr
        .trim()
        .split('\n')
        .filter((l) => !/^Adding/.test(l));
      assert.equal(badLines.length, 1, badToken.stderr);
      assert.match(badLines[0]!, /^latchkey claim: .*\(UNAUTHENTICATED\)\. Check --token/);
      const port = await freePort();
      const unreachable = await latchkey(
        ['claim', '--csv', input, '--site', 's', '--cloud', `http://127.0.0.1:${port}`],
        { LATCHKEY_TOKEN: 't' },
      );
      assert.equal(unreachable.code, 1);
      const lines = unreachable.stderr
        .trim()
        .split('\n')
        .filter((l) => !/^Adding/.test(l));
      assert.equal(lines.length, 1, unreachable.stderr);
      assert.match(
        lines[0]!,
        /^latchkey claim: Cannot reach the cloud at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
    });
  });
}
