import type { DeviceLinkService } from '../services/device-link.service.ts';
import type { MosquittoDynsec } from './mosquitto-dynsec.ts';

/** How many device logins go into one dynamic-security request. */
const BATCH = 200;

/**
 * Gives every device of the registry that has no login on the broker yet its login and topic
 * rights, and records it (table broker_accounts), batch by batch; returns how many it did.
 * Idempotent, and safe on several nodes at once: a login made twice is set again.
 */
export async function provisionPendingDevices(
  deviceLink: Pick<DeviceLinkService, 'brokerLoginsToProvision' | 'brokerLoginsProvisioned'>,
  dynsec: MosquittoDynsec,
  brokerKey: string,
): Promise<number> {
  let total = 0;
  for (;;) {
    const pending = await deviceLink.brokerLoginsToProvision(brokerKey, BATCH);
    if (pending.length === 0) return total;
    await dynsec.provisionDevices(pending);
    await deviceLink.brokerLoginsProvisioned(
      brokerKey,
      pending.map((device) => device.serial),
    );
    total += pending.length;
  }
}

/**
 * Reconciles the registry with the broker now and then every `intervalMs`, so devices minted
 * with `latchkey mint --database …` (without --broker) while the nodes run can log in within
 * that interval. `stop()` waits for a round in progress.
 */
export function startProvisioningLoop(
  run: () => Promise<number>,
  intervalMs: number,
  log: { info(o: object, m: string): void; warn(o: object, m: string): void },
): { stop(): Promise<void> } {
  let stopped = false;
  let running = false;
  let current: Promise<void> = Promise.resolve();
  const round = () => {
    // A slow round is not overlapped by the next one.
    if (running) return;
    running = true;
    current = run()
      .then((count) => {
        if (count > 0) log.info({ count }, 'device link: device logins provisioned on the broker');
      })
      .catch((error: Error) =>
        log.warn(
          { reason: error.message },
          'device link: provisioning the broker failed; retrying',
        ),
      )
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(() => {
    if (!stopped) round();
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
