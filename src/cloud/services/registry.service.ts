import { randomBytes } from 'node:crypto';
import {
  DEVICE_SECRET_BYTES,
  deriveSecurityCode,
  formatSecurityCode,
} from '../../core/security-code.rules.ts';
import { formatSerialDigits, type SerialNumber } from '../../core/serial.rules.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import type { DevicesTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { iso, type Clock } from './clock.ts';

export const DEFAULT_MODEL = '2N IP Verso';

/** A device as it leaves the factory: what goes into its identity file and certificate. */
export interface MintedDevice {
  serialNumber: SerialNumber;
  model: string;
  macAddress: string;
  secret: Buffer;
  /** code(0), printed on the certificate of ownership. */
  securityCode: string;
}

function randomSerial(): SerialNumber {
  // 10 decimal digits from 5 random bytes (a 40-bit number reduced mod 10^10: bias < 10^-2).
  const n = randomBytes(5).readUIntBE(0, 5) % 10_000_000_000;
  return formatSerialDigits(n.toString().padStart(10, '0'));
}

function randomMac(): string {
  // 7C:1E:B3 is the vendor's OUI; the rest is random.
  return ['7C', '1E', 'B3', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))]
    .join(':')
    .toUpperCase();
}

/** Manufacturing: registers new devices in the registry with their secrets sealed. */
export function createRegistryService(deps: {
  store: Store;
  clock: Clock;
  deviceSecrets: SecretBox;
}) {
  const { store } = deps;
  return {
    /**
     * Mints `count` devices in batches of `batchSize`, one transaction per batch, calling
     * `onBatch` after each; a serial that happens to exist already is drawn again.
     */
    async mint(
      options: { count: number; model: string; batchSize?: number },
      onBatch?: (devices: MintedDevice[]) => Promise<void> | void,
    ): Promise<MintedDevice[]> {
      const batchSize = options.batchSize ?? 500;
      const all: MintedDevice[] = [];
      while (all.length < options.count) {
        const size = Math.min(batchSize, options.count - all.length);
        const batch = await store.transaction(async (trx) => {
          const repo = devicesRepo(trx, store.dialect);
          const drawn = new Map<string, MintedDevice>();
          while (drawn.size < size) {
            const serialNumber = randomSerial();
            if (drawn.has(serialNumber) || (await repo.findBySerial(serialNumber))) continue;
            const secret = randomBytes(DEVICE_SECRET_BYTES);
            drawn.set(serialNumber, {
              serialNumber,
              model: options.model,
              macAddress: randomMac(),
              secret,
              securityCode: formatSecurityCode(deriveSecurityCode(secret, serialNumber, 0)),
            });
          }
          const devices = [...drawn.values()];
          const now = iso(deps.clock.now());
          const rows: DevicesTable[] = devices.map((device) => ({
            serial_number: device.serialNumber,
            model: device.model,
            mac_address: device.macAddress,
            secret_enc: deps.deviceSecrets.seal(device.secret, device.serialNumber),
            known_generation: 0,
            firmware: null,
            online: 0,
            last_seen_at: null,
            minted_at: now,
          }));
          await repo.insertMany(rows);
          return devices;
        });
        all.push(...batch);
        await onBatch?.(batch);
      }
      return all;
    },
  };
}
