import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { deriveSecurityCode, formatSecurityCode } from '../../src/core/security-code.rules.ts';
import type { SerialNumber } from '../../src/core/serial.rules.ts';
import { cliPath } from '../helpers/processes.ts';

const exec = promisify(execFile);

async function latchkey(args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [cliPath, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function tempFolder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('latchkey mint', () => {
  it('writes an identity file (0600) and a PDF certificate per device and prints them as JSON', async (t) => {
    const dir = tempFolder(t);
    const result = await latchkey(
      ['mint', '--count', '3', '--out', 'out', '--data', 'data', '--json'],
      dir,
    );
    assert.equal(result.code, 0, result.stderr);
    const minted = JSON.parse(result.stdout) as {
      serialNumber: string;
      securityCode: string;
      model: string;
      identityFile: string;
    }[];
    assert.equal(minted.length, 3);
    assert.equal(new Set(minted.map((d) => d.serialNumber)).size, 3);
    for (const device of minted) {
      assert.match(device.serialNumber, /^\d{2}-\d{4}-\d{4}$/);
      const identity = JSON.parse(readFileSync(device.identityFile, 'utf8')) as {
        serialNumber: string;
        model: string;
        macAddress: string;
        secret: string;
      };
      assert.equal(statSync(device.identityFile).mode & 0o777, 0o600);
      assert.equal(identity.serialNumber, device.serialNumber);
      assert.match(identity.secret, /^[0-9a-f]{64}$/);
      assert.match(identity.macAddress, /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/);
      // The printed code is code(0) of the identity's secret (DESIGN.md "Security codes").
      const code0 = deriveSecurityCode(
        Buffer.from(identity.secret, 'hex'),
        identity.serialNumber as SerialNumber,
        0,
      );
      assert.equal(device.securityCode, formatSecurityCode(code0));
      const pdf = readFileSync(join(dir, 'out', device.serialNumber, 'certificate.pdf'));
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    }
    assert.match(result.stderr, /Minting: 3\/3/, 'a progress report on standard error');
  });

  it('prints serial and code per line without --json', async (t) => {
    const dir = tempFolder(t);
    const result = await latchkey(['mint', '--count', '1', '--out', 'out', '--data', 'data'], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\d{2}-\d{4}-\d{4} {2}[0-9A-Z]{4}(-[0-9A-Z]{4}){3}\n$/);
  });

  it('explains a missing or wrong --count and exits 2', async (t) => {
    const dir = tempFolder(t);
    const missing = await latchkey(['mint', '--out', 'out'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--count is required/);
    const wrong = await latchkey(['mint', '--count', 'many', '--out', 'out'], dir);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--count must be a whole number/);
  });
});

describe('latchkey fleet', () => {
  it('explains --link-when-started without --cloud, or not a whole number, and exits 2', async (t) => {
    const dir = tempFolder(t);
    const alone = await latchkey(['fleet', '--identities', dir, '--link-when-started', '8'], dir);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--link-when-started needs --cloud URL/);
    const wrong = await latchkey(
      ['fleet', '--identities', dir, '--cloud', 'http://127.0.0.1:9', '--link-when-started', '0'],
      dir,
    );
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--link-when-started must be a whole number from 1/);
  });
});

describe('latchkey serve', () => {
  it('explains a brute-force limit that is not a whole number from 1 and exits 2', async (t) => {
    const dir = tempFolder(t);
    const zero = await latchkey(
      ['serve', '--data', 'data', '--login-failures-per-address', '0'],
      dir,
    );
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /--login-failures-per-address must be a whole number from 1/);
    const words = await latchkey(
      ['serve', '--data', 'data', '--registrations-per-address', 'ten'],
      dir,
    );
    assert.equal(words.code, 2);
    assert.match(words.stderr, /--registrations-per-address must be a whole number from 1/);
  });
});

describe('latchkey --help', () => {
  it('lists the commands and gives each one its own help', async (t) => {
    const dir = tempFolder(t);
    const top = await latchkey(['--help'], dir);
    assert.equal(top.code, 0);
    for (const name of ['serve', 'mint', 'device', 'fleet']) {
      assert.match(top.stdout, new RegExp(`\\b${name}\\b`));
      const help = await latchkey([name, '--help'], dir);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`Usage: latchkey ${name}`));
    }
  });

  it('refuses an unknown command with the list of commands', async (t) => {
    const result = await latchkey(['frobnicate'], tempFolder(t));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "frobnicate"/);
  });
});
