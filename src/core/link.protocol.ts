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
}

export type DeviceEventMessage =
  | { type: 'code-regenerated'; generation: number }
  | { type: 'factory-reset'; network: boolean }
  | { type: 'config-restored' }
  | { type: 'restarted'; reason: string };

export interface PresenceMessage {
  online: boolean;
}

export type CommandName = 'set-ownership' | 'restart' | 'report-state';

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
  const { model, firmware, codeGeneration, uptime } = parsed.value;
  if (!isText(model) || !isText(firmware) || !isCount(codeGeneration) || !isCount(uptime)) {
    return fail('state needs model, firmware, codeGeneration and uptime');
  }
  return ok({ model, firmware, codeGeneration, uptime });
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
  if (name !== 'set-ownership' && name !== 'restart' && name !== 'report-state') {
    return fail(`unknown command ${JSON.stringify(name)}`);
  }
  const safeArgs =
    typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {};
  return ok({ id, name, args: safeArgs });
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
