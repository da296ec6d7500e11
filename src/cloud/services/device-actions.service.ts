import { LatchkeyError, type ErrorCode } from '../../core/errors.ts';
import type { CommandName, ReplyMessage } from '../../core/link.protocol.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import { CommandTimeoutError } from '../link/link.bridge.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import { LinkUnavailableError, type CommandSender } from './device-commands.ts';

/** The remote actions of issue 17 and the link command each sends. */
export const DEVICE_ACTIONS = ['open-door', 'restart', 'report-state'] as const;
export type DeviceAction = (typeof DEVICE_ACTIONS)[number];
const COMMAND_OF: Record<DeviceAction, CommandName> = {
  'open-door': 'open-door',
  restart: 'restart',
  'report-state': 'report-state',
};

/**
 * How long a person waits for the device's answer: a device on a working link answers in
 * milliseconds, and someone at a portal button should hear "did not answer" before they give
 * up on the page (docs/decisions.md, "Buildings").
 */
export const ACTION_TIMEOUT_MS = 5000;

export interface ActionRequest {
  action: DeviceAction;
  switch?: number;
}

/** What was asked of the device, and how it went, as the audit keeps it. */
type Outcome =
  | { ok: true; answer: Record<string, unknown> }
  | { ok: false; error: LatchkeyError; reason?: string };

/** The failure of a command as a catalog error a person can act on. */
function failure(error: unknown, seconds: number): { error: LatchkeyError } {
  if (error instanceof LinkUnavailableError) return { error: new LatchkeyError('DEVICE_OFFLINE') };
  if (error instanceof CommandTimeoutError) {
    return {
      error: new LatchkeyError('DEVICE_DID_NOT_ANSWER', {
        cause: `The command was sent over the device link, but the device did not answer in ${seconds} s.`,
      }),
    };
  }
  throw error;
}

function refused(reply: ReplyMessage): Outcome {
  const reason = reply.error ?? 'the device gave no reason';
  return {
    ok: false,
    reason,
    error: new LatchkeyError('DEVICE_REFUSED', { cause: `The device refused: ${reason}` }),
  };
}

/** Remote actions on a site's device (issue 17): open a door, restart, report state. */
export function createDeviceActionsService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  commands: CommandSender;
  timeoutMs?: number;
}) {
  const { store } = deps;
  const timeoutMs = deps.timeoutMs ?? ACTION_TIMEOUT_MS;
  const seconds = Math.round(timeoutMs / 100) / 10;

  async function send(serial: string, request: ActionRequest): Promise<Outcome> {
    const args = request.action === 'open-door' ? { switch: request.switch ?? 1 } : {};
    try {
      const reply = await deps.commands.command(
        serial,
        COMMAND_OF[request.action],
        args,
        timeoutMs,
      );
      return reply.ok ? { ok: true, answer: reply.result ?? {} } : refused(reply);
    } catch (error) {
      return { ok: false, ...failure(error, seconds) };
    }
  }

  return {
    /** Sends the action and answers the device's result, or throws why there is none. */
    async act(actor: Actor, siteId: string, serialNumber: SerialNumber, request: ActionRequest) {
      const { site } = await deps.access.requireSite(actor, 'site:manage', siteId);
      const devices = devicesRepo(store.db, store.dialect);
      const owner = await devices.ownerOf(serialNumber);
      if (owner?.site_id !== siteId) throw new LatchkeyError('DEVICE_NOT_IN_SITE');
      const device = await devices.findBySerial(serialNumber);
      const outcome: Outcome =
        device?.online === 1
          ? await send(serialNumber, request)
          : { ok: false, error: new LatchkeyError('DEVICE_OFFLINE') };
      const errorCode: ErrorCode | null = outcome.ok ? null : outcome.error.code;
      await auditRepo(store.db).insertMany([
        auditRow(
          {
            companyId: site.company_id,
            siteId,
            actor,
            action: 'device.action',
            outcome: outcome.ok ? 'success' : 'refused',
            errorCode,
            serialNumber,
            detail: {
              action: request.action,
              ...(request.action === 'open-door' ? { switch: request.switch ?? 1 } : {}),
              ...(outcome.ok ? {} : { reason: outcome.reason ?? outcome.error.explanation }),
            },
          },
          iso(deps.clock.now()),
        ),
      ]);
      if (!outcome.ok) throw outcome.error;
      return { action: request.action, answer: outcome.answer };
    },
  };
}

export type DeviceActionsService = ReturnType<typeof createDeviceActionsService>;
