// Watches the cloud's SQLite file for devices whose known generation rose, off the main thread
// so that polling does not delay the fleet that runs there. Posts [serial, epoch ms] pairs.
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

const { file, expected, timeoutMs } = workerData as {
  file: string;
  expected: number;
  timeoutMs: number;
};
const reader = new SqliteDatabase(file, { readonly: true });
const query = reader
  .prepare('select serial_number from devices where known_generation >= 1')
  .pluck();
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const now = () => performance.timeOrigin + performance.now();

parentPort!.once('message', () => {
  const seen = new Map<string, number>();
  const deadline = now() + timeoutMs;
  while (seen.size < expected && now() < deadline) {
    for (const serial of query.all() as string[]) if (!seen.has(serial)) seen.set(serial, now());
    Atomics.wait(sleeper, 0, 0, 1);
  }
  reader.close();
  parentPort!.postMessage([...seen]);
});
parentPort!.postMessage('ready');
