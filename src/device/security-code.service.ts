import { deriveSecurityCode, formatSecurityCode } from '../core/security-code.rules.ts';
import type { DeviceEvents } from './device.events.ts';
import type { DeviceIdentity } from './identity.store.ts';
import type { ProtectedStore } from './protected.store.ts';

export interface SecurityCodeView {
  serialNumber: string;
  securityCode: string;
  generation: number;
}

/**
 * System → Auto Provisioning (classic) / Integration → Autoprovisioning → My2N (new): shows the
 * serial number and the current security code; Generate New replaces the code durably.
 */
export class SecurityCodeService {
  private readonly identity: DeviceIdentity;
  private readonly store: ProtectedStore;
  private readonly events: DeviceEvents;
  constructor(identity: DeviceIdentity, store: ProtectedStore, events: DeviceEvents) {
    this.identity = identity;
    this.store = store;
    this.events = events;
  }

  get generation(): number {
    return this.store.state.codeGeneration;
  }

  current(): SecurityCodeView {
    const generation = this.generation;
    return {
      serialNumber: this.identity.serialNumber,
      securityCode: formatSecurityCode(
        deriveSecurityCode(this.identity.secret, this.identity.serialNumber, generation),
      ),
      generation,
    };
  }

  /**
   * Generate New. The new generation is announced ("code-regenerating") as soon as it is
   * decided, so the cloud stops accepting the old code without waiting for the flash write; the
   * new code is shown, and "code-regenerated" emitted, only once it is stored. If the device
   * lost power between the two, the cloud knows a generation the device does not: the old code
   * stays refused (the safe side) and the next Generate New reaches that same generation again.
   */
  async generateNew(): Promise<SecurityCodeView> {
    const state = await this.store.update(
      (s) => ({ ...s, codeGeneration: s.codeGeneration + 1 }),
      (next) => this.events.emit('code-regenerating', { generation: next.codeGeneration }),
    );
    this.events.emit('code-regenerated', { generation: state.codeGeneration });
    return this.current();
  }
}
