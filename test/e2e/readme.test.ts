import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { cliPath, freePort, repoRoot, spawnCli, waitForHttp } from '../helpers/processes.ts';

const run = promisify(execFile);

/** The first ```sh block after the "Try it with curl" heading of the README. */
function readmeSnippet(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Try it with curl'));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'the README has a curl snippet');
  return match[1]!;
}

describe('README', () => {
  it('adds a minted device with the curl snippet as printed', async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'latchkey-readme-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    // `npx latchkey` in a checkout resolves the package's own bin; give the folder the same.
    mkdirSync(join(work, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(cliPath, join(work, 'node_modules', '.bin', 'latchkey'));
    writeFileSync(join(work, 'package.json'), '{"name":"readme-check","private":true}\n');

    const port = await freePort();
    const server = spawnCli(['serve', '--port', String(port), '--host', '127.0.0.1'], {
      cwd: work,
    });
    t.after(() => server.stop());
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);

    const snippet = readmeSnippet().replace(
      'API=http://127.0.0.1:8080',
      `API=http://127.0.0.1:${port}`,
    );
    assert.notEqual(snippet, readmeSnippet(), 'the snippet names the API address it uses');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', snippet], { cwd: work });
    const answer = JSON.parse(stdout.trim()) as {
      outcome: string;
      device: { serialNumber: string };
    };
    const minted = JSON.parse(readFileSync(join(work, 'minted.json'), 'utf8')) as {
      serialNumber: string;
    }[];
    assert.equal(answer.outcome, 'added', server.output());
    assert.equal(answer.device.serialNumber, minted[0]!.serialNumber);
    const certificate = readFileSync(
      join(work, 'devices', minted[0]!.serialNumber, 'certificate.pdf'),
    );
    assert.equal(certificate.subarray(0, 5).toString(), '%PDF-');
  });
});
