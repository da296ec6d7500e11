import { directoryUserSchema, type DirectoryUser } from './config.model.ts';
import { entryFromView, type DirectoryEntryView } from './directory.fields.ts';

/** A problem with one field of one entry, as dir/create|update|delete|get report it per entry. */
export interface EntryIssue {
  field: string;
  code: string;
  description: string;
}

/**
 * The per-entry codes. EDIR_UUID_ALREADY_EXISTS is the manual's (§5.14.2); the manual does not
 * list the others, so these names are the emulator's, in the same style.
 */
export const EDIR = {
  exists: 'EDIR_UUID_ALREADY_EXISTS',
  notFound: 'EDIR_UUID_NOT_FOUND',
  badUuid: 'EDIR_UUID_INVALID',
  badValue: 'EDIR_FIELD_INVALID',
  unknown: 'EDIR_FIELD_UNKNOWN',
  full: 'EDIR_DIRECTORY_FULL',
} as const;

const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

class FieldError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** Expands dotted keys (`"access.pin": "1234"`) into nested objects, as integrations send both. */
function expandDotted(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const parts = name.split('.');
    let target = out;
    parts.slice(0, -1).forEach((part) => {
      const next = target[part];
      target = (target[part] =
        next && typeof next === 'object' && !Array.isArray(next) ? next : {}) as Record<
        string,
        unknown
      >;
    });
    const last = parts.at(-1)!;
    const existing = target[last];
    target[last] =
      isObject(existing) && isObject(value) ? { ...existing, ...value } : (value as unknown);
  }
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function text(field: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new FieldError(field, 'Give a string.');
}

function flag(field: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  throw new FieldError(field, 'Give true or false.');
}

/**
 * An array of strings. Cards are a set (empty slots dropped); switch codes are positional —
 * `code[i]` belongs to switch i + 1 — so their empty slots stay, only trailing ones go.
 */
function texts(field: string, value: unknown, positional = false): string[] {
  if (!Array.isArray(value)) throw new FieldError(field, 'Give an array of strings.');
  const items = value.map((item, i) => text(`${field}[${i}]`, item));
  if (!positional) return items.filter((item) => item !== '');
  while (items.length > 0 && items.at(-1) === '') items.pop();
  return items;
}

function positions<T>(
  field: string,
  value: unknown,
  current: T[],
  merge: (field: string, item: T, raw: Record<string, unknown>, warn: (f: string) => void) => T,
  warn: (f: string) => void,
): T[] {
  if (!Array.isArray(value)) throw new FieldError(field, 'Give an array of objects.');
  if (value.length > current.length) {
    throw new FieldError(`${field}[${current.length}]`, `At most ${current.length} positions.`);
  }
  return current.map((item, i) => {
    const raw = value[i] as unknown;
    if (raw === undefined || raw === null) return item;
    if (!isObject(raw)) throw new FieldError(`${field}[${i}]`, 'Give an object.');
    return merge(`${field}[${i}]`, item, raw, warn);
  });
}

const STRING_FIELDS = ['owner', 'name', 'email', 'treepath', 'virtNumber', 'deputy'] as const;

/** Writes the given fields of `raw` over `view`; unknown names become warnings. */
function merge(view: DirectoryEntryView, raw: Record<string, unknown>, warn: (f: string) => void) {
  const next = structuredClone(view);
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'uuid' || name === 'timestamp' || name === 'deleted') continue;
    if ((STRING_FIELDS as readonly string[]).includes(name)) {
      next[name as (typeof STRING_FIELDS)[number]] = text(name, value);
    } else if (name === 'callPos') {
      next.callPos = positions(
        'callPos',
        value,
        next.callPos,
        (field, item, rawItem, w) => {
          const out = { ...item };
          for (const [k, v] of Object.entries(rawItem)) {
            if (k === 'peer') out.peer = text(`${field}.peer`, v);
            else if (k === 'grouped') out.grouped = flag(`${field}.grouped`, v);
            else w(`${field}.${k}`);
          }
          return out;
        },
        warn,
      );
    } else if (name === 'access') {
      if (!isObject(value)) throw new FieldError('access', 'Give an object.');
      mergeAccess(next, value, warn);
    } else {
      warn(name);
    }
  }
  return next;
}

function mergeAccess(
  next: DirectoryEntryView,
  raw: Record<string, unknown>,
  warn: (f: string) => void,
) {
  const access = next.access;
  for (const [k, v] of Object.entries(raw)) {
    const field = `access.${k}`;
    if (k === 'pin') access.pin = text(field, v);
    else if (k === 'card') access.card = texts(field, v);
    else if (k === 'code') access.code = texts(field, v, true);
    else if (k === 'validFrom' || k === 'validTo') access[k] = text(field, v);
    else if (k === 'accessPoints') {
      access.accessPoints = positions(
        field,
        v,
        access.accessPoints,
        (f, item, rawItem, w) => {
          const out = { ...item };
          for (const [key, value] of Object.entries(rawItem)) {
            if (key === 'enabled') out.enabled = flag(`${f}.enabled`, value);
            else w(`${f}.${key}`);
          }
          return out;
        },
        warn,
      );
    } else warn(field);
  }
}

/** The manual's field name for a schema path: ['callPos', 0, 'peer'] → "callPos[0].peer". */
function fieldName(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

export type Applied =
  { ok: true; user: DirectoryUser; warnings: EntryIssue[] } | { ok: false; errors: EntryIssue[] };

/** Applies one request entry to `view` (the entry's current or default fields) and validates it. */
export function applyEntry(view: DirectoryEntryView, raw: unknown, timestamp: number): Applied {
  const warnings: EntryIssue[] = [];
  const warn = (field: string) =>
    warnings.push({ field, code: EDIR.unknown, description: 'unknown field, ignored' });
  if (!isObject(raw)) {
    return { ok: false, errors: [issue('', EDIR.badValue, 'Each entry must be a JSON object.')] };
  }
  try {
    const next = merge(view, expandDotted(raw), warn);
    const parsed = directoryUserSchema.safeParse(entryFromView(next, timestamp));
    if (!parsed.success) {
      return {
        ok: false,
        errors: parsed.error.issues.map((i) => issue(fieldName(i.path), EDIR.badValue, i.message)),
      };
    }
    return { ok: true, user: parsed.data, warnings };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return { ok: false, errors: [issue(error.field, EDIR.badValue, error.message)] };
  }
}

/** The uuid an entry names: uppercased; undefined when absent; null when malformed. */
export function entryUuid(raw: unknown): string | undefined | null {
  const value = isObject(raw) ? raw.uuid : undefined;
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return null;
  const uuid = value.toUpperCase();
  return UUID.test(uuid) && uuid !== '00000000-0000-0000-0000-000000000000' ? uuid : null;
}

export const issue = (field: string, code: string, description: string): EntryIssue => ({
  field,
  code,
  description,
});
