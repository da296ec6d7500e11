import { createHash } from 'node:crypto';
import { CLOUD_ENTRY_OWNER, SWITCHES_PER_DEVICE, type Resident } from './building.model.ts';
import type { ProvisionArgs, ProvisionEntry } from './provisioning.protocol.ts';

/** The directory entry's name holds 64 characters (2N HTTP API §5.14.1, device config.model.ts). */
const NAME_MAX = 64;
const EMAIL_MAX = 128;
const TREEPATH_MAX = 256;
const PEER_MAX = 128;

/** ISO 8601 → Unix seconds as the directory writes them; '0' means no limit (§5.14.1). */
export function unixSeconds(isoTime: string | null): string {
  if (isoTime === null) return '0';
  const ms = Date.parse(isoTime);
  return Number.isNaN(ms) || ms <= 0 ? '0' : String(Math.floor(ms / 1000));
}

/** The switches `resident` may open on device `serial`, ascending, each once. */
export function switchesOn(resident: Resident, serial: string): number[] {
  const granted = resident.access
    .filter((a) => a.serialNumber === serial && a.switch >= 1 && a.switch <= SWITCHES_PER_DEVICE)
    .map((a) => a.switch);
  return [...new Set(granted)].sort((a, b) => a - b);
}

/**
 * The entry of `resident` on device `serial` (common brief, "Credential placement"): the PIN
 * opens the access point's switch 1 (device ACCESS_POINT_SWITCHES), and a user's switch code i
 * opens switch i+1 (2N HTTP API §5.14.1 `access.code`), so a PIN granted on switch s > 1 is
 * written as code s-1. Cards open the access point's switch only. A disabled resident or one
 * without rights here keeps a callable entry without credentials.
 */
export function directoryEntryFor(resident: Resident, serial: string): ProvisionEntry {
  const switches = resident.enabled ? switchesOn(resident, serial) : [];
  const pin = resident.pins[0] ?? '';
  const opensSwitch1 = switches.includes(1) && pin !== '';
  const codes: string[] = [];
  for (const s of switches.filter((s) => s > 1)) {
    while (codes.length < s - 2) codes.push('');
    codes[s - 2] = pin;
  }
  const withCodes = pin === '' ? [] : codes;
  return {
    uuid: resident.id.toUpperCase(),
    owner: CLOUD_ENTRY_OWNER,
    name: resident.name.slice(0, NAME_MAX),
    email: (resident.email ?? '').slice(0, EMAIL_MAX),
    treepath: `/${resident.apartmentName}`.slice(0, TREEPATH_MAX),
    callPos: [{ peer: (resident.callTarget ?? '').slice(0, PEER_MAX) }],
    access: {
      pin: opensSwitch1 ? pin : '',
      code: withCodes,
      card: switches.includes(1) ? [...resident.cards] : [],
      validFrom: unixSeconds(resident.validFrom),
      validTo: unixSeconds(resident.validTo),
    },
  };
}

/** Every resident of the site as an entry of `serial`, sorted by uuid (a stable digest). */
export function desiredDirectory(residents: readonly Resident[], serial: string): ProvisionEntry[] {
  return residents
    .map((r) => directoryEntryFor(r, serial))
    .sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
}

/** JSON with object keys sorted at every level, so equal entries give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const entryDigest = (entry: ProvisionEntry): string =>
  createHash('sha256').update(canonicalJson(entry)).digest('hex');

/** The digest of a whole directory for a site: what a device must hold, in one value. */
export function directoryDigest(siteId: string | null, entries: readonly ProvisionEntry[]): string {
  const hash = createHash('sha256').update(`${siteId ?? ''}\n`);
  for (const entry of entries) hash.update(`${entryDigest(entry)}\n`);
  return hash.digest('hex');
}

type PartBody = Pick<ProvisionArgs, 'upserts' | 'deletes'>;

/**
 * Splits a version's changes into parts whose command message stays within `maxBytes`
 * (link.protocol.ts MAX_MESSAGE_BYTES). `envelopeBytes` is what the command's JSON takes around
 * the lists (id, name, the other args); every part has at least one change except a lone empty
 * part (a wipe, or a version with nothing in it).
 */
export function planParts(
  upserts: readonly ProvisionEntry[],
  deletes: readonly string[],
  maxBytes: number,
  envelopeBytes = 256,
): PartBody[] {
  const budget = maxBytes - envelopeBytes;
  const parts: PartBody[] = [];
  let current: PartBody = { upserts: [], deletes: [] };
  let size = 0;
  const push = (bytes: number, add: (part: PartBody) => void) => {
    if (bytes > budget) throw new Error('one directory entry is larger than a link message');
    if (size + bytes > budget) {
      parts.push(current);
      current = { upserts: [], deletes: [] };
      size = 0;
    }
    add(current);
    size += bytes;
  };
  // +1 for the comma between array items.
  for (const entry of upserts) {
    push(Buffer.byteLength(JSON.stringify(entry)) + 1, (p) => p.upserts.push(entry));
  }
  for (const uuid of deletes) {
    push(Buffer.byteLength(JSON.stringify(uuid)) + 1, (p) => p.deletes.push(uuid));
  }
  parts.push(current);
  return parts;
}
