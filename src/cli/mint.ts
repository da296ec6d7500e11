import { join, resolve } from 'node:path';
import { renderCertificate } from '../cloud/certificate.pdf.ts';
import { openCloud } from '../cloud/cloud.ts';
import { writeFileAtomic, writeIdentityFile } from '../cloud/identity.writer.ts';
import { provisionPendingDevices } from '../cloud/link/broker.provisioning.ts';
import { brokerSettings, connectToBroker } from '../cloud/link/broker.transport.ts';
import { MosquittoDynsec } from '../cloud/link/mosquitto-dynsec.ts';
import { DEFAULT_MODEL } from '../cloud/services/registry.service.ts';
import { intOption, parseCommandArgs, UsageError, type Command } from './command.ts';
import { ProgressBar } from './progress.ts';

const usage = `Usage: latchkey mint --count N --out DIR [options]

Manufactures devices: registers N new devices in the cloud's registry and writes, per device,
DIR/<serial>/identity.json (the device's own secret) and DIR/<serial>/certificate.pdf (the certificate of ownership
with serial number, security code and a QR code), owner-only (files 0600, folders 0700).

Options:
  --count N          How many devices (1 to 100000)
  --out DIR          Where to write the identity files and certificates
  --model NAME       Device model (default "${DEFAULT_MODEL}")
  --data DIR         The cloud's data folder (default ./data)
  --database URL     postgres://… when the cloud runs on PostgreSQL; needs LATCHKEY_MASTER_KEY
                     or --data with the cloud's master.key
  --broker URL       mqtt://user:password@host:port: also create the devices' logins on the
                     cloud's external broker now (else the cloud nodes do it within seconds)
  --no-certificate   Skip the PDF certificates (faster for large fleets)
  --json             Print a JSON array of {serialNumber, securityCode, model, identityFile}
  -h, --help         Show this help

Environment:
  LATCHKEY_MASTER_KEY  the cloud's master key; mint refuses a key the cloud was not started with`;

export const mintCommand: Command = {
  name: 'mint',
  summary: 'Register new devices.',
  usage,
  async run(argv) {
    const args = parseCommandArgs(argv, {
      count: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      data: { type: 'string' },
      database: { type: 'string' },
      broker: { type: 'string' },
      json: { type: 'boolean' },
      'no-certificate': { type: 'boolean' },
    });
    if (args.count === undefined) throw new UsageError('--count is required, e.g. --count 2.');
    if (args.out === undefined) throw new UsageError('--out is required, e.g. --out devices.');
    const count = intOption(args.count, 'count', 1, { min: 1, max: 100_000 });
    const model = (args.model ?? DEFAULT_MODEL).trim();
    if (model === '' || model.length > 64) {
      throw new UsageError('--model must be 1 to 64 characters.');
    }
    // Without a key source, mint would create ./data/master.key: a key no node has (issue 14).
    if (
      args.database !== undefined &&
      args.data === undefined &&
      !process.env.LATCHKEY_MASTER_KEY
    ) {
      throw new UsageError(
        'With --database, mint needs the master key of the cloud: set LATCHKEY_MASTER_KEY to the key every node uses, or give --data with the folder holding its master.key. Nothing was created.',
      );
    }
    const outDir = resolve(args.out);
    const broker = args.broker === undefined ? null : brokerSettings(args.broker);
    const { store, services } = await openCloud({
      dataDir: resolve(args.data ?? 'data'),
      databaseUrl: args.database,
    });
    const progress = count > 1 ? new ProgressBar('Minting', count) : null;
    const printed: {
      serialNumber: string;
      securityCode: string;
      model: string;
      identityFile: string;
    }[] = [];
    try {
      await services.registry.mint({ count, model, batchSize: 200 }, async (batch) => {
        for (const device of batch) {
          const folder = join(outDir, device.serialNumber);
          const identityFile = join(folder, 'identity.json');
          writeIdentityFile(identityFile, device);
          if (!args['no-certificate']) {
            writeFileAtomic(join(folder, 'certificate.pdf'), await renderCertificate(device));
          }
          printed.push({
            serialNumber: device.serialNumber,
            securityCode: device.securityCode,
            model: device.model,
            identityFile,
          });
          progress?.tick();
        }
      });
      if (broker) {
        const client = await connectToBroker(broker, `latchkey-mint-${process.pid}`);
        try {
          await provisionPendingDevices(
            services.deviceLink,
            new MosquittoDynsec(client),
            broker.key,
          );
        } finally {
          await client.endAsync();
        }
      }
    } finally {
      progress?.finish();
      await store.close();
    }
    if (args.json) {
      console.log(JSON.stringify(printed, null, 2));
    } else {
      for (const device of printed) console.log(`${device.serialNumber}  ${device.securityCode}`);
    }
    return 0;
  },
};
