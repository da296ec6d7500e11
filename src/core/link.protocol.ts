import { fail, ok, type Result } from './result.ts';

/**
 * The device link (DESIGN.md "Link"): MQTT 3.1.1, every topic under `devices/<serial>/`.
 * Both ends build and read messages with these functions, so they cannot disagree.
 */
export const DEVICE_TOPIC_KINDS = ['state', 'events', 'commands', 'replies', 'presence'] as const;
export type DeviceTopicKind = (typeof DEVICE_TOPIC_KINDS)[number];

/** What a device may publish: everything but commands, which only the cloud sends. */
const DEVICE_PUBLISHES: ReadonlySet<DeviceTopicKind> = new Set([
  'state',
  'events',
  'replies',
  'presence',
]);

export const deviceTopic = (serial: string, kind: DeviceTopicKind): string =>
  `devices/${serial}/${kind}`;

/**
 * The one MQTT client id device `serial` may link with. The broker refuses any other: a second
 * connection with a client id already in use takes over the first (MQTT 3.1.1 §3.1.4), so a
 * device holding another's id would disconnect it. 21 characters, within §3.1.3.1's 23.
 */
export const deviceClientId = (serial: string): string => `latchkey-${serial}`;

/** Reads `devices/<serial>/<kind>`; null for any other topic. */
export function parseDeviceTopic(topic: string): { serial: string; kind: DeviceTopicKind } | null {
  const match = /^devices\/(\d{2}-\d{4}-\d{4})\/([a-z]+)$/.exec(topic);
  if (!match) return null;
  const kind = match[2] as DeviceTopicKind;
  return DEVICE_TOPIC_KINDS.includes(kind) ? { serial: match[1]!, kind } : null;
}

/** Whether device `serial` may publish to `topic` (only its own state, events, replies, presence). */
export function deviceMayPublish(serial: string, topic: string): boolean {
  const parsed = parseDeviceTopic(topic);
  return parsed !== null && parsed.serial === serial && DEVICE_PUBLISHES.has(parsed.kind);
}

/** Whether device `serial` may subscribe to `filter` (only its own commands; no wildcards). */
export function deviceMaySubscribe(serial: string, filter: string): boolean {
  return filter === deviceTopic(serial, 'commands');
}

/** Device → cloud on every connect and on request: what the device is and its code generation. */
export interface DeviceStateMessage {
  model: string;
  firmware: string;
  codeGeneration: number;
  uptime: number;
  /**
   * Issue 17: the cloud-managed directory the device holds (the site it was provisioned for,
   * null for none, and the version it last applied, 0 for none), so a reconnect converges.
   */
  directory?: { siteId: string | null; version: number };
}

/** How a person at the door identified themselves (issue 17), as the access log shows it. */
export const ACCESS_CREDENTIALS = ['pin', 'card', 'code', 'remote'] as const;
export type AccessCredential = (typeof ACCESS_CREDENTIALS)[number];

/**
 * Device → cloud (issue 17): one decision at the door. `uuid` is the directory entry the
 * credential belongs to (a cloud-managed entry's uuid is its resident's id), absent when the
 * credential matched no entry; `switch` is the switch opened, or the one asked for.
 */
export interface AccessEventMessage {
  type: 'access';
  at: string;
  granted: boolean;
  credential: AccessCredential;
  accessPoint: number | null;
  switch: number | null;
  uuid?: string;
  name?: string;
  reason?: string;
}

/**
 * Issue 19: the steps of a firmware update the cloud asked for with `firmware-update`, each
 * reported as it starts; `done` once the new firmware runs, `failed` with the reason (the old
 * firmware then still runs). `percent` goes with `downloading`.
 */
export const FIRMWARE_STEPS = ['downloading', 'verifying', 'installing', 'done', 'failed'] as const;
export type FirmwareStep = (typeof FIRMWARE_STEPS)[number];

