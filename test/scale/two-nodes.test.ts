import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import type { MintedDevice } from '../../src/cloud/services/registry.service.ts';
import type { SerialNumber } from '../../src/core/serial.rules.ts';
import { postgresTestDialect } from '../helpers/databases.ts';
import { startLinkedEmulator } from '../helpers/emulators.ts';
import { claim, codeFor, createSite, registerAccount, type Account } from '../helpers/factories.ts';
import { ApiClient } from '../helpers/http.ts';
import { freePort, spawnCli } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';
import { startTestBroker } from './mosquitto.ts';

type Cli = ReturnType<typeof spawnCli>;

/** `latchkey <args>` to its end; its standard output. */
async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const run = spawnCli(args, { env });
  let stdout = '';
  run.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
  assert.equal(code, 0, run.output());
  return stdout;
}

/** The device as the factory made it, read back from its identity.json. */
function mintedFrom(entry: { identityFile: string; securityCode: string }): MintedDevice {
  const identity = JSON.parse(readFileSync(entry.identityFile, 'utf8')) as {
    serialNumber: SerialNumber;
    model: string;
    macAddress: string;
    secret: string;
  };
  return {
    ...identity,
    secret: Buffer.from(identity.secret, 'hex'),
    securityCode: entry.securityCode,
  };
}

/** The same signed-in person, talking to another node. */
function on(url: string, account: Account): ApiClient {
  const client = new ApiClient(url, {
    ...(account.client.localAddress ? { localAddress: account.client.localAddress } : {}),
  });
  client.session = account.client.session;
  client.csrfToken = account.client.csrfToken;
  return client;
}

async function listed(client: ApiClient, siteId: string) {
  const response = await client.get(`/api/sites/${siteId}/devices`);
  assert.equal(response.status, 200, response.text);
  return response.body.items as { serialNumber: string; online: boolean }[];
}

