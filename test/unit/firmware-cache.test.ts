import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlobCache } from '../../src/cloud/services/firmware.cache.ts';

describe('the firmware content cache', () => {
  it('reads each digest once while it is kept, and shares one read between concurrent misses', async () => {
    const reads: string[] = [];
    const cache = new BlobCache(100, async (key) => {
      reads.push(key);
      return Buffer.alloc(10, key);
    });
    await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')]);
    await cache.get('a');
    assert.deepEqual(reads, ['a']);
  });

  it('keeps at most its bound, dropping the least recently used first', async () => {
    const cache = new BlobCache(25, async (key) => Buffer.alloc(10, key));
    await cache.get('a');
    await cache.get('b');
    await cache.get('a');
    await cache.get('c');
    assert.equal(cache.size, 20);
    const reads: string[] = [];
    const probe = new BlobCache(25, async (key) => {
      reads.push(key);
      return Buffer.alloc(10, key);
    });
    for (const key of ['a', 'b', 'a', 'c', 'a', 'b']) await probe.get(key);
    // b was the least recently used when c came, so it is read again.
    assert.deepEqual(reads, ['a', 'b', 'c', 'b']);
  });

  it('never keeps an entry larger than the bound, and answers undefined for an unknown digest', async () => {
    const cache = new BlobCache(5, async (key) => (key === 'big' ? Buffer.alloc(10) : undefined));
    assert.equal((await cache.get('big'))?.length, 10);
    assert.equal(cache.size, 0);
    assert.equal(await cache.get('none'), undefined);
  });
});
