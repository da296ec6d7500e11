import { Counter, Histogram, type Registry } from 'prom-client';
import type { CommandOutcome, LinkMetrics } from '../link/link.bridge.ts';

/**
 * The device link: messages by topic kind and direction, and how long devices take to answer
 * commands. Kinds and command names are the link protocol's closed lists (link.protocol.ts).
 */
export function linkMetrics(registry: Registry): LinkMetrics {
  const messages = new Counter({
    name: 'latchkey_link_messages_total',
    help: 'Device link messages, by topic kind (state, events, presence, replies, commands) and direction (in: from devices, out: to devices).',
    labelNames: ['kind', 'direction'] as const,
    registers: [registry],
  });
  const roundTrips = new Histogram({
    name: 'latchkey_command_round_trip_seconds',
    help: 'Time from sending a command to a device to its reply (or the timeout), by command and outcome (ok, refused, timeout, failed).',
    labelNames: ['command', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    message: (direction, kind) => messages.labels(kind, direction).inc(),
    commandAnswered: (command: string, outcome: CommandOutcome, seconds: number) =>
      roundTrips.labels(command, outcome).observe(seconds),
  };
}
