// Watches the cloud's SQLite file for devices whose known generation rose, off the main thread
// so that polling does not delay the fleet that runs there. Posts [serial, epoch ms] pairs.
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

const { file, serials, timeoutMs } = workerData as {
  file: string;
  serials: string[];
  timeoutMs: number;
};
const expected = serials.length;
const reader = new SqliteDatabase(file, { readonly: true });
// The watched devices were minted last: reading from the first of their rows on keeps each
// poll as short with a registry of 100,000 as with 1,000.
const first = reader
  .prepare(
    `select min(rowid) from devices where serial_number in (${serials.map(() => '?').join(',')})`,
  )
  .pluck()
  .get(...serials) as number;
const count = reader
  .prepare('select count(*) from devices where rowid >= ? and known_generation >= 1')
  .pluck()
  .bind(first);
const query = reader
  .prepare('select serial_number from devices where rowid >= ? and known_generation >= 1')
  .pluck()
  .bind(first);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const now = () => performance.timeOrigin + performance.now();

parentPort!.once('message', () => {
  const seen = new Map<string, number>();
  const deadline = now() + timeoutMs;
  while (seen.size < expected && now() < deadline) {
    // Counting is cheap; the rows are read only when more devices are known than were seen.
    if ((count.get() as number) > seen.size) {
      const at = now();
      for (const serial of query.all() as string[]) if (!seen.has(serial)) seen.set(serial, at);
    }
    Atomics.wait(sleeper, 0, 0, 1);
  }
  reader.close();
  parentPort!.postMessage([...seen]);
});
parentPort!.postMessage('ready');
