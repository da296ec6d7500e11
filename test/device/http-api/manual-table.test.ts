// docs/http-api.md and the function table stay in step: every function the emulator serves is
// a row of the manual's table (with its `manual` entry) or a listed emulator addition, and the
// manual's other functions answer error 1.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { httpApiDoc, HTTP_API_DOC } from '../../../scripts/http-api-doc.ts';
import { IMPLEMENTED_FUNCTIONS } from '../../../src/device/api/functions/index.ts';
import {
  EMULATOR_EXTENSIONS,
  MANUAL_FUNCTIONS,
} from '../../../src/device/api/functions/manual.table.ts';
import { apiDevice, errorOf } from './api-dir.helpers.ts';

const manualPaths = new Set(MANUAL_FUNCTIONS.map((row) => row.path));

test('the manual table lists each function once, with a section of its chapter', () => {
  assert.equal(manualPaths.size, MANUAL_FUNCTIONS.length);
  for (const row of MANUAL_FUNCTIONS) assert.match(row.section, /^5\.\d+\.\d+$/, row.path);
});

test('every implemented function of the manual has a manual entry citing its section', () => {
  const lacking = Object.keys(IMPLEMENTED_FUNCTIONS).filter(
    (path) => manualPaths.has(path) && !IMPLEMENTED_FUNCTIONS[path]!.manual,
  );
  assert.deepEqual(lacking, [], `add a manual entry to: ${lacking.join(', ')}`);
  for (const row of MANUAL_FUNCTIONS) {
    const entry = IMPLEMENTED_FUNCTIONS[row.path]?.manual;
    if (!entry) continue;
    assert.equal(entry.section, row.section, row.path);
    if (entry.support === 'partial') assert.ok(entry.missing, `${row.path}: say what is missing`);
  }
});

test('every served path outside the manual table is a listed emulator addition', () => {
  const unlisted = Object.keys(IMPLEMENTED_FUNCTIONS).filter(
    (path) => !manualPaths.has(path) && !Object.hasOwn(EMULATOR_EXTENSIONS, path),
  );
  assert.deepEqual(unlisted, [], `list in manual.table.ts or remove: ${unlisted.join(', ')}`);
});

test('docs/http-api.md is what npm run docs:http-api generates', async () => {
  assert.equal(
    await readFile(HTTP_API_DOC, 'utf8'),
    await httpApiDoc(),
    'docs/http-api.md is stale: run npm run docs:http-api',
  );
});

test('a manual function the emulator does not implement answers error 1, any other path error 2', async (t) => {
  const { call } = await apiDevice(t);
  const missing = MANUAL_FUNCTIONS.filter((row) => !Object.hasOwn(IMPLEMENTED_FUNCTIONS, row.path));
  assert.ok(missing.length > 0);
  for (const row of missing) {
    const error = errorOf(await call(row.path, { method: row.methods[0] }));
    assert.equal(error.code, 1, row.path);
    assert.equal(error.description, 'function is not supported');
  }
  assert.equal(errorOf(await call('dir/telepathy')).code, 2);
});