export interface FirmwareProgressMessage {
  type: 'firmware-progress';
  /** The `rolloutId` the command carried, so a late report of an old rollout is told apart. */
  rolloutId: string;
  step: FirmwareStep;
  percent?: number;
  /** With `failed`: a sentence a person can act on (digest mismatch, download refused, …). */
  error?: string;
}

export type DeviceEventMessage =
  | { type: 'code-regenerated'; generation: number }
  | { type: 'factory-reset'; network: boolean }
  | { type: 'config-restored' }
  | { type: 'restarted'; reason: string }
  | AccessEventMessage
  | FirmwareProgressMessage;

export interface PresenceMessage {
  online: boolean;
}

export const COMMAND_NAMES = [
  'set-ownership',
  'restart',
  'report-state',
  // Issue 17: one part of a directory version (Auto Provisioning), and a switch trigger.
  'provision',
  'open-door',
  // Issue 19: fleet maintenance. `firmware-update` carries FirmwareUpdateArgs; the relay's
  // `http-*` commands carry a request to the device's own web interfaces in parts
  // (relay.protocol.ts); `backup-upload` and `backup-restore` move a configuration backup
  // through a single-use URL on the cloud.
  'firmware-update',
  'http-request',
  'http-body',
  'http-abort',
  'backup-upload',
  'backup-restore',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Cloud → device. `set-ownership` carries `{ site: string | null }`. */
export interface CommandMessage {
  id: string;
  name: CommandName;
  args: Record<string, unknown>;
}

/** Device → cloud, answering the command with the same id. */
export interface ReplyMessage {
  id: string;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: string;
}

/** The largest payload either end reads; the broker's packet limit must leave room for it. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

function object(payload: Buffer | string): Result<Record<string, unknown>> {
  if (payload.length > MAX_MESSAGE_BYTES) return fail('message too large');
  try {
    const value: unknown = JSON.parse(payload.toString());
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? ok(value as Record<string, unknown>)
      : fail('message is not a JSON object');
  } catch {
    return fail('message is not JSON');
  }
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isText = (value: unknown, max = 200): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;

export function parseStateMessage(payload: Buffer | string): Result<DeviceStateMessage> {
  const parsed = object(payload);
  if (!parsed.ok) return parsed;
  const { model, firmware, codeGeneration, uptime, directory } = parsed.value;
  if (!isText(model) || !isText(firmware) || !isCount(codeGeneration) || !isCount(uptime)) {
    return fail('state needs model, firmware, codeGeneration and uptime');
  }
  const held = parseDirectoryHeld(directory);
  return ok({ model, firmware, codeGeneration, uptime, ...(held ? { directory: held } : {}) });
}

/** The optional `directory` of a state message; an older device sends none. */
function parseDirectoryHeld(value: unknown): DeviceStateMessage['directory'] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { siteId, version } = value as Record<string, unknown>;
  if (!(siteId === null || isText(siteId, 64)) || !isCount(version)) return undefined;
  return { siteId, version };
}

function parseAccessEvent(event: Record<string, unknown>): Result<AccessEventMessage> {
  const { at, granted, credential, accessPoint, uuid, name, reason } = event;
  const door = event.switch;
  const small = (value: unknown) => value === null || (isCount(value) && value <= 16);
  if (!isText(at, 40) || Number.isNaN(Date.parse(at)) || typeof granted !== 'boolean') {
    return fail('access needs at (ISO 8601) and granted');
  }
  if (!ACCESS_CREDENTIALS.includes(credential as AccessCredential)) {
    return fail(`access credential must be one of ${ACCESS_CREDENTIALS.join(', ')}`);
  }
  if (!small(accessPoint ?? null) || !small(door ?? null)) {
    return fail('access accessPoint and switch are small numbers or null');
  }
  return ok({
    type: 'access',
    at,
    granted,
    credential: credential as AccessCredential,
    accessPoint: (accessPoint ?? null) as number | null,
    switch: (door ?? null) as number | null,
    ...(isText(uuid, 64) ? { uuid } : {}),
    ...(isText(name, 64) ? { name } : {}),
    ...(isText(reason, 64) ? { reason } : {}),
  });
}

