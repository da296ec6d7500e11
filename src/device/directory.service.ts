import { randomInt, randomUUID } from 'node:crypto';
import type { ConfigStore } from './config.store.ts';
import { MAX_DIRECTORY_USERS, type DeviceConfig, type DirectoryUser } from './config.model.ts';
import { DeviceError, invalidParam } from './device.errors.ts';
import { directoryTemplate, entryView, projectEntry } from './directory.fields.ts';
import { applyEntry, EDIR, entryUuid, issue, type EntryIssue } from './directory.input.ts';

export { directoryTemplate } from './directory.fields.ts';

/** What dir/create, update and delete answer for one entry (2N HTTP API §5.14.2–5.14.4). */
export type EntryResult =
  | { uuid: string; timestamp: number; warnings?: EntryIssue[] }
  | { uuid?: string; errors: EntryIssue[] };

type Directory = DeviceConfig['directory'];
type Kind = 'create' | 'update' | 'delete';

/** A new timestamp series: a random decimal, as the device's own (2N HTTP API §5.14.6). */
export const newSeries = () => String(randomInt(1, 2 ** 48));

/**
 * The directory (phone book / users) behind /api/dir/* and the web interfaces. Every change
 * advances the directory's timestamp, so that dir/query returns what changed since a given
 * timestamp, deleted entries included (2N HTTP API §5.14.6).
 */
export class DirectoryService {
  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  /** The timestamp series; "0" until the directory first changes (then a random one). */
  get series(): string {
    return this.config.current.directory.series ?? '0';
  }

  /** 2N HTTP API §5.14.1. */
  template() {
    return { series: this.series, users: [directoryTemplate()] };
  }

  /** 2N HTTP API §5.14.2: each entry is created, or refused on its own (errors per entry). */
  async createEntries(raw: unknown[], force: boolean) {
    return this.#write('create', raw, { force, atomic: false });
  }

  /** 2N HTTP API §5.14.3: only the fields given change; the rest of each entry is kept. */
  async updateEntries(raw: unknown[]) {
    return this.#write('update', raw, { force: false, atomic: false });
  }

  /** 2N HTTP API §5.14.4: by uuid, or every entry of one `owner`. */
  async deleteEntries(raw: unknown[] | { owner: string }) {
    const list = Array.isArray(raw)
      ? raw
      : this.config.current.directory.users
          .filter((u) => (u.owner ?? '') === raw.owner)
          .map((u) => ({ uuid: u.uuid }));
    if (list.length === 0) return { series: this.series, users: [] as EntryResult[] };
    return this.#write('delete', list, { force: false, atomic: false });
  }

  /** 2N HTTP API §5.14.5: the entries named, each with the chosen fields, or its error. */
  getEntries(raw: unknown[], fields?: string[]) {
    const users = raw.map((entry) => {
      const uuid = entryUuid(entry);
      if (!uuid) return { errors: [issue('uuid', EDIR.badUuid, 'Give the uuid of an entry.')] };
      const user = this.#find(uuid);
      if (!user) return { uuid, errors: [issue('uuid', EDIR.notFound, 'No entry has this uuid.')] };
      return projectEntry(entryView(user), fields);
    });
    return { series: this.series, users };
  }

  /**
   * 2N HTTP API §5.14.6: the entries changed after `timestamp`, deleted ones as
   * `{uuid, deleted: true}`. A series other than the device's gets no entries, only the device's
   * series and newest timestamp, so that the client starts again from 0.
   */
  queryEntries(options: { series?: string; timestamp: number; fields?: string[] }) {
    const directory = this.config.current.directory;
    const iterator = { timestamp: directory.timestamp };
    if (options.series !== undefined && options.series !== this.series) {
      return { series: this.series, iterator, users: [] };
    }
    const changed: Array<{ timestamp: number; entry: Record<string, unknown> }> = [
      ...directory.users
        .filter((u) => u.timestamp > options.timestamp)
        .map((u) => ({
          timestamp: u.timestamp,
          entry: projectEntry(entryView(u), options.fields),
        })),
      ...(directory.deleted ?? [])
        .filter((d) => d.timestamp > options.timestamp)
        .map((d) => ({ timestamp: d.timestamp, entry: { uuid: d.uuid, deleted: true } })),
    ];
    changed.sort((a, b) => a.timestamp - b.timestamp);
    return { series: this.series, iterator, users: changed.map((c) => c.entry) };
  }

  /** Every entry as stored (for the web interfaces). */
  list(): DirectoryUser[] {
    return this.config.current.directory.users;
  }

