import { randomUUID } from 'node:crypto';
import type { ConfigStore } from './config.store.ts';
import { directoryUserSchema, MAX_DIRECTORY_USERS, type DirectoryUser } from './config.model.ts';
import { DeviceError, invalidParam } from './device.errors.ts';

/** The fields of a directory entry (/api/dir/template), with their default values. */
export const DIRECTORY_TEMPLATE = {
  uuid: '',
  name: '',
  email: '',
  treepath: '/',
  virtNumber: '',
  callPos: [{ peer: '' }],
  access: { pin: '', card: [] as string[], code: [] as string[] },
};

type Fields = Partial<Omit<DirectoryUser, 'timestamp'>>;
const EDITABLE = ['name', 'email', 'treepath', 'virtNumber', 'callPos', 'access'] as const;

function blank(uuid: string): Omit<DirectoryUser, 'timestamp'> {
  return {
    uuid,
    name: '',
    email: '',
    treepath: '/',
    virtNumber: '',
    callPos: [],
    access: { pin: '', card: [], code: [] },
  };
}

function readFields(raw: unknown, index: number): Fields {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidParam(
      `users[${index}]`,
      'Each entry of "users" must be a JSON object (see /api/dir/template).',
    );
  }
  const entry = raw as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (key !== 'uuid' && key !== 'timestamp' && !(EDITABLE as readonly string[]).includes(key)) {
      throw invalidParam(
        `users[${index}].${key}`,
        `"${key}" is not a directory field; /api/dir/template lists them.`,
      );
    }
  }
  const fields: Fields = {};
  if (entry.uuid !== undefined) fields.uuid = String(entry.uuid).toUpperCase();
  for (const key of EDITABLE) {
    if (entry[key] === undefined) continue;
    if (key === 'access') {
      const access = (entry.access ?? {}) as Record<string, unknown>;
      fields.access = {
        pin: access.pin === undefined ? '' : String(access.pin),
        card: Array.isArray(access.card) ? access.card.map(String) : [],
        code: Array.isArray(access.code) ? access.code.map(String) : [],
      };
    } else if (key === 'callPos') {
      const positions = Array.isArray(entry.callPos) ? entry.callPos : [];
      fields.callPos = positions.map((p) => ({
        peer: String((p as Record<string, unknown>)?.peer ?? ''),
      }));
    } else {
      fields[key] = String(entry[key]);
    }
  }
  return fields;
}

function validate(user: DirectoryUser, index: number): DirectoryUser {
  const parsed = directoryUserSchema.safeParse(user);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidParam(
      `users[${index}].${issue.path.join('.')}`,
      `${issue.message}; correct this field and send the request again.`,
    );
  }
  return parsed.data;
}

/**
 * The directory (phone book / users) behind /api/dir/*: every change advances the directory's
 * timestamp, so that /api/dir/query can return what changed since a given timestamp.
 */
export class DirectoryService {
  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  async create(rawUsers: unknown[], force: boolean) {
    let results: Array<{ uuid: string; timestamp: number }> = [];
    await this.config.update('directory entries created', (draft) => {
      results = [];
      rawUsers.forEach((raw, index) => {
        const fields = readFields(raw, index);
        const uuid = fields.uuid ?? randomUUID().toUpperCase();
        const existing = draft.directory.users.findIndex((u) => u.uuid === uuid);
        if (existing >= 0 && !force) {
          throw invalidParam(
            `users[${index}].uuid`,
            `An entry with uuid ${uuid} already exists; use /api/dir/update, or add force=1 to overwrite it.`,
          );
        }
        draft.directory.timestamp += 1;
        const user = validate(
          { ...blank(uuid), ...fields, uuid, timestamp: draft.directory.timestamp },
          index,
        );
        if (existing >= 0) draft.directory.users[existing] = user;
        else draft.directory.users.push(user);
        results.push({ uuid, timestamp: user.timestamp });
      });
      if (draft.directory.users.length > MAX_DIRECTORY_USERS) {
        throw new DeviceError(
          13,
          `The directory holds at most ${MAX_DIRECTORY_USERS} entries; delete some first.`,
          'users',
        );
      }
    });
    return results;
  }

  async update(rawUsers: unknown[]) {
    let results: Array<{ uuid: string; timestamp: number }> = [];
    await this.config.update('directory entries updated', (draft) => {
      results = [];
      rawUsers.forEach((raw, index) => {
        const fields = readFields(raw, index);
        const at = draft.directory.users.findIndex((u) => u.uuid === fields.uuid);
        if (!fields.uuid || at < 0) {
          throw invalidParam(
            `users[${index}].uuid`,
            'Give the uuid of an existing entry (see /api/dir/query).',
          );
        }
        draft.directory.timestamp += 1;
        const user = validate(
          { ...draft.directory.users[at]!, ...fields, timestamp: draft.directory.timestamp },
          index,
        );
        draft.directory.users[at] = user;
        results.push({ uuid: user.uuid, timestamp: user.timestamp });
      });
    });
    return results;
  }

  async delete(rawUsers: unknown[]) {
    let results: Array<{ uuid: string; timestamp: number }> = [];
    await this.config.update('directory entries deleted', (draft) => {
      results = [];
      rawUsers.forEach((raw, index) => {
        const uuid = readFields(raw, index).uuid;
        const at = draft.directory.users.findIndex((u) => u.uuid === uuid);
        if (!uuid || at < 0) {
          throw invalidParam(
            `users[${index}].uuid`,
            'Give the uuid of an existing entry (see /api/dir/query).',
          );
        }
        draft.directory.users.splice(at, 1);
        draft.directory.timestamp += 1;
        results.push({ uuid, timestamp: draft.directory.timestamp });
      });
    });
    return results;
  }

  get(rawUsers: unknown[], fields?: string[]) {
    const users = rawUsers.map((raw, index) => {
      const uuid = readFields(raw, index).uuid;
      const user = this.config.current.directory.users.find((u) => u.uuid === uuid);
      if (!user)
        throw invalidParam(
          `users[${index}].uuid`,
          'Give the uuid of an existing entry (see /api/dir/query).',
        );
      return user;
    });
    return users.map((user) => pick(user, fields));
  }

  query(since: number, fields?: string[]) {
    const directory = this.config.current.directory;
    return {
      series: '1',
      iterator: { timestamp: directory.timestamp },
      users: directory.users.filter((u) => u.timestamp > since).map((user) => pick(user, fields)),
    };
  }
}

function pick(user: DirectoryUser, fields?: string[]): Partial<DirectoryUser> {
  if (!fields || fields.length === 0) return user;
  const out: Record<string, unknown> = { uuid: user.uuid };
  for (const field of fields) {
    if (!(field in user)) {
      throw invalidParam(
        'fields',
        `"${field}" is not a directory field; /api/dir/template lists them.`,
      );
    }
    out[field] = user[field as keyof DirectoryUser];
  }
  return out as Partial<DirectoryUser>;
}
