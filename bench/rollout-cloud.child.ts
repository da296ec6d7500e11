// A cloud node for the rollout benchmark, in its own process so its CPU time and memory are its
// own. Over IPC it answers "usage" with its CPU time, resident memory (now and peak) and the
// bytes it wrote answering device downloads (GET /link/firmware/:token), counted on the socket
// with node:diagnostics_channel so the figure needs nothing from the rollouts service.
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startCloud } from '../src/cloud/cloud.ts';

const [dataDir] = process.argv.slice(2);
let firmwareBytes = 0;
let firmwareAnswers = 0;
// Node's HTTP server publishes every request here (Node API: diagnostics_channel, "HTTP").
subscribe('http.server.request.start', (message) => {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  if (!request.url?.startsWith('/link/firmware/')) return;
  const socket = request.socket;
  const before = socket.bytesWritten;
  response.once('close', () => {
    firmwareBytes += socket.bytesWritten - before;
    firmwareAnswers++;
  });
});

const cloud = await startCloud({
  dataDir: dataDir!,
  port: 0,
  host: '127.0.0.1',
  // A device of a busy fleet process may answer a command late.
  commandTimeoutMs: 120_000,
  loginLimits: { registrationsPerAddress: { max: 1000, windowMs: 60 * 60_000 } },
});

process.on('message', (message) => {
  if (message !== 'usage') return;
  const cpu = process.cpuUsage();
  process.send!({
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBytes: process.memoryUsage.rss(),
    // resourceUsage().maxRSS is in kilobytes (getrusage(2) ru_maxrss).
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    firmwareBytes,
    firmwareAnswers,
  });
});
process.stdout.write(`${JSON.stringify({ url: cloud.url, pid: process.pid })}\n`);
process.once('SIGTERM', () => {
  process.disconnect();
  void cloud.close();
});
