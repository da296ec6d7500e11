import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteBatcher } from '../../src/cloud/store/write-batcher.ts';

describe('group commit (WriteBatcher)', () => {
  it('writes everything added in one turn as one batch, and what comes later as the next', async () => {
    const batches: number[][] = [];
    const batcher = new WriteBatcher<number>(
      async (items) => {
        batches.push(items);
      },
      async () => assert.fail('no single writes when the batch succeeds'),
    );
    await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    await batcher.add(4);
    assert.deepEqual(batches, [[1, 2, 3], [4]]);
  });

  it('keeps batches to the largest size it was given', async () => {
    const sizes: number[] = [];
    const batcher = new WriteBatcher<number>(
      async (items) => {
        sizes.push(items.length);
      },
      async () => {},
      4,
    );
    await Promise.all(Array.from({ length: 10 }, (_, n) => batcher.add(n)));
    assert.deepEqual(sizes, [4, 4, 2]);
  });

  it('fails only the item that cannot be written when its batch fails', async () => {
    const written: number[] = [];
    const batcher = new WriteBatcher<number>(
      async (items) => {
        if (items.includes(13)) throw new Error('batch refused');
        written.push(...items);
      },
      async (item) => {
        if (item === 13) throw new Error('13 refused');
        written.push(item);
      },
    );
    const results = await Promise.allSettled([12, 13, 14].map((n) => batcher.add(n)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /13 refused/);
    assert.deepEqual(written, [12, 14]);
    await batcher.add(15);
    assert.deepEqual(written, [12, 14, 15]);
  });
});
