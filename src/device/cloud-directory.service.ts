import { CLOUD_ENTRY_OWNER } from '../core/building.model.ts';
import type { DirectoryHeld, ProvisionArgs } from '../core/provisioning.protocol.ts';
import type { ConfigStore } from './config.store.ts';
import { MAX_DIRECTORY_USERS, type DeviceConfig, type DirectoryUser } from './config.model.ts';
import { directoryTemplate } from './directory.fields.ts';
import { applyEntry } from './directory.input.ts';
import { newSeries, tombstone } from './directory.service.ts';

type Directory = DeviceConfig['directory'];

/** What one `provision` part comes to (the link client turns it into the reply). */
export type ProvisionOutcome =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; error: string; result?: Record<string, unknown> };

/** A refusal found while applying: nothing is written. */
class Refused extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const isCloudEntry = (user: DirectoryUser) => user.owner === CLOUD_ENTRY_OWNER;

/**
 * The cloud-managed part of the directory (issue 17, Auto Provisioning): entries whose owner is
 * My2N (2N HTTP API §5.14.1 `owner`). Parts of a version are staged in memory and the version is
 * applied in ONE config update (one atomic file write), so a killed device holds the old
 * version or the new one, never half. Entries an installer made (another owner) are never
 * touched.
 */
export class CloudDirectoryService {
  #staged: { siteId: string | null; version: number; parts: Map<number, ProvisionArgs> } | null =
    null;

  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  /** What the device holds: the site of its cloud entries and the version applied (0: none). */
  held(): DirectoryHeld {
    return this.config.current.directory.cloud ?? { siteId: null, version: 0 };
  }

  /** One part of a version; the last one missing applies the version. */
  async provision(args: ProvisionArgs): Promise<ProvisionOutcome> {
    const held = this.held();
    if (args.siteId === held.siteId && args.version <= held.version) {
      // A duplicate or an older message: what is held already answers it, nothing is written.
      return { ok: true, result: { ...held, entries: this.#count() } };
    }
    if (args.base > 0 && (args.siteId !== held.siteId || args.base !== held.version)) {
      return { ok: false, error: 'base-mismatch', result: { ...held } };
    }
    const staged = this.#stage(args);
    if (!staged) return { ok: false, error: 'superseded', result: { ...held } };
    if (staged.parts.size < args.parts) return { ok: true, result: { staged: args.part } };
    this.#staged = null;
    try {
      await this.config.update(`directory provisioned (version ${args.version})`, (draft) =>
        applyVersion(draft.directory, [...staged.parts.values()]),
      );
    } catch (error) {
      if (error instanceof Refused) return { ok: false, error: error.code, result: { ...held } };
      throw error;
    }
    return { ok: true, result: { ...this.held(), entries: this.#count() } };
  }

  /**
   * Safety net of set-ownership (docs/decisions.md, "Buildings"): a device told it now
   * belongs to another site (or none) drops the previous site's entries at once, even if the
   * cloud's provision message never arrives.
   */
  async ownerChanged(siteId: string | null): Promise<boolean> {
    const belongsElsewhere = (held: DirectoryHeld | undefined) =>
      held !== undefined && held.siteId !== null && held.siteId !== siteId;
    if (!belongsElsewhere(this.held())) return false;
    if (this.#staged && this.#staged.siteId !== siteId) this.#staged = null;
    let wiped = false;
    // Decided on the draft, not on what was read before: the new site's version may have been
    // applied while this update waited its turn, and it must not be wiped.
    await this.config.update('cloud directory wiped (device moved)', (draft) => {
      const held = draft.directory.cloud;
      if (!belongsElsewhere(held)) return;
      removeCloudEntries(draft.directory, () => true);
      draft.directory.cloud = { siteId: null, version: held!.version };
      wiped = true;
    });
    return wiped;
  }

  #count(): number {
    return this.config.current.directory.users.filter(isCloudEntry).length;
  }

  /** Keeps the parts of the newest version only; null when `args` is older than the staged one. */
  #stage(args: ProvisionArgs) {
    const staged = this.#staged;
    if (staged && staged.siteId === args.siteId && staged.version > args.version) return null;
    if (!staged || staged.siteId !== args.siteId || staged.version !== args.version) {
      this.#staged = { siteId: args.siteId, version: args.version, parts: new Map() };
    }
    this.#staged!.parts.set(args.part, args);
    return this.#staged!;
  }
}

/** Writes a whole version into the draft directory, or throws Refused and changes nothing. */
function applyVersion(directory: Directory, parts: ProvisionArgs[]): void {
  const first = parts[0]!;
  const upserts = parts.flatMap((p) => p.upserts);
  const wanted = new Set(upserts.map((e) => e.uuid.toUpperCase()));
  const deletes = new Set(parts.flatMap((p) => p.deletes).map((d) => d.toUpperCase()));
  directory.series ??= newSeries();
  if (first.base === 0) removeCloudEntries(directory, (u) => !wanted.has(u.uuid));
  else removeCloudEntries(directory, (u) => deletes.has(u.uuid));
  for (const raw of upserts) upsert(directory, raw);
  if (directory.users.length > MAX_DIRECTORY_USERS) {
    throw new Refused('directory-full', `The directory holds at most ${MAX_DIRECTORY_USERS}.`);
  }
  directory.cloud = { siteId: first.siteId, version: first.version };
}

function removeCloudEntries(directory: Directory, which: (user: DirectoryUser) => boolean) {
  const gone = directory.users.filter((u) => isCloudEntry(u) && which(u));
  if (gone.length === 0) return;
  directory.users = directory.users.filter((u) => !gone.includes(u));
  for (const user of gone) {
    directory.timestamp += 1;
    tombstone(directory, user.uuid, directory.timestamp);
  }
}

/**
 * One cloud entry replaces the cloud entry of the same uuid (a local edit of it included) or is
 * added; an unchanged entry keeps its timestamp so dir/query (§5.14.6) reports real changes.
 */
function upsert(directory: Directory, raw: ProvisionArgs['upserts'][number]) {
  const uuid = raw.uuid.toUpperCase();
  const at = directory.users.findIndex((u) => u.uuid === uuid);
  if (at >= 0 && !isCloudEntry(directory.users[at]!)) return;
  const applied = applyEntry({ ...directoryTemplate(), uuid }, raw, directory.timestamp + 1);
  if (!applied.ok) {
    const first = applied.errors[0]!;
    throw new Refused('bad-entry', `${uuid} ${first.field}: ${first.description}`);
  }
  const existing = at >= 0 ? directory.users[at]! : null;
  if (existing && sameEntry(existing, applied.user)) return;
  directory.timestamp += 1;
  if (existing) directory.users[at] = applied.user;
  else directory.users.push(applied.user);
  directory.deleted = directory.deleted?.filter((d) => d.uuid !== uuid);
}

const sameEntry = (a: DirectoryUser, b: DirectoryUser) =>
  JSON.stringify({ ...a, timestamp: 0 }) === JSON.stringify({ ...b, timestamp: 0 });
