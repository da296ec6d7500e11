import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scrape } from '../helpers/metrics.ts';
import { runLatchkey, tempFolder, freePort, spawnServe } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

const TOKEN = 'cli-metrics-token-0123456789abcdef';

describe('latchkey serve: metrics and log options', () => {
  it('documents --metrics-token, --metrics-listen, --log-format and LATCHKEY_METRICS_TOKEN in --help', async (t) => {
    const help = await runLatchkey(['serve', '--help'], tempFolder(t, 'latchkey-metrics-cli-'));
    assert.equal(help.code, 0, help.stderr);
    for (const option of [
      '--metrics-token T',
      '--metrics-listen HOST:PORT',
      '--log-format pretty|json',
      'LATCHKEY_METRICS_TOKEN',
    ]) {
      assert.ok(help.stdout.includes(option), `--help lacks ${option}`);
    }
  });

  it('refuses a bad listen address, a short token (without echoing it) and an unknown log format, exit 2', async (t) => {
    const dir = tempFolder(t, 'latchkey-metrics-cli-');
    const listen = await runLatchkey(['serve', '--data', 'data', '--metrics-listen', '9464'], dir);
    assert.equal(listen.code, 2);
    assert.match(listen.stderr, /--metrics-listen must be HOST:PORT/);
    const short = await runLatchkey(['serve', '--data', 'data'], dir, {
      LATCHKEY_METRICS_TOKEN: 'short-secret',
    });
    assert.equal(short.code, 2);
    assert.match(short.stderr, /must be 16 to 512 visible ASCII characters/);
    assert.equal(short.stderr.includes('short-secret'), false);
    const format = await runLatchkey(['serve', '--data', 'data', '--log-format', 'xml'], dir);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--log-format must be pretty or json, got "xml"/);
  });

  it('serves /metrics with the token from the environment and on --metrics-listen, logs JSON lines with request ids, and closes the listener on SIGTERM', async (t) => {
    const dir = tempFolder(t, 'latchkey-metrics-cli-');
    const metricsPort = await freePort();
    const serve = await spawnServe(
      [
        '--data',
        join(dir, 'data'),
        '--metrics-listen',
        `127.0.0.1:${metricsPort}`,
        '--log-format',
        'json',
      ],
      { env: { LATCHKEY_METRICS_TOKEN: TOKEN } },
    );
    t.after(() => serve.stop('SIGKILL'));
    assert.equal((await scrape(serve.url, TOKEN)).status, 200);
    assert.equal((await scrape(serve.url)).status, 401);
    const listener = await scrape(`http://127.0.0.1:${metricsPort}`);
    assert.equal(listener.status, 200);
    assert.equal(listener.types.get('nodejs_eventloop_lag_seconds'), 'gauge');
    await fetch(`${serve.url}/healthz`, { headers: { 'x-request-id': 'cli-check-1' } });
    const line = await waitFor('the request logged', () =>
      serve
        .output()
        .split('\n')
        .find((text) => text.includes('"requestId":"cli-check-1"')),
    );
    assert.equal((JSON.parse(line) as { msg: string }).msg, 'incoming request');
    await serve.stop('SIGTERM');
    await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`));
    assert.equal(serve.output().includes(TOKEN), false, 'the token is in the output');
  });

  it('--log-format pretty writes readable lines, not JSON, even when stdout is not a terminal', async (t) => {
    const dir = tempFolder(t, 'latchkey-metrics-cli-');
    const serve = await spawnServe(['--data', join(dir, 'data'), '--log-format', 'pretty']);
    t.after(() => serve.stop('SIGKILL'));
    await fetch(`${serve.url}/healthz`, { headers: { 'x-request-id': 'pretty-1' } });
    // pino-pretty: a line with the time, level and message, then the fields indented below.
    await waitFor('the request logged', () => serve.output().includes('requestId: "pretty-1"'));
    const lines = serve.output().split('\n');
    const field = lines.findIndex((text) => text.includes('requestId: "pretty-1"'));
    const heading = lines.slice(0, field).findLast((text) => /^\[/.test(text));
    assert.match(heading ?? '', /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO .*incoming request/);
    assert.equal(
      lines.some((text) => text.trimStart().startsWith('{"level"')),
      false,
      'a JSON line in pretty output',
    );
    await serve.stop('SIGTERM');
  });
});
