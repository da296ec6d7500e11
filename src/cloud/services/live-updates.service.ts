import { LatchkeyError } from '../../core/errors.ts';
import { companiesRepo } from '../store/repos/companies.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import type { Store } from '../store/store.ts';
import type { CloudEventBus } from './events.ts';

/** What a stream is told about a device of one of its person's sites. */
export interface DeviceUpdate {
  serialNumber: string;
  siteId: string;
}

/** One open stream: `close()` gives its slot back and stops its updates. */
export interface LiveSubscription {
  close(): void;
}

interface Subscriber {
  send(update: DeviceUpdate): void;
}

/** Open streams a person may hold at once when the operator sets nothing else. */
export const DEFAULT_STREAMS_PER_PERSON = 10;

/**
 * Live updates for the portal's streams (GET /api/events). Each event costs one statement,
 * whatever the number of open streams: its device's site and company are looked up once, then
 * the update goes in memory to the streams of that company's members only (a tenant never
 * learns another's serial numbers). A stream reads its person's companies once, when it opens.
 */
export function createLiveUpdatesService(deps: {
  store: Store;
  events: CloudEventBus;
  streamsPerPerson: number;
}) {
  const { store } = deps;
  const byCompany = new Map<string, Set<Subscriber>>();
  const openPerPerson = new Map<string, number>();
  let reportError: (error: unknown) => void = () => {};

  const deliver = async ({ serialNumber }: { serialNumber: string }) => {
    const owner = await devicesRepo(store.db, store.dialect).ownerOf(serialNumber);
    if (!owner) return;
    for (const subscriber of byCompany.get(owner.company_id) ?? []) {
      subscriber.send({ serialNumber, siteId: owner.site_id });
    }
  };
  const onEvent = (event: { serialNumber: string }) => {
    deliver(event).catch((error: unknown) => reportError(error));
  };
  // One listener on the bus for all streams (no listener-limit warnings with many tabs).
  deps.events.on('device-updated', onEvent);
  deps.events.on('ownership-changed', onEvent);

  const release = (userId: string) => {
    const left = (openPerPerson.get(userId) ?? 1) - 1;
    if (left > 0) openPerPerson.set(userId, left);
    else openPerPerson.delete(userId);
  };

  return {
    /** Where lookup failures go (the HTTP layer's log); they belong to no request. */
    reportErrorsTo(report: (error: unknown) => void) {
      reportError = report;
    },
    /**
     * Opens a stream for the person; throws TOO_MANY_STREAMS when they hold the maximum
     * already. The slot is taken before the first await, so streams opened together cannot
     * all pass the check.
     */
    async subscribe(
      userId: string,
      send: (update: DeviceUpdate) => void,
      /** Only this company's devices (an API token's), else all of the person's. */
      onlyCompany: string | null = null,
    ): Promise<LiveSubscription> {
      const open = openPerPerson.get(userId) ?? 0;
      if (open >= deps.streamsPerPerson) {
        throw new LatchkeyError('TOO_MANY_STREAMS', {
          cause: `You have ${open} live-update streams open; at most ${deps.streamsPerPerson} are allowed at once.`,
        });
      }
      openPerPerson.set(userId, open + 1);
      let companyIds: string[];
      try {
        companyIds = (await companiesRepo(store.db).listForUser(userId))
          .map((c) => c.id)
          .filter((id) => onlyCompany === null || id === onlyCompany);
      } catch (error) {
        release(userId);
        throw error;
      }
      const subscriber: Subscriber = { send };
      for (const companyId of companyIds) {
        let subscribers = byCompany.get(companyId);
        if (!subscribers) byCompany.set(companyId, (subscribers = new Set()));
        subscribers.add(subscriber);
      }
      let closed = false;
      return {
        close() {
          if (closed) return;
          closed = true;
          release(userId);
          for (const companyId of companyIds) {
            const subscribers = byCompany.get(companyId);
            subscribers?.delete(subscriber);
            if (subscribers?.size === 0) byCompany.delete(companyId);
          }
        },
      };
    },
  };
}

export type LiveUpdatesService = ReturnType<typeof createLiveUpdatesService>;