describe('two cloud nodes on one PostgreSQL and one Mosquitto', () => {
  it('share presence, claims, code generations and survive a node killed mid-claims', async (t) => {
    const started = Date.now();
    // Where the time goes, in the test's output.
    const step = (name: string) => t.diagnostic(`${Date.now() - started} ms: ${name}`);
    const children: Cli[] = [];
    const folder = mkdtempSync(join(tmpdir(), 'latchkey-two-nodes-'));
    const broker = await startTestBroker(t);
    const database = await postgresTestDialect.create();
    const databaseUrl = database.databaseUrl!;
    const sql = new pg.Client({ connectionString: databaseUrl });
    // One cleanup, in order (t.after hooks run first registered, first run).
    t.after(async () => {
      for (const child of children) await child.stop('SIGKILL');
      await sql.end().catch(() => {});
      await database.drop();
      rmSync(folder, { recursive: true, force: true });
    });
    const env = {
      LATCHKEY_MASTER_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
    };

    // Manufacturing through the real CLI, into the cloud's PostgreSQL.
    const minted = (
      JSON.parse(
        await runCli(
          [
            'mint',
            ...['--count', '32', '--out', join(folder, 'devices')],
            ...['--database', databaseUrl, '--data', join(folder, 'mint-data')],
            '--no-certificate',
            '--json',
          ],
          env,
        ),
      ) as { identityFile: string; securityCode: string }[]
    ).map(mintedFrom);
    const [linked, contested, ...batch] = minted as [MintedDevice, MintedDevice, ...MintedDevice[]];

    step('starting two nodes');
    // Two identical nodes.
    const nodes: { url: string; cli: Cli }[] = [];
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const cli = spawnCli(
        [
          'serve',
          ...['--database', databaseUrl, '--broker', broker.adminUrl],
          ...['--port', String(port), '--host', '127.0.0.1', '--data', join(folder, name)],
        ],
        { env },
      );
      children.push(cli);
      nodes.push({ url: `http://127.0.0.1:${port}`, cli });
    }
    for (const node of nodes) {
      await waitFor(
        `${node.url}/readyz`,
        async () => {
          if (node.cli.child.exitCode !== null) throw new Error(node.cli.output());
          const response = await fetch(`${node.url}/readyz`).catch(() => null);
          if (response?.status !== 200) return false;
          assert.deepEqual(await response.json(), { database: 'ok', broker: 'ok' });
          return true;
        },
        30_000,
        100,
      );
    }
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];

    step('presence');
    // 1. A device linked through the broker shows online on both nodes, and is told its site.
    const anna = await registerAccount({ url: a.url });
    const site = await createSite(anna.client, 'Main Street 1');
    assert.equal(
      (await claim(anna.client, site.id, linked.serialNumber, linked.securityCode)).status,
      201,
    );
    const emulator = await startLinkedEmulator(t, linked, broker.url);
    for (const node of nodes) {
      await waitFor(
        `the device online on ${node.url}`,
        async () =>
          (await listed(on(node.url, anna), site.id)).find(
            (item) => item.serialNumber === linked.serialNumber,
          )?.online,
        10_000,
      );
    }
    await waitFor(
      'the device shows its site (set-ownership through the broker)',
      () => emulator.running.device.cloud.site === 'Main Street 1',
      10_000,
    );

    step('parallel claims');
    // 2. Twenty simultaneous claims of one device, spread over both nodes: exactly one winner.
    const claimants = await Promise.all(
      Array.from({ length: 20 }, async (_, index) => {
        const node = nodes[index % 2]!;
        const account = await registerAccount(
          { url: node.url },
          {},
          { localAddress: `127.0.1.${index + 1}` },
        );
        return { account, site: await createSite(account.client, `Claimant ${index}`) };
      }),
    );
    const answers = await Promise.all(
      claimants.map(({ account, site: own }) =>
        claim(account.client, own.id, contested.serialNumber, contested.securityCode),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    assert.equal(statuses.filter((status) => status === 201).length, 1, statuses.join(','));
    assert.ok(
      statuses.every((status) => [201, 409, 429].includes(status)),
      statuses.join(','),
    );

    step('Generate New');
    // 3. Generate New on the device: the old code is refused on both nodes (how fast is
    // measured by `npm run bench`, not asserted here).
    await sql.connect();
    const bob = await registerAccount({ url: b.url }, {}, { localAddress: '127.0.2.1' });
    const bobSite = await createSite(bob.client, 'Bob house');
    await emulator.running.device.securityCode.generateNew();
    await waitFor(
      'the new generation in the database',
      async () =>
        (
          await sql.query<{ g: number }>(
            'select known_generation as g from devices where serial_number = $1',
            [linked.serialNumber],
          )
        ).rows[0]!.g === 1,
      10_000,
      10,
    );
    for (const node of nodes) {
      const old = await claim(
        on(node.url, bob),
        bobSite.id,
        linked.serialNumber,
        codeFor(linked, 0),
      );
      assert.equal(old.status, 422, old.text);
      assert.equal(old.body.error.code, 'SECURITY_CODE_REPLACED');
    }

    step('SIGKILL mid-claims');
    // 4. Claims against node A, which is killed (SIGKILL) mid-way: every claim it answered 201
    // is there afterwards, read through node B.
    const carol = await registerAccount({ url: a.url }, {}, { localAddress: '127.0.3.1' });
    const carolSite = await createSite(carol.client, 'Carol depot');
    const accepted: string[] = [];
    let answered = 0;
    const claims = batch.map(async (device) => {
      try {
        const answer = await claim(
          carol.client,
          carolSite.id,
          device.serialNumber,
          device.securityCode,
        );
        answered++;
        if (answer.status === 201) accepted.push(device.serialNumber);
      } catch {
        // The connection died with the node: no answer, so no promise was made.
      }
    });
    await waitFor('some claims answered', () => answered >= 5, 10_000, 1);
    await a.cli.stop('SIGKILL');
    await Promise.all(claims);
    assert.ok(accepted.length >= 5, `${accepted.length} claims answered 201 before the kill`);
    const onB = (await listed(on(b.url, carol), carolSite.id)).map((item) => item.serialNumber);
    for (const serial of accepted) assert.ok(onB.includes(serial), `${serial} lost`);
    // Node B still serves, and takes all the device traffic: the next Generate New arrives.
    assert.equal((await fetch(`${b.url}/readyz`)).status, 200);
    await emulator.running.device.securityCode.generateNew();
    await waitFor(
      'generation 2 through node B alone',
      async () =>
        (
          await sql.query<{ g: number }>(
            'select known_generation as g from devices where serial_number = $1',
            [linked.serialNumber],
          )
        ).rows[0]!.g === 2,
      5000,
    );
  });
});
