import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './processes.ts';

const exec = promisify(execFile);

/** The folder every cloud started from this checkout serves the portal from. */
export const portalDistDir = join(repoRoot, 'web', 'portal', 'dist');

async function sameBytes(a: string, b: string): Promise<boolean> {
  try {
    return (await readFile(a)).equals(await readFile(b));
  } catch {
    return false;
  }
}

/** Puts `from` at `to` in one rename: a reader sees the old file or the new one, never a part. */
async function replaceFile(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const temporary = `${to}.${process.pid}.tmp`;
  await copyFile(from, temporary);
  await rename(temporary, to);
}

/**
 * Builds the portal from its sources into `web/portal/dist`, as `npm run build:portal` does,
 * without ever leaving that folder incomplete. Other test files run at the same time
 * (`--test-concurrency=2`) and their clouds serve this folder: `vite build` into it empties it
 * first (`emptyOutDir`), and for about a second every browser that loads a page gets 503 "The
 * portal has not been built" or a page whose script is a 404, and the page never appears.
 *
 * So the build goes to a folder of its own beside `dist` (same depth, so the source maps'
 * relative paths are the same), and only files that differ are moved in, each with one rename:
 * the content-hashed assets first, `index.html` last, so every `index.html` ever served names
 * files that exist. Assets of an earlier build stay (a page that loaded the old `index.html`
 * still gets its script); `npm run build:portal` starts the folder afresh. When the sources
 * did not change since the last build (CI builds in `npm ci`), nothing in `dist` is touched.
 */
export async function buildPortal(): Promise<void> {
  const staging = await mkdtemp(join(repoRoot, 'web', 'portal', '.dist-'));
  try {
    await exec(
      process.execPath,
      [
        join(repoRoot, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'web/portal/vite.config.ts',
        '--outDir',
        staging,
        '--emptyOutDir',
        '--logLevel',
        'warn',
      ],
      { cwd: repoRoot },
    );
    const files = (await readdir(staging, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(staging.length + 1))
      // index.html last: it names the assets, which must be in place before it is.
      .sort((a, b) => Number(a === 'index.html') - Number(b === 'index.html'));
    for (const file of files) {
      const from = join(staging, file);
      const to = join(portalDistDir, file);
      if (!(await sameBytes(from, to))) await replaceFile(from, to);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
