/**
 * The bytes of the most recently used firmware images, up to a total size (issue 19): a rollout
 * to 1,000 devices downloads one image 1,000 times, and each download should not read 32 MiB
 * from the database. Concurrent misses for one digest share one read.
 */
export class BlobCache {
  /** Insertion order is use order: the first entry is the least recently used. */
  readonly #entries = new Map<string, Buffer>();
  readonly #reading = new Map<string, Promise<Buffer | undefined>>();
  #total = 0;
  readonly #limit: number;
  readonly #read: (key: string) => Promise<Buffer | undefined>;

  constructor(limit: number, read: (key: string) => Promise<Buffer | undefined>) {
    this.#limit = limit;
    this.#read = read;
  }

  get size(): number {
    return this.#total;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const held = this.#entries.get(key);
    if (held) {
      this.#entries.delete(key);
      this.#entries.set(key, held);
      return held;
    }
    const pending = this.#reading.get(key);
    if (pending) return pending;
    const reading = this.#read(key).finally(() => this.#reading.delete(key));
    this.#reading.set(key, reading);
    const content = await reading;
    if (content) this.put(key, content);
    return content;
  }

  /** Keeps `content`, dropping the least recently used entries beyond the limit. */
  put(key: string, content: Buffer): void {
    if (content.length > this.#limit) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#total -= old.length;
    }
    this.#entries.set(key, content);
    this.#total += content.length;
    for (const [oldest, bytes] of this.#entries) {
      if (this.#total <= this.#limit) break;
      this.#entries.delete(oldest);
      this.#total -= bytes.length;
    }
  }
}
