import { LatchkeyError } from '../../core/errors.ts';
import type { SerialNumber } from '../../core/serial.rules.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { remoteSessionsRepo } from '../store/repos/remote-sessions.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import type { PortalLinks } from './portal-links.ts';
import { hashToken, newToken } from './tokens.ts';

/**
 * How long a remote-configuration session lasts: 30 minutes unused ends it, and 4 hours at
 * most (docs/decisions/19-remote.md); opening it again gives a new one.
 */
export const REMOTE_IDLE_MS = 30 * 60 * 1000;
export const REMOTE_MAX_MS = 4 * 60 * 60 * 1000;

/** The session a relayed request may use: which device, and its key for the session's caps. */
export interface RemoteGrant {
  serialNumber: string;
  sessionKey: string;
}

/**
 * Issue 19: remote-configuration sessions. A site-admin opens one on an online device of the
 * site; the token in its URL is the session, bound to that person (their cloud session cookie
 * on every request) and to the device, and their standing is checked again on every request.
 */
export function createRemoteSessionsService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  links: PortalLinks;
}) {
  const { store } = deps;
  const sessions = () => remoteSessionsRepo(store.db);

  /** Whether the actor still manages the device's site in the session's company. */
  async function stillAllowed(
    actor: Actor,
    row: { site_id: string; company_id: string; serial_number: string },
  ) {
    try {
      const { site } = await deps.access.requireSite(actor, 'site:manage', row.site_id);
      if (site.company_id !== row.company_id) return false;
      const owner = await devicesRepo(store.db, store.dialect).ownerOf(row.serial_number);
      return owner?.site_id === row.site_id;
    } catch (error) {
      if (error instanceof LatchkeyError) return false;
      throw error;
    }
  }

  return {
    /** Opens a session on the device and audits it; its URL holds the only copy of the token. */
    async open(actor: Actor, siteId: string, serialNumber: SerialNumber) {
      const { site } = await deps.access.requireSite(actor, 'site:manage', siteId);
      const devices = devicesRepo(store.db, store.dialect);
      const owner = await devices.ownerOf(serialNumber);
      if (owner?.site_id !== siteId) throw new LatchkeyError('DEVICE_NOT_IN_SITE');
      const device = await devices.findBySerial(serialNumber);
      if (device?.online !== 1) {
        throw new LatchkeyError('DEVICE_OFFLINE', {
          cause:
            'The device has no link to the cloud now, so its web interface cannot be reached through it.',
        });
      }
      const token = newToken();
      const now = deps.clock.now();
      const expiresAt = iso(new Date(now.getTime() + REMOTE_MAX_MS));
      await store.db.transaction().execute(async (trx) => {
        await remoteSessionsRepo(trx).insert({
          token_hash: hashToken(token),
          user_id: actor.userId,
          company_id: site.company_id,
          site_id: siteId,
          serial_number: serialNumber,
          created_at: iso(now),
          expires_at: expiresAt,
          last_used_at: iso(now),
        });
        await auditRepo(trx).insertMany([
          auditRow(
            {
              companyId: site.company_id,
              siteId,
              actor,
              action: 'device.remote-opened',
              outcome: 'success',
              serialNumber,
              detail: { expiresAt },
            },
            iso(now),
          ),
        ]);
      });
      return {
        url: `${deps.links.base}/remote/${token}/`,
        expiresAt,
        idleMinutes: REMOTE_IDLE_MS / 60_000,
      };
    },

    /**
     * The session of a relayed request by `actor` (from their cloud session cookie): any other
     * person, a forged token or a person who no longer manages the site get NOT_FOUND, an
     * ended session EXPIRED. A use keeps the session from idling out.
     */
    async authorize(actor: Actor | null, token: string): Promise<RemoteGrant> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw new LatchkeyError('REMOTE_SESSION_NOT_FOUND');
      const hash = hashToken(token);
      const row = await sessions().find(hash);
      if (!row || !actor || actor.userId !== row.user_id) {
        throw new LatchkeyError('REMOTE_SESSION_NOT_FOUND');
      }
      if (!(await stillAllowed(actor, row))) throw new LatchkeyError('REMOTE_SESSION_NOT_FOUND');
      const now = deps.clock.now();
      const idleSince = new Date(now.getTime() - REMOTE_IDLE_MS);
      if (row.expires_at <= iso(now) || row.last_used_at <= iso(idleSince)) {
        throw new LatchkeyError('REMOTE_SESSION_EXPIRED');
      }
      await sessions().touch(hash, iso(now));
      return { serialNumber: row.serial_number, sessionKey: hash };
    },

    deleteEnded: () =>
      sessions().deleteEndedBefore(iso(new Date(deps.clock.now().getTime() - 24 * 3600 * 1000))),
  };
}

export type RemoteSessionsService = ReturnType<typeof createRemoteSessionsService>;
