import { EventEmitter } from 'node:events';
import type { FirmwareProgressMessage } from '../../core/link.protocol.ts';

/** How a device changed hands: a claim (added, or moved by a new code), a delete, a move between own sites, an accepted offer or an approved request. */
export type OwnershipCause = 'claim' | 'release' | 'move' | 'transfer' | 'request';

/** What happened in the cloud that other parts (the device link, live portal updates) follow. */
export interface CloudEvents {
  /**
   * A device got a new owner site, or none (`siteName` null) after a delete. `cause` says how
   * (issue 18: a pending offer of the device ends, and both sides are told why).
   */
  'ownership-changed': [
    {
      serialNumber: string;
      siteId: string | null;
      siteName: string | null;
      cause: OwnershipCause;
    },
  ];
  /** A device's presence or reported state changed. */
  'device-updated': [{ serialNumber: string }];
  /**
   * A person's membership of a company changed after commit (issue 16): their role or site
   * grants, or they were removed or left. Live updates re-check which of the company's
   * events that person's open streams may still receive.
   */
  'membership-changed': [{ companyId: string; userId: string }];
  /**
   * The residents of a site, their apartments or their access rights changed, after commit
   * (issue 17): Auto Provisioning works out the new directory of the site's devices.
   */
  'residents-changed': [{ siteId: string }];
  /**
   * Issue 19: a device reported a step of a firmware update over the link (on the node that
   * received it; the rollouts service records it, so every node sees it in the database).
   */
  'firmware-progress': [{ serialNumber: string; progress: FirmwareProgressMessage }];
  /** Issue 19: a rollout was started, cancelled or ended, or one of its devices moved on. */
  'rollout-changed': [{ rolloutId: string; serialNumber?: string }];
  /**
   * Issue 20: a webhook endpoint or one of its deliveries changed (queued, attempted, sent
   * again), on the node where it did. The dispatcher wakes; the portal's log reloads.
   */
  'webhook-changed': [{ companyId: string | null; endpointId: string | null }];
}

/** A typed in-process event bus. */
export class CloudEventBus extends EventEmitter<CloudEvents> {}
