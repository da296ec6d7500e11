import { ACCESS_POINTS, CALL_POSITIONS, type DirectoryUser } from './config.model.ts';

/**
 * The fields of a directory entry as the HTTP API shows them (2N HTTP API §5.14.1): every key
 * of the entry template with its default value. The device has no display, so no `photo`.
 */
export interface DirectoryEntryView {
  uuid: string;
  deleted: boolean;
  owner: string;
  name: string;
  email: string;
  treepath: string;
  virtNumber: string;
  deputy: string;
  callPos: Array<{ peer: string; grouped: boolean }>;
  access: {
    pin: string;
    card: string[];
    code: string[];
    validFrom: string;
    validTo: string;
    accessPoints: Array<{ enabled: boolean }>;
  };
}

/** 2N HTTP API §5.14.1: the entry template, each key at its default. */
export function directoryTemplate(): DirectoryEntryView {
  return {
    uuid: '',
    deleted: false,
    owner: '',
    name: '',
    email: '',
    treepath: '/',
    virtNumber: '',
    deputy: '',
    callPos: Array.from({ length: CALL_POSITIONS }, () => ({ peer: '', grouped: false })),
    access: {
      pin: '',
      card: [],
      code: [],
      validFrom: '0',
      validTo: '0',
      accessPoints: Array.from({ length: ACCESS_POINTS }, () => ({ enabled: true })),
    },
  };
}

/** A stored entry with every template key filled in (absent optional fields at their default). */
export function entryView(user: DirectoryUser): DirectoryEntryView {
  const view = directoryTemplate();
  const access = user.access;
  return {
    ...view,
    uuid: user.uuid,
    owner: user.owner ?? '',
    name: user.name,
    email: user.email,
    treepath: user.treepath,
    virtNumber: user.virtNumber,
    deputy: user.deputy ?? '',
    callPos: view.callPos.map((blank, i) => ({
      peer: user.callPos[i]?.peer ?? blank.peer,
      grouped: user.callPos[i]?.grouped ?? blank.grouped,
    })),
    access: {
      pin: access.pin,
      card: [...access.card],
      code: [...access.code],
      validFrom: access.validFrom ?? '0',
      validTo: access.validTo ?? '0',
      accessPoints: view.access.accessPoints.map((blank, i) => ({
        enabled: access.accessPoints?.[i]?.enabled ?? blank.enabled,
      })),
    },
  };
}

/** The stored form of a view: trailing default call positions are dropped. */
export function entryFromView(view: DirectoryEntryView, timestamp: number): DirectoryUser {
  const positions = view.callPos.map((p) => ({
    peer: p.peer,
    ...(p.grouped ? { grouped: true } : {}),
  }));
  while (positions.length > 0 && positions.at(-1)!.peer === '' && !positions.at(-1)!.grouped) {
    positions.pop();
  }
  const allEnabled = view.access.accessPoints.every((ap) => ap.enabled);
  return {
    uuid: view.uuid,
    timestamp,
    ...(view.owner ? { owner: view.owner } : {}),
    name: view.name,
    email: view.email,
    treepath: view.treepath,
    virtNumber: view.virtNumber,
    ...(view.deputy ? { deputy: view.deputy } : {}),
    callPos: positions,
    access: {
      pin: view.access.pin,
      card: view.access.card,
      code: view.access.code,
      ...(view.access.validFrom !== '0' ? { validFrom: view.access.validFrom } : {}),
      ...(view.access.validTo !== '0' ? { validTo: view.access.validTo } : {}),
      ...(allEnabled ? {} : { accessPoints: view.access.accessPoints }),
    },
  };
}

/** One step of a field path: `callPos[1]` is {name: 'callPos', index: 1}. */
interface Segment {
  name: string;
  index?: number;
}
type Leaf = { path: Segment[]; value: unknown };

/** The leaves of a view: scalars and arrays of scalars; arrays of objects are walked by index. */
function leaves(value: unknown, path: Segment[] = []): Leaf[] {
  if (value === null || typeof value !== 'object') return [{ path, value }];
  if (Array.isArray(value)) {
    if (!value.every((item) => item !== null && typeof item === 'object')) return [{ path, value }];
    const last = path.at(-1)!;
    return value.flatMap((item, index) =>
      leaves(item, [...path.slice(0, -1), { name: last.name, index }]),
    );
  }
  return Object.entries(value).flatMap(([name, child]) => leaves(child, [...path, { name }]));
}

/** Parses `access.pin`, `callPos.peer` or `callPos[1].grouped`; null for what is no field name. */
export function parseFieldName(field: string): Segment[] | null {
  const segments: Segment[] = [];
  for (const part of field.split('.')) {
    const match = /^([A-Za-z][A-Za-z0-9]*)(?:\[(\d{1,3})\])?$/.exec(part);
    if (!match) return null;
    segments.push({
      name: match[1]!,
      ...(match[2] === undefined ? {} : { index: Number(match[2]) }),
    });
  }
  return segments;
}

/** Whether a requested field (unindexed: every position) covers a leaf. */
function covers(field: Segment[], leaf: Segment[]): boolean {
  if (field.length > leaf.length) return false;
  return field.every(
    (seg, i) =>
      seg.name === leaf[i]!.name && (seg.index === undefined || seg.index === leaf[i]!.index),
  );
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Rebuilds an object from chosen leaves; array positions keep their index (holes are `{}`). */
function assemble(chosen: Leaf[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { path, value } of chosen) {
    let target: Record<string, unknown> = out;
    path.forEach((seg, i) => {
      const lastStep = i === path.length - 1;
      if (seg.index === undefined) {
        if (lastStep) target[seg.name] = value;
        else target = (target[seg.name] ??= {}) as Record<string, unknown>;
        return;
      }
      const array = (target[seg.name] ??= []) as Array<Record<string, unknown>>;
      for (let k = array.length; k <= seg.index; k++) array.push({});
      target = array[seg.index]!;
    });
  }
  return out;
}

/**
 * The entry as dir/get and dir/query answer it (2N HTTP API §5.14.5, §5.14.6): without
 * `fields`, the fields that differ from the template; with an empty list, every field; with
 * names, those fields (unknown names are ignored). The uuid is always there.
 */
export function projectEntry(view: DirectoryEntryView, fields?: string[]): Record<string, unknown> {
  const all = leaves(view);
  let chosen: Leaf[];
  if (fields === undefined) {
    const defaults = new Map(leaves(directoryTemplate()).map((l) => [key(l.path), l.value]));
    chosen = all.filter((l) => !same(l.value, defaults.get(key(l.path))));
  } else if (fields.length === 0) {
    chosen = all;
  } else {
    const wanted = fields.map(parseFieldName).filter((f): f is Segment[] => f !== null);
    chosen = all.filter((l) => wanted.some((f) => covers(f, l.path)));
  }
  return { ...assemble(chosen.filter((l) => key(l.path) !== 'uuid')), uuid: view.uuid };
}

const key = (path: Segment[]) =>
  path.map((s) => (s.index === undefined ? s.name : `${s.name}[${s.index}]`)).join('.');
