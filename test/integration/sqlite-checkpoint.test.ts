import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from '../../src/cloud/store/store.ts';
import { waitFor } from '../helpers/wait.ts';

describe('SQLite write-ahead log (embedded default)', () => {
  it('is checkpointed into the database file in the background, not by a request', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-checkpoint-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const store = await openStore({ dataDir });
    let closed = false;
    t.after(async () => {
      if (!closed) await store.close();
    });
    const file = join(dataDir, 'latchkey.db');
    const before = statSync(file).size;
    // About 2 MB of rows: far below the 10,000 pages at which the server's own connection
    // would checkpoint, so only the background checkpointer moves them into the file.
    const now = new Date().toISOString();
    for (let batch = 0; batch < 20; batch++) {
      await store.db
        .insertInto('companies')
        .values(
          Array.from({ length: 100 }, (_, i) => ({
            id: `company-${batch}-${i}`,
            name: `Company ${batch}-${i} ${'x'.repeat(900)}`,
            created_at: now,
          })),
        )
        .execute();
    }
    await waitFor(
      'the rows to reach the database file',
      async () => statSync(file).size > before + 1_500_000,
      5000,
    );
    const count = await store.db
      .selectFrom('companies')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 2000);
    await store.close();
    closed = true;
  });
});
