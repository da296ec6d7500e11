import type { Executor } from './schema.ts';
import type { Store } from './store.ts';

/**
 * Group commit: items added while a batch is being written wait for the next batch, and each
 * batch is written by one call (one transaction). When a thousand devices report at once, the
 * cloud commits a few transactions instead of a thousand, each of which would otherwise wait
 * for all those before it. Each `add` resolves with its own item's result once it is written.
 * Reads that can be answered together (the claims' reads on PostgreSQL) use it the same way.
 */
export class WriteBatcher<T, R = void> {
  #pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  #running = false;

  /** Writes all items in one go and returns their results in order; all or none. */
  private readonly writeAll: (items: T[]) => Promise<R[] | void>;
  /** Writes one item; used to find the one that failed when a whole batch throws. */
  private readonly writeOne: (item: T) => Promise<R>;
  private readonly maxBatch: number;
  constructor(
    writeAll: (items: T[]) => Promise<R[] | void>,
    writeOne: (item: T) => Promise<R>,
    maxBatch = 500,
  ) {
    this.writeAll = writeAll;
    this.writeOne = writeOne;
    this.maxBatch = maxBatch;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      // setImmediate: everything that arrives in the same turn of the event loop (one read from
      // many sockets) joins the batch.
      if (!this.#running) {
        this.#running = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.maxBatch);
      try {
        const results = await this.writeAll(batch.map((entry) => entry.item));
        batch.forEach((entry, i) => entry.resolve((results as R[] | undefined)?.[i] as R));
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          continue;
        }
        // One bad item must not fail its neighbours: write them one by one instead.
        for (const entry of batch) {
          await this.writeOne(entry.item).then(entry.resolve, entry.reject);
        }
      }
    }
    this.#running = false;
  }
}

/**
 * A WriteBatcher whose batches are each one transaction of `store`: `write` gets the
 * transaction and the batch (an item alone when a batch failed) and returns their results.
 */
export function batchedTransactions<T, R = void>(
  store: Pick<Store, 'transaction'>,
  write: (trx: Executor, items: T[]) => Promise<R[] | void>,
  maxBatch?: number,
): WriteBatcher<T, R> {
  return new WriteBatcher<T, R>(
    (items) => store.transaction((trx) => write(trx, items)),
    async (item) => (await store.transaction((trx) => write(trx, [item])))?.[0] as R,
    maxBatch,
  );
}
