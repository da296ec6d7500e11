import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { requestEventStream } from '../helpers/event-stream.ts';
import { claim, createSite, mintDevices, registerAccount } from '../helpers/factories.ts';
import { scrape } from '../helpers/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

const OPERATIONS = new URL('../../docs/operations/', import.meta.url);
const TOKEN = 'dashboard-token-0123456789';

// PromQL's keywords, which look like metric names to the pattern below.
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
]);

/**
 * The metric names a PromQL expression reads: strings, label matchers, ranges and grouping
 * lists removed, what remains of identifiers not called as functions (PromQL "Querying
 * basics"). Numbers such as 1e9 are not names: an identifier must not follow a digit.
 */
export function metricNames(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)]
    .map((match) => match[1]!)
    .filter((name) => !KEYWORDS.has(name));
}

/** Every `expr` of the dashboard's panels. */
function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(
    readFileSync(new URL('grafana-dashboard.json', OPERATIONS), 'utf8'),
  ) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}

/** Every `expr` of the alert rules: a one-line value, or a `|` block of deeper lines. */
function alertExpressions(): string[] {
  const lines = readFileSync(new URL('alerts.yml', OPERATIONS), 'utf8').split('\n');
  const expressions: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const match = /^(\s*)(?:- )?expr: *(.*)$/.exec(lines[index]!);
    if (!match) continue;
    if (match[2] !== '|') {
      expressions.push(match[2]!);
      continue;
    }
    const block: string[] = [];
    while (index + 1 < lines.length && /^\s*$|^\s{10,}/.test(lines[index + 1]!)) {
      block.push(lines[++index]!);
    }
    expressions.push(block.join('\n'));
  }
  return expressions;
}

describe('dashboard and alert expressions', () => {
  it('reads the names of a PromQL expression, not its functions, labels or numbers', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{route="/x", i=~"$i"}[$__rate_interval]))) / max(b) / 1e9 and on (x) c > bool 0.2',
      ),
      ['a_bucket', 'b', 'c'],
    );
  });

  it('names every panel of the issue, and the four alerts', () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('grafana-dashboard.json', OPERATIONS), 'utf8'),
    ) as {
      panels: { title: string }[];
    };
    const titles = dashboard.panels.map((panel) => panel.title).join('\n');
    for (const topic of [
      /HTTP requests/,
      /HTTP latency/,
      /Claims by outcome/,
      /Linked devices/,
      /Link messages/,
      /Command round trips/,
      /streams/,
      /Database statement latency/,
      /pool/,
      /Event-loop lag/,
    ]) {
      assert.match(titles, topic);
    }
    assert.equal(alertExpressions().length, 4);
  });
});

for (const dialect of testDialects) {
  describe(`dashboard and alerts against a running cloud (${dialect.name})`, () => {
    it('every metric the dashboard and the alerts name is exported, with samples, after some traffic', async (t) => {
      const cloud = await startTestCloud(t, dialect, { metricsToken: TOKEN });
      const owner = await registerAccount(cloud);
      const site = await createSite(owner.client);
      const [device] = await mintDevices(cloud, 1);
      const added = await claim(owner.client, site.id, device!.serialNumber, device!.securityCode);
      assert.equal(added.status, 201, added.text);
      await startLinkedEmulator(t, device!, cloud.url);
      await waitFor('the device online', async () => {
        const list = await owner.client.get(`/api/sites/${site.id}/devices`);
        return list.body.items?.[0]?.online === true;
      });
      const opened = await owner.client.post(
        `/api/sites/${site.id}/devices/${device!.serialNumber}/actions`,
        { action: 'open-door', switch: 1 },
      );
      assert.equal(opened.status, 200, opened.text);
      const stream = await requestEventStream(cloud.url, owner.client);
      t.after(() => stream.close());

      const scraped = await scrape(cloud.url, TOKEN);
      assert.equal(scraped.status, 200);
      const exported = new Set(scraped.samples.map((sample) => sample.name));
      const expressions = [...dashboardExpressions(), ...alertExpressions()];
      const names = new Set(expressions.flatMap(metricNames));
      assert.ok(names.size >= 15, `only ${names.size} names found`);
      for (const name of names) {
        assert.ok(exported.has(name), `${name} is named in docs/operations but not exported`);
      }
    });
  });
}