  /** Creates entries for the web interfaces: all or nothing, refusals as DeviceError with param. */
  async create(raw: unknown[], force: boolean) {
    return (await this.#write('create', raw, { force, atomic: true })).users as Array<{
      uuid: string;
      timestamp: number;
    }>;
  }

  /** Updates entries for the web interfaces: all or nothing. */
  async update(raw: unknown[]) {
    return (await this.#write('update', raw, { force: false, atomic: true })).users as Array<{
      uuid: string;
      timestamp: number;
    }>;
  }

  /** Deletes entries for the web interfaces: all or nothing. */
  async delete(raw: unknown[]) {
    return (await this.#write('delete', raw, { force: false, atomic: true })).users as Array<{
      uuid: string;
      timestamp: number;
    }>;
  }

  /** The directory as the web interfaces list it: stored entries changed after `since`. */
  query(since: number) {
    const directory = this.config.current.directory;
    return {
      series: this.series,
      iterator: { timestamp: directory.timestamp },
      users: directory.users.filter((u) => u.timestamp > since),
    };
  }

  #find(uuid: string): DirectoryUser | undefined {
    return this.config.current.directory.users.find((u) => u.uuid === uuid);
  }

  async #write(kind: Kind, raw: unknown[], options: { force: boolean; atomic: boolean }) {
    let users: EntryResult[] = [];
    let series = this.series;
    await this.config.update(`directory entries ${kind}d`, (draft) => {
      const directory = draft.directory;
      directory.series ??= newSeries();
      series = directory.series;
      users = raw.map((entry, index) => {
        const result = writeOne(kind, directory, entry, options.force);
        if (options.atomic && 'errors' in result) throw refusal(result, index);
        return result;
      });
    });
    return { series, users };
  }
}

/** One entry of a create/update/delete, applied to the draft directory or refused. */
function writeOne(kind: Kind, directory: Directory, raw: unknown, force: boolean): EntryResult {
  const uuid = entryUuid(raw);
  if (uuid === null || (uuid === undefined && kind !== 'create')) {
    return { errors: [issue('uuid', EDIR.badUuid, 'Give the uuid of an entry.')] };
  }
  const at = uuid === undefined ? -1 : directory.users.findIndex((u) => u.uuid === uuid);
  if (kind !== 'create' && at < 0) {
    return { uuid, errors: [issue('uuid', EDIR.notFound, 'No entry has this uuid.')] };
  }
  if (kind === 'create' && at >= 0 && !force) {
    return {
      uuid,
      errors: [issue('uuid', EDIR.exists, 'An entry has this uuid; add force=1 to overwrite it.')],
    };
  }
  if (kind === 'create' && at < 0 && directory.users.length >= MAX_DIRECTORY_USERS) {
    return {
      errors: [issue('', EDIR.full, `The directory holds at most ${MAX_DIRECTORY_USERS} entries.`)],
    };
  }
  const timestamp = directory.timestamp + 1;
  if (kind === 'delete') {
    directory.timestamp = timestamp;
    directory.users.splice(at, 1);
    tombstone(directory, uuid!, timestamp);
    return { uuid: uuid!, timestamp };
  }
  const id = uuid ?? randomUUID().toUpperCase();
  // An update starts from the entry as it is; a create (or a forced overwrite) from the template.
  const base = kind === 'update' ? entryView(directory.users[at]!) : directoryTemplate();
  const applied = applyEntry({ ...base, uuid: id }, raw, timestamp);
  if (!applied.ok) return { ...(uuid ? { uuid } : {}), errors: applied.errors };
  directory.timestamp = timestamp;
  if (at >= 0) directory.users[at] = applied.user;
  else directory.users.push(applied.user);
  directory.deleted = directory.deleted?.filter((d) => d.uuid !== id);
  return {
    uuid: id,
    timestamp,
    ...(applied.warnings.length > 0 ? { warnings: applied.warnings } : {}),
  };
}

/** Remembers a deleted entry for dir/query; the oldest are forgotten past the directory's size. */
export function tombstone(directory: Directory, uuid: string, timestamp: number) {
  const deleted = (directory.deleted ?? []).filter((d) => d.uuid !== uuid);
  deleted.push({ uuid, timestamp });
  directory.deleted = deleted.slice(-MAX_DIRECTORY_USERS);
}

/** The first error of a refused entry as the vendor error the web interfaces show. */
function refusal(result: Extract<EntryResult, { errors: EntryIssue[] }>, index: number) {
  const first = result.errors[0]!;
  const param = first.field ? `users[${index}].${first.field}` : `users[${index}]`;
  if (first.code === EDIR.full) return new DeviceError(13, first.description, 'users');
  return invalidParam(param, `${first.description} (${first.code})`);
}
