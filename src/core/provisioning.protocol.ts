import { fail, ok, type Result } from './result.ts';

/**
 * Auto Provisioning over the device link (issue 17): the `provision` command carries one part
 * of one version of a device's cloud-managed directory. Both ends read it with these functions.
 */

/** One cloud-managed directory entry as `/api/dir/create` takes it (2N HTTP API §5.14.1/§5.14.2). */
export interface ProvisionEntry {
  uuid: string;
  owner: string;
  name: string;
  email: string;
  treepath: string;
  callPos: { peer: string }[];
  access: {
    pin: string;
    code: string[];
    card: string[];
    validFrom: string;
    validTo: string;
  };
}

/**
 * `base: 0` replaces every cloud-managed entry with the upserts of all parts; `base: N` changes
 * version N of the same site (upserts by uuid, deletes by uuid). `siteId: null` with nothing is
 * a wipe.
 */
export interface ProvisionArgs {
  siteId: string | null;
  version: number;
  base: number;
  /** 1-based. */
  part: number;
  parts: number;
  upserts: ProvisionEntry[];
  deletes: string[];
}

/** What the device answers the last part with, and `base-mismatch` carries. */
export interface DirectoryHeld {
  siteId: string | null;
  version: number;
}

/** base-mismatch: not the version a delta needs; superseded: a newer version is being staged. */
export const PROVISION_ERRORS = [
  'base-mismatch',
  'directory-full',
  'bad-args',
  'bad-entry',
  'superseded',
] as const;
export type ProvisionError = (typeof PROVISION_ERRORS)[number];

/** The most parts one version may have: 2,000 entries of up to ~1 KiB in 16 KiB messages. */
export const MAX_PROVISION_PARTS = 512;

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isSiteId = (value: unknown): value is string | null =>
  value === null || (typeof value === 'string' && value.length > 0 && value.length <= 64);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the args of a `provision` command. Entries are checked only for shape here; the device
 * validates each against its directory schema when it applies them.
 */
export function parseProvisionArgs(args: Record<string, unknown>): Result<ProvisionArgs> {
  const { siteId, version, base, part, parts, upserts, deletes } = args;
  if (!isSiteId(siteId)) return fail('siteId must be a site id or null');
  if (!isCount(version) || version === 0) return fail('version must be a positive integer');
  if (!isCount(base) || base >= version) return fail('base must be 0 or an older version');
  if (!isCount(parts) || parts < 1 || parts > MAX_PROVISION_PARTS) return fail('bad parts');
  if (!isCount(part) || part < 1 || part > parts) return fail('part must be 1 to parts');
  if (!Array.isArray(upserts) || !upserts.every(isEntryShape)) return fail('bad upserts');
  if (!Array.isArray(deletes) || !deletes.every((d) => typeof d === 'string')) {
    return fail('deletes must be uuids');
  }
  if (siteId === null && (base !== 0 || upserts.length > 0)) {
    return fail('a wipe (siteId null) is a full replacement with no entries');
  }
  return ok({
    siteId,
    version,
    base,
    part,
    parts,
    upserts: upserts as ProvisionEntry[],
    deletes: deletes as string[],
  });
}

function isEntryShape(value: unknown): boolean {
  return isObject(value) && typeof value.uuid === 'string' && isObject(value.access);
}

/** The reply result of a final part or a duplicate: what the device now holds. */
export function parseDirectoryHeld(value: unknown): DirectoryHeld | null {
  if (!isObject(value)) return null;
  const { siteId, version } = value;
  return isSiteId(siteId) && isCount(version) ? { siteId, version } : null;
}
