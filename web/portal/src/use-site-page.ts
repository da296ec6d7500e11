import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  all,
  api,
  ApiError,
  type AuditEvent,
  type Device,
  type Membership,
  type Site,
} from './api.ts';
import { useDraft } from './drafts.ts';
import { useLiveEvents } from './live.ts';
import type { OfferContents } from './offer-dialog.tsx';
import type { ReleaseAsk } from './request-dialog.tsx';
import { useToasts } from './toasts.tsx';

export interface SitePageProps {
  siteId: string;
  /** The person's companies with their roles: what the site page may offer (issue 16). */
  memberships: Membership[];
  /** Changes when a new notification arrived (a device may have left the site). */
  refreshKey: number;
  onActivity: () => void;
}

export interface AddDraft {
  open: boolean;
  serialNumber: string;
  securityCode: string;
}

/** What people type: spaces around, any case; the cloud accepts dashes, spaces and dots. */
export const tidy = (value: string) => value.trim().replace(/\s+/g, ' ');

/**
 * The site page's data and actions: the site, its devices and audit log (loaded, and reloaded
 * on live events), what the person may do there, and the add, delete and rename actions with
 * the dialogs' state. The page and its parts only show it.
 */
export function useSitePage({ siteId, refreshKey, onActivity, memberships }: SitePageProps) {
  const [site, setSite] = useState<Site | null>(null);
  const [missing, setMissing] = useState<ApiError | null>(null);
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [audit, setAudit] = useState<AuditEvent[]>([]);
  /**
   * Whether the person may manage this site. The cloud decides (site:manage); the page only
   * hides what would be refused. A company admin may; a member's site role comes with the site
   * when the cloud says it, else from the audit log, which needs the same role (site:audit is
   * admin and site-admin, like site:manage): a viewer's is refused with INSUFFICIENT_ROLE.
   */
  const [auditAllowed, setAuditAllowed] = useState<boolean | null>(null);
  const [draft, setDraft, clearDraft] = useDraft<AddDraft>(`add-device.${siteId}`, {
    open: false,
    serialNumber: '',
    securityCode: '',
  });
  const [renaming, setRenaming, clearRenaming] = useDraft<string | null>(
    `rename-site.${siteId}`,
    null,
  );
  const [addError, setAddError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [toDelete, setToDelete] = useState<Device | null>(null);
  /** Issue 18: an offer to another company, and a request to release an "already added" device. */
  const [offering, setOffering] = useState<OfferContents | null>(null);
  const [asking, setAsking] = useState<ReleaseAsk | null>(null);
  const [bulkOpen, setBulkOpen] = useState(false);
  const [rolloutOpen, setRolloutOpen] = useState(false);
  /** Counts the live events of this site: the access log reloads on each (issue 17). */
  const [liveKey, setLiveKey] = useState(0);
  const { notify, notifyError, clear } = useToasts();
  const scopes = {
    add: `add-device.${siteId}`,
    remove: `delete-device.${siteId}`,
    rename: `rename-site.${siteId}`,
  };

  const loadDevices = useCallback(async () => {
    try {
      setDevices(await all((cursor) => api.devices(siteId, cursor)));
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
    }
  }, [siteId]);
  const loadAudit = useCallback(async () => {
    try {
      setAudit((await api.audit(siteId)).items);
      setAuditAllowed(true);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code === 'INSUFFICIENT_ROLE') setAuditAllowed(false);
    }
  }, [siteId]);

  useEffect(() => {
    api.site(siteId).then(setSite, (caught: unknown) => {
      if (caught instanceof ApiError && caught.code !== 'UNAUTHENTICATED') setMissing(caught);
    });
    void loadDevices();
    void loadAudit();
  }, [siteId, loadDevices, loadAudit]);

  useEffect(() => {
    if (site) document.title = `${site.name} — Latchkey`;
  }, [site]);

  useEffect(() => {
    if (refreshKey === 0) return;
    void loadDevices();
    void loadAudit();
  }, [refreshKey, loadDevices, loadAudit]);

  useLiveEvents({
    onDevice: (event) => {
      onActivity();
      if (event.siteId === siteId || devices?.some((d) => d.serialNumber === event.serialNumber)) {
        void loadDevices();
        void loadAudit();
        setLiveKey((n) => n + 1);
      }
    },
    onReconnect: () => {
      void loadDevices();
      void loadAudit();
      setLiveKey((n) => n + 1);
    },
    // A refused stream: an API call tells whether the session ended (and goes to sign-in).
    onClosed: () => void api.me().catch(() => undefined),
  });

  // "Last seen 2 minutes ago" stays true without a reload.
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => setTick((n) => n + 1), 30_000);
    return () => window.clearInterval(timer);
  }, []);

  async function add(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setAddError(null);
    clear(scopes.add);
    const serialNumber = tidy(draft.serialNumber);
    const securityCode = tidy(draft.securityCode);
    try {
      const result = await api.addDevice(siteId, serialNumber, securityCode);
      clearDraft();
      const serial = result.device.serialNumber;
      notify(
        result.outcome === 'moved'
          ? {
              kind: 'success',
              title: `The device ${serial} was moved from another account to this site.`,
              cause: 'Its previous owner was notified; the device now belongs to this site.',
              scope: scopes.add,
            }
          : {
              kind: 'success',
              title: `The device ${serial} was added to this site.`,
              scope: scopes.add,
            },
      );
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      // The session ended: the fields stay in the draft and come back after signing in.
      if (caught.code === 'UNAUTHENTICATED') return;
      setAddError(caught);
      notifyError(caught, scopes.add);
    } finally {
      setBusy(false);
      void loadDevices();
      void loadAudit();
    }
  }

  async function confirmDelete() {
    if (!toDelete) return;
    const serial = toDelete.serialNumber;
    setBusy(true);
    try {
      await api.deleteDevice(siteId, serial);
      setToDelete(null);
      notify({
        kind: 'success',
        title: `The device ${serial} was deleted from this site.`,
        cause: 'It can now be added to another site or account.',
        scope: scopes.remove,
      });
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') notifyError(caught, scopes.remove);
    } finally {
      setBusy(false);
      void loadDevices();
      void loadAudit();
    }
  }

  async function rename(event: FormEvent) {
    event.preventDefault();
    if (renaming === null) return;
    try {
      setSite(await api.renameSite(siteId, renaming));
      clearRenaming();
      clear(scopes.rename);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') notifyError(caught, scopes.rename);
    }
  }

  function openAdd() {
    setAddError(null);
    setDraft({ ...draft, open: true });
  }

  /** DEVICE_ALREADY_ADDED: ask its owner to release it instead (issue 18). */
  function askOwner() {
    setAsking({ serialNumber: tidy(draft.serialNumber), securityCode: tidy(draft.securityCode) });
    setDraft({ ...draft, open: false });
  }

  const companyRole = site
    ? memberships.find((m) => m.companyId === site.companyId)?.role
    : undefined;
  const canManage =
    site !== null &&
    (site.role !== undefined
      ? site.role !== 'viewer'
      : companyRole === 'admin' || auditAllowed === true);

  return {
    site,
    missing,
    devices,
    audit,
    auditAllowed,
    canManage,
    liveKey,
    loadDevices,
    loadAudit,
    adding: { draft, setDraft, clearDraft, error: addError, busy, open: openAdd, add, askOwner },
    renaming: { name: renaming, setName: setRenaming, cancel: clearRenaming, rename },
    deleting: { device: toDelete, setDevice: setToDelete, busy, confirm: confirmDelete },
    offering,
    setOffering,
    asking,
    setAsking,
    bulkOpen,
    setBulkOpen,
    rolloutOpen,
    setRolloutOpen,
  };
}

export type SitePageState = ReturnType<typeof useSitePage>;
