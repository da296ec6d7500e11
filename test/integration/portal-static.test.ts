import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Fastify from 'fastify';
import { installPortal } from '../../src/cloud/http/portal.static.ts';

async function portalApp(t: TestContext, files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'latchkey-portal-dist-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  const app = Fastify();
  await installPortal(app, { root });
  t.after(() => app.close());
  return app;
}

const html = { accept: 'text/html,application/xhtml+xml' };

describe('the portal served at /', () => {
  it('answers its files, and index.html for the pages of the portal', async (t) => {
    const app = await portalApp(t, {
      'index.html': '<!doctype html><title>portal</title>',
      'assets/index-abc.js': 'console.log(1)',
    });
    for (const url of ['/', '/login', '/sites/some-id']) {
      const page = await app.inject({ url, headers: html });
      assert.equal(page.statusCode, 200, url);
      assert.match(page.body, /<title>portal<\/title>/);
      assert.equal(page.headers['cache-control'], 'no-cache');
    }
    const asset = await app.inject({ url: '/assets/index-abc.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    // Not a page: no fallback for scripts, JSON clients, the API, or paths out of the folder.
    assert.equal((await app.inject({ url: '/assets/missing.js' })).statusCode, 404);
    assert.equal(
      (await app.inject({ url: '/sites/x', headers: { accept: 'application/json' } })).statusCode,
      404,
    );
    assert.equal((await app.inject({ url: '/api/unknown', headers: html })).statusCode, 404);
    assert.equal((await app.inject({ url: '/%2e%2e/%2e%2e/etc/passwd' })).statusCode, 404);
  });

  it('says so when the portal was not built', async (t) => {
    const app = await portalApp(t, {});
    const page = await app.inject({ url: '/', headers: html });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /The portal has not been built/);
    assert.match(page.body, /npm run build/);
  });
});
