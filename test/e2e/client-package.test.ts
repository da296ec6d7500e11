import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { registerAccount } from '../helpers/factories.ts';
import { repoRoot } from '../helpers/processes.ts';

const run = promisify(execFile);
const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');

/** The first ```js block after the README heading "Integrating: the typed client". */
function readmeExample(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Integrating: the typed client'));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'the README has a client example');
  return match[1]!;
}

/** A typed use of the package, with calls the generated types must refuse. */
const TYPED_USE = `import { createLatchkeyClient, createDeviceAdminClient, type components } from 'latchkey/client';

const latchkey = createLatchkeyClient({ baseUrl: 'http://127.0.0.1:8080', token: 't' });
export async function siteNames(): Promise<string[]> {
  const { data } = await latchkey.GET('/api/sites');
  const sites: components['schemas']['Site'][] = data?.items ?? [];
  return sites.map((site) => site.name);
}
export async function refused() {
  // @ts-expect-error a site needs a name
  await latchkey.POST('/api/sites', { body: {} });
  // @ts-expect-error no such route
  await latchkey.GET('/api/no-such-route');
  // @ts-expect-error the path needs its siteId
  await latchkey.GET('/api/sites/{siteId}', {});
}
const device = createDeviceAdminClient({ baseUrl: 'http://192.168.1.50' });
export async function login(): Promise<boolean | undefined> {
  const { data } = await device.POST('/admin/api/login', {
    body: { username: 'admin', password: 'secret' },
  });
  return data?.mustChangePassword;
}
`;

/**
 * latchkey/client as an integrator gets it: `npm pack` of the project (scripts off: the test
 * builds dist/client itself), unpacked into a project of its own whose only other dependency,
 * openapi-fetch, is linked from ours, so that nothing comes from the registry.
 */
describe('the latchkey/client package', () => {
  let project = '';

  before(async () => {
    project = mkdtempSync(join(tmpdir(), 'latchkey-integrator-'));
    await run(tsc, ['-p', join(repoRoot, 'tsconfig.client.json')], { cwd: repoRoot });
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--silent', '--pack-destination', project],
      { cwd: repoRoot },
    );
    const tarball = join(project, stdout.trim().split('\n').pop()!);
    const installed = join(project, 'node_modules', 'latchkey');
    mkdirSync(installed, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    symlinkSync(
      join(repoRoot, 'node_modules', 'openapi-fetch'),
      join(project, 'node_modules', 'openapi-fetch'),
    );
    writeFileSync(
      join(project, 'package.json'),
      '{"name":"integrator","private":true,"type":"module"}\n',
    );
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it('ships JavaScript and declarations, and type-checks an integrator’s TypeScript', async () => {
    const packaged = JSON.parse(
      readFileSync(join(project, 'node_modules', 'latchkey', 'package.json'), 'utf8'),
    ) as { exports: Record<string, { types: string; default: string }> };
    for (const file of Object.values(packaged.exports['./client']!)) {
      readFileSync(join(project, 'node_modules', 'latchkey', file));
    }
    writeFileSync(join(project, 'use.ts'), TYPED_USE);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          types: [],
          strict: true,
          noEmit: true,
        },
        files: ['use.ts'],
      }),
    );
    // An unused @ts-expect-error fails too: the refused calls are refused by the types.
    const checked = await run(tsc, ['-p', project], { cwd: project }).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
    );
    assert.ok(!('failed' in checked), checked.stdout);
  });

  for (const dialect of testDialects) {
    it(`runs the README example against a cloud (${dialect.name})`, async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const account = await registerAccount(cloud);
      const token = await account.client.post<{ token: string }>('/api/tokens', {});
      assert.equal(token.status, 201, token.text);
      writeFileSync(join(project, 'example.mjs'), readmeExample());
      const { stdout } = await run(process.execPath, ['example.mjs'], {
        cwd: project,
        env: { ...process.env, LATCHKEY_URL: cloud.url, LATCHKEY_TOKEN: token.body.token },
      });
      assert.equal(stdout.trim(), 'Main Street 1');
    });
  }

  it('refuses a bad token with the error shape of the API', async (t) => {
    const cloud = await startTestCloud(t, testDialects[0]!);
    writeFileSync(join(project, 'example.mjs'), readmeExample());
    const failed = await run(process.execPath, ['example.mjs'], {
      cwd: project,
      env: { ...process.env, LATCHKEY_URL: cloud.url, LATCHKEY_TOKEN: 'not-a-token' },
    }).catch((error: { stderr: string }) => error);
    assert.match((failed as { stderr: string }).stderr, /Error: [A-Z_]+: /);
  });
});
