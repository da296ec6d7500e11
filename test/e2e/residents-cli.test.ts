import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';
import { cliPath } from '../helpers/processes.ts';

const exec = promisify(execFile);

async function latchkey(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [cliPath, ...args], {
      env: { ...process.env, LATCHKEY_TOKEN: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function csvFile(t: { after: (fn: () => void) => void }, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-residents-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'residents.csv');
  writeFileSync(file, text);
  return file;
}

describe('latchkey residents --help', () => {
  it('explains the command and refuses wrong usage with exit 2', async () => {
    const help = await latchkey(['residents', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /latchkey residents import FILE --site ID/);
    assert.match(help.stdout, /LATCHKEY_TOKEN/);
    const noSite = await latchkey(['residents', 'import', 'x.csv', '--token', 't']);
    assert.equal(noSite.code, 2);
    assert.match(noSite.stderr, /--site is required/);
    const noToken = await latchkey(['residents', 'import', 'x.csv', '--site', 's']);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /LATCHKEY_TOKEN/);
  });
});

for (const dialect of testDialects) {
  describe(`latchkey residents import (${dialect.name})`, () => {
    it('previews, reports row errors with exit 1, and imports with a token', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const anna = await registerAccount(cloud);
      const site = (
        await anna.client.post('/api/sites', { name: 'Block B', type: 'apartment-building' })
      ).body;
      const made = await anna.client.post('/api/tokens', { name: 'import', scope: 'manage' });
      assert.equal(made.status, 201, made.text);
      const token = made.body.token as string;
      const cloudArgs = ['--site', site.id, '--cloud', cloud.url];

      const bad = csvFile(t, 'apartment,name,pin\n1,Anna,4821\n1,Ben,4821\n2,Cyril,12x\n');
      const preview = await latchkey([
        'residents',
        'import',
        bad,
        ...cloudArgs,
        '--dry-run',
        '--token',
        token,
      ]);
      assert.equal(preview.code, 1, preview.stderr);
      assert.match(preview.stdout, /Dry run, nothing changed: would create 1/);
      assert.match(preview.stderr, /row 3, pin: Row 2 has the same PIN/);
      assert.match(preview.stderr, /row 4, pin: A PIN has 2 to 15 digits/);
      assert.match(preview.stderr, /Uploading/);
      const refused = await latchkey(['residents', 'import', bad, ...cloudArgs], {
        LATCHKEY_TOKEN: token,
      });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /nothing was imported\. \(IMPORT_HAS_ERRORS\)/);
      assert.match(refused.stderr, /row 3, pin/);
      assert.equal((await anna.client.get(`/api/sites/${site.id}/residents`)).body.items.length, 0);

      const good = csvFile(t, 'apartment,name,pin\n1,Anna,4821\n1,Ben,4822\n2,Cyril,4823\n');
      const applied = await latchkey(['residents', 'import', good, ...cloudArgs], {
        LATCHKEY_TOKEN: token,
      });
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /Imported: created 3, updated 0 resident\(s\)\./);
      assert.equal((await anna.client.get(`/api/sites/${site.id}/residents`)).body.items.length, 3);

      const again = await latchkey(['residents', 'import', good, ...cloudArgs, '--token', token]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /created 0, updated 3/);

      const notAFile = csvFile(t, 'who,what\n');
      const local = await latchkey([
        'residents',
        'import',
        notAFile,
        ...cloudArgs,
        '--token',
        token,
      ]);
      assert.equal(local.code, 1);
      assert.match(local.stderr, /Unknown column "who"/);
      const huge = csvFile(t, `apartment,name\n${'1,x\n'.repeat(600_000)}`);
      const tooBig = await latchkey(['residents', 'import', huge, ...cloudArgs, '--token', token]);
      assert.equal(tooBig.code, 1);
      assert.match(tooBig.stderr, /larger than a residents import takes/);
      const wrongToken = await latchkey([
        'residents',
        'import',
        good,
        ...cloudArgs,
        '--token',
        'nope',
      ]);
      assert.equal(wrongToken.code, 1);
      assert.match(wrongToken.stderr, /UNAUTHENTICATED/);
    });
  });
}