function parseFirmwareProgress(event: Record<string, unknown>): Result<FirmwareProgressMessage> {
  const { rolloutId, step, percent, error } = event;
  if (!isText(rolloutId, 64)) return fail('firmware-progress needs a rolloutId');
  if (!FIRMWARE_STEPS.includes(step as FirmwareStep)) {
    return fail(`firmware-progress step must be one of ${FIRMWARE_STEPS.join(', ')}`);
  }
  const validPercent = isCount(percent) && percent <= 100;
  return ok({
    type: 'firmware-progress',
    rolloutId,
    step: step as FirmwareStep,
    ...(validPercent ? { percent } : {}),
    ...(isText(error, 300) ? { error } : {}),
  });
}

/**
 * Cloud → device, issue 19: where to download the image (a single-use URL on the cloud, valid
 * for minutes; no device credentials in it), what it must hash to, and how big it is.
 */
export interface FirmwareUpdateArgs {
  rolloutId: string;
  url: string;
  /** SHA-256 of the whole image, 64 lowercase hex digits. */
  sha256: string;
  bytes: number;
  version: string;
}

export function parseFirmwareUpdateArgs(args: Record<string, unknown>): Result<FirmwareUpdateArgs> {
  const { rolloutId, url, sha256, bytes, version } = args;
  if (!isText(rolloutId, 64)) return fail('firmware-update needs a rolloutId');
  if (!isText(url, 2048) || !/^https?:\/\//.test(url))
    return fail('firmware-update needs an http(s) url');
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    return fail('firmware-update needs sha256 as 64 hex digits');
  }
  if (!isCount(bytes) || bytes === 0) return fail('firmware-update needs the image size in bytes');
  if (!isText(version, 40)) return fail('firmware-update needs the version');
  return ok({ rolloutId, url, sha256, bytes, version });
}

export function parseEventMessage(payload: Buffer | string): Result<DeviceEventMessage> {
  const parsed = object(payload);
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  switch (event.type) {
    case 'code-regenerated':
      return isCount(event.generation)
        ? ok({ type: 'code-regenerated', generation: event.generation })
        : fail('code-regenerated needs a generation');
    case 'factory-reset':
      return ok({ type: 'factory-reset', network: event.network === true });
    case 'config-restored':
      return ok({ type: 'config-restored' });
    case 'restarted':
      return ok({ type: 'restarted', reason: isText(event.reason) ? event.reason : 'unknown' });
    case 'access':
      return parseAccessEvent(event);
    case 'firmware-progress':
      return parseFirmwareProgress(event);
    default:
      return fail(`unknown event type ${JSON.stringify(event.type)}`);
  }
}

export function parsePresenceMessage(payload: Buffer | string): Result<PresenceMessage> {
  const parsed = object(payload);
  if (!parsed.ok) return parsed;
  return typeof parsed.value.online === 'boolean'
    ? ok({ online: parsed.value.online })
    : fail('presence needs online: true or false');
}

export function parseCommandMessage(payload: Buffer | string): Result<CommandMessage> {
  const parsed = object(payload);
  if (!parsed.ok) return parsed;
  const { id, name, args } = parsed.value;
  if (!isText(id, 64)) return fail('command needs an id');
  if (!COMMAND_NAMES.includes(name as CommandName)) {
    return fail(`unknown command ${JSON.stringify(name)}`);
  }
  const safeArgs =
    typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {};
  return ok({ id, name: name as CommandName, args: safeArgs });
}

export function parseReplyMessage(payload: Buffer | string): Result<ReplyMessage> {
  const parsed = object(payload);
  if (!parsed.ok) return parsed;
  const { id, ok: success, result, error } = parsed.value;
  if (!isText(id, 64) || typeof success !== 'boolean') return fail('reply needs id and ok');
  return ok({
    id,
    ok: success,
    ...(typeof result === 'object' && result !== null
      ? { result: result as Record<string, unknown> }
      : {}),
    ...(typeof error === 'string' ? { error } : {}),
  });
}
