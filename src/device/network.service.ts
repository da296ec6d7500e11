import type { ConfigStore } from './config.store.ts';
import { invalidParam } from './device.errors.ts';

export interface NetworkInput {
  dhcp: boolean;
  ipAddress: string;
  netmask: string;
  gateway: string;
  dns1: string;
  dns2: string;
}

const FIELD_NAMES: Record<Exclude<keyof NetworkInput, 'dhcp'>, string> = {
  ipAddress: 'IP address',
  netmask: 'Network mask',
  gateway: 'Default gateway',
  dns1: 'Primary DNS',
  dns2: 'Secondary DNS',
};

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return (
    parts.length === 4 &&
    parts.every(
      (part) => /^\d{1,3}$/.test(part) && Number(part) <= 255 && String(Number(part)) === part,
    )
  );
}

function isNetmask(text: string): boolean {
  if (!isIpv4(text)) return false;
  const bits = text
    .split('.')
    .map((part) => Number(part).toString(2).padStart(8, '0'))
    .join('');
  return /^1+0*$/.test(bits);
}

/**
 * System → Network: DHCP, or a static address with mask, gateway and DNS servers. Each refusal
 * names the field (DeviceError param) so that a form can show it next to the field.
 */
export class NetworkService {
  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  current(): NetworkInput & { hostname: string } {
    return { ...this.config.current.network };
  }

  /** Checks the settings field by field (the first problem wins); throws a DeviceError. */
  check(input: NetworkInput): NetworkInput {
    const trimmed: NetworkInput = {
      dhcp: input.dhcp,
      ipAddress: input.ipAddress.trim(),
      netmask: input.netmask.trim(),
      gateway: input.gateway.trim(),
      dns1: input.dns1.trim(),
      dns2: input.dns2.trim(),
    };
    if (!trimmed.dhcp) {
      if (trimmed.ipAddress === '')
        throw invalidParam('ipAddress', 'Enter the IP address, e.g. 192.168.1.50, or choose DHCP.');
      if (trimmed.netmask === '')
        throw invalidParam('netmask', 'Enter the network mask, e.g. 255.255.255.0.');
    }
    for (const field of Object.keys(FIELD_NAMES) as Array<keyof typeof FIELD_NAMES>) {
      const value = trimmed[field];
      if (value !== '' && !isIpv4(value)) {
        throw invalidParam(
          field,
          `${FIELD_NAMES[field]}: "${value}" is not an IPv4 address; write four numbers from 0 to 255 separated by dots, e.g. 192.168.1.1.`,
        );
      }
    }
    if (trimmed.netmask !== '' && !isNetmask(trimmed.netmask)) {
      throw invalidParam(
        'netmask',
        `Network mask: "${trimmed.netmask}" is not a mask; use contiguous ones like 255.255.255.0.`,
      );
    }
    return trimmed;
  }

  async save(input: NetworkInput): Promise<void> {
    const checked = this.check(input);
    await this.config.update('network settings changed', (draft) => {
      draft.network = { ...draft.network, ...checked };
    });
  }
}
