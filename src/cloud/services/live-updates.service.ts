import { LatchkeyError } from '../../core/errors.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { companyView, viewShows, type CompanyView } from '../../core/access.rules.ts';
import { standingsOf } from '../store/repos/visibility.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import { tokenCompanyOf, type Actor } from './actor.ts';
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
  userId: string;
  /** The companies this stream follows: all of the person's, or the one it was opened in. */
  only: string | null;
  /** What the person may see in each followed company (re-read on 'membership-changed'). */
  views: Map<string, CompanyView>;
  send(update: DeviceUpdate): void;
  /** Issue 20: a webhook endpoint or its log changed (company admins' streams only). */
  sendWebhook?: (update: WebhookUpdate) => void;
}

/** What an admin's stream is told when a webhook endpoint or its delivery log changed. */
export interface WebhookUpdate {
  endpointId: string | null;
}

/** Open streams a person may hold at once when the operator sets nothing else. */
export const DEFAULT_STREAMS_PER_PERSON = 10;

/**
 * Live updates for the portal's streams (GET /api/events). Each event costs one statement,
 * whatever the number of open streams: its device's site and company are looked up once, then
 * the update goes in memory to the streams of that company's people who see that site (an
 * admin, or anyone with a grant on it, viewers included: `site:read`; a tenant never learns
 * another's serial numbers). A stream reads its person's views when it opens and again when
 * their membership changes ('membership-changed', issue 16), never per event.
 */
export function createLiveUpdatesService(deps: {
  store: Store;
  events: CloudEventBus;
  streamsPerPerson: number;
  access: AccessService;
}) {
  const { store } = deps;
  const byCompany = new Map<string, Set<Subscriber>>();
  const byPerson = new Map<string, Set<Subscriber>>();
  const openPerPerson = new Map<string, number>();
  let openStreams = 0;
  let reportError: (error: unknown) => void = () => {};

  const follow = (subscriber: Subscriber, companyId: string) => {
    let subscribers = byCompany.get(companyId);
    if (!subscribers) byCompany.set(companyId, (subscribers = new Set()));
    subscribers.add(subscriber);
  };
  const unfollow = (subscriber: Subscriber, companyId: string) => {
    const subscribers = byCompany.get(companyId);
    subscribers?.delete(subscriber);
    if (subscribers?.size === 0) byCompany.delete(companyId);
  };

  /** The person's view of each company, from their standings there (core's rule). */
  const viewsOf = async (userId: string, companyIds: readonly string[] | null) => {
    const views = new Map<string, CompanyView>();
    for (const [companyId, standing] of await standingsOf(store.db, userId, companyIds)) {
      views.set(companyId, companyView(standing.role, standing.siteIds));
    }
    return views;
  };

  const deliver = async ({ serialNumber }: { serialNumber: string }) => {
    const owner = await devicesRepo(store.db, store.dialect).ownerOf(serialNumber);
    if (!owner) return;
    for (const subscriber of byCompany.get(owner.company_id) ?? []) {
      const view = subscriber.views.get(owner.company_id);
      if (view && viewShows(view, owner.site_id)) {
        subscriber.send({ serialNumber, siteId: owner.site_id });
      }
    }
  };
  const onEvent = (event: { serialNumber: string }) => {
    deliver(event).catch((error: unknown) => reportError(error));
  };

  /** The person's role or grants in a company changed, or they left it: re-read their view. */
  const reread = async ({ companyId, userId }: { companyId: string; userId: string }) => {
    const subscribers = [...(byPerson.get(userId) ?? [])].filter(
      (s) => s.only === null || s.only === companyId,
    );
    if (subscribers.length === 0) return;
    // Stop at once, before the read: a removed member gets nothing more of that company.
    for (const subscriber of subscribers) {
      subscriber.views.delete(companyId);
      unfollow(subscriber, companyId);
    }
    const standing = (await standingsOf(store.db, userId, [companyId])).get(companyId);
    if (!standing) return;
    const view = companyView(standing.role, standing.siteIds);
    for (const subscriber of subscribers) {
      if (!byPerson.get(userId)?.has(subscriber)) continue; // closed meanwhile
      subscriber.views.set(companyId, view);
      follow(subscriber, companyId);
    }
  };
  // In memory only: the event names its company, and only that company's admins hear of it.
  const onWebhook = ({
    companyId,
    endpointId,
  }: {
    companyId: string | null;
    endpointId: string | null;
  }) => {
    if (companyId === null) return;
    for (const subscriber of byCompany.get(companyId) ?? []) {
      if (subscriber.views.get(companyId)?.all) subscriber.sendWebhook?.({ endpointId });
    }
  };
  deps.events.on('webhook-changed', onWebhook);
  // One listener on the bus for all streams (no listener-limit warnings with many tabs).
  deps.events.on('device-updated', onEvent);
  deps.events.on('ownership-changed', onEvent);
  deps.events.on('membership-changed', (event) => {
    reread(event).catch((error: unknown) => reportError(error));
  });

  const release = (userId: string) => {
    const left = (openPerPerson.get(userId) ?? 1) - 1;
    if (left > 0) openPerPerson.set(userId, left);
    else openPerPerson.delete(userId);
  };

  return {
    /** How many streams are open on this node now (latchkey_sse_streams). */
    openStreams: () => openStreams,
    /** Where lookup failures go (the HTTP layer's log); they belong to no request. */
    reportErrorsTo(report: (error: unknown) => void) {
      reportError = report;
    },
    /**
     * Opens a stream for the person; throws TOO_MANY_STREAMS when they hold the maximum
     * already. The slot is taken before the first await, so streams opened together cannot
     * all pass the check. A stream asked for one company (X-Company-Id or ?companyId=, as an
     * EventSource cannot send headers) follows that company only, after the access check
     * (404 COMPANY_NOT_FOUND for a company the person is not in); a token follows its own
     * company; otherwise a stream follows every company of the person.
     */
    async subscribe(
      actor: Actor,
      send: (update: DeviceUpdate) => void,
      sendWebhook?: (update: WebhookUpdate) => void,
    ): Promise<LiveSubscription> {
      const { userId } = actor;
      const open = openPerPerson.get(userId) ?? 0;
      if (open >= deps.streamsPerPerson) {
        throw new LatchkeyError('TOO_MANY_STREAMS', {
          cause: `You have ${open} live-update streams open; at most ${deps.streamsPerPerson} are allowed at once.`,
        });
      }
      openPerPerson.set(userId, open + 1);
      let subscriber: Subscriber;
      try {
        const only =
          actor.companyId !== undefined
            ? (await deps.access.requireCompany(actor, 'company:read')).companyId
            : tokenCompanyOf(actor);
        const views = await viewsOf(userId, only === null ? null : [only]);
        subscriber = { userId, only, views, send, ...(sendWebhook ? { sendWebhook } : {}) };
      } catch (error) {
        release(userId);
        throw error;
      }
      for (const companyId of subscriber.views.keys()) follow(subscriber, companyId);
      let mine = byPerson.get(userId);
      if (!mine) byPerson.set(userId, (mine = new Set()));
      mine.add(subscriber);
      openStreams += 1;
      let closed = false;
      return {
        close() {
          if (closed) return;
          closed = true;
          openStreams -= 1;
          release(userId);
          for (const companyId of subscriber.views.keys()) unfollow(subscriber, companyId);
          const person = byPerson.get(userId);
          person?.delete(subscriber);
          if (person?.size === 0) byPerson.delete(userId);
        },
      };
    },
  };
}

export type LiveUpdatesService = ReturnType<typeof createLiveUpdatesService>;
