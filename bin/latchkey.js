#!/usr/bin/env node
// Runs the TypeScript sources directly: Node strips the types itself (by default on Node 24 and
// ≥ 22.18). Node 22.12–22.17 need --experimental-strip-types: there the command runs itself once
// more with it, passing signals on, so `kill` and Ctrl-C still reach the running command.
import { spawn } from 'node:child_process';

if (process.features.typescript) {
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const child = spawn(
    process.execPath,
    [
      '--experimental-strip-types',
      '--disable-warning=ExperimentalWarning',
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
