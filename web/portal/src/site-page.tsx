import { auditLabel } from './audit-actions.ts';
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
import { Dialog } from './dialog.tsx';
import { useDraft } from './drafts.ts';
import { FieldMessage } from './form-error.tsx';
import { AccessLog } from './access-log.tsx';
import { BulkAddDialog } from './bulk-add-dialog.tsx';
import { RolloutDialog } from './rollout-dialog.tsx';
import { CertificateScan } from './certificate-scan.tsx';
import { formatDateTime } from './format.ts';
import { useLiveEvents } from './live.ts';
import { SiteDevices } from './site-devices.tsx';
import { SiteResidents } from './site-residents.tsx';
import { SiteSections } from './site-sections.tsx';
import { SiteBackupSettings } from './site-backup-settings.tsx';
import { SITE_TYPE_LABELS } from './site-types.ts';
import { useToasts } from './toasts.tsx';
import { OfferDialog, type OfferContents } from './offer-dialog.tsx';
import { AskOwnerOffer, RequestDialog, type ReleaseAsk } from './request-dialog.tsx';

interface AddDraft {
  open: boolean;
  serialNumber: string;
  securityCode: string;
}

/** What people type: spaces around, any case; the cloud accepts dashes, spaces and dots. */
const tidy = (value: string) => value.trim().replace(/\s+/g, ' ');

/** One site: its devices, live, adding and deleting them, renaming the site, its audit log. */
export function SitePage(props: {
  siteId: string;
  /** The person's companies with their roles: what the site page may offer (issue 16). */
  memberships: Membership[];
  /** Changes when a new notification arrived (a device may have left the site). */
  refreshKey: number;
  onActivity: () => void;
}) {
  const { siteId, refreshKey, onActivity, memberships } = props;
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

  if (missing) {
    return (
      <main>
        <h1>{missing.body.message}</h1>
        <p>{missing.body.cause}</p>
      </main>
    );
  }

  const companyRole = site
    ? memberships.find((m) => m.companyId === site.companyId)?.role
    : undefined;
  const canManage =
    site !== null &&
    (site.role !== undefined
      ? site.role !== 'viewer'
      : companyRole === 'admin' || auditAllowed === true);
  const serialError = addError?.field('serialNumber');
  const codeError = addError?.field('securityCode');
  return (
    <main>
      <h1>{site ? site.name : 'Site'}</h1>
      {site && (
        <p className="muted">
          {site.type && <>{SITE_TYPE_LABELS[site.type]} · </>}Company: {site.companyName}
        </p>
      )}
      <SiteSections audit={auditAllowed !== false} />
      {site && !canManage && auditAllowed === false && (
        <p className="notice">You can view this site; changing it needs the site-admin role.</p>
      )}
      {!canManage ? null : renaming === null ? (
        <div className="actions">
          <button type="button" onClick={() => setRenaming(site?.name ?? '')}>
            Rename site
          </button>
          <button type="button" onClick={() => setOffering({ kind: 'site' })}>
            Offer site…
          </button>
        </div>
      ) : (
        <form onSubmit={rename} className="inline-form" aria-label="Rename site">
          <div className="field">
            <label htmlFor="site-new-name">New site name</label>
            <input
              id="site-new-name"
              value={renaming}
              maxLength={100}
              onChange={(event) => setRenaming(event.target.value)}
            />
          </div>
          <button type="submit">Save name</button>
          <button type="button" onClick={clearRenaming}>
            Cancel
          </button>
        </form>
      )}

      {site && <SiteBackupSettings siteId={siteId} canManage={canManage} />}

      <section aria-labelledby="devices-title" id="devices">
        <div className="section-head">
          <h2 id="devices-title">Devices</h2>
          {canManage && (
            <div className="row-actions">
              <button
                type="button"
                className="primary"
                onClick={() => {
                  setAddError(null);
                  setDraft({ ...draft, open: true });
                }}
              >
                Add device
              </button>
              <button type="button" onClick={() => setBulkOpen(true)}>
                Bulk add
              </button>
              <button type="button" onClick={() => setRolloutOpen(true)}>
                Update firmware
              </button>
            </div>
          )}
        </div>
        {devices === null ? (
          <p role="status">Loading devices…</p>
        ) : devices.length === 0 ? (
          <p>No devices in this site yet. Add one with its serial number and security code.</p>
        ) : (
          <SiteDevices
            siteId={siteId}
            devices={devices}
            canManage={canManage}
            onDelete={setToDelete}
            onChanged={() => void loadDevices()}
            onOffer={(serials) =>
              setOffering({
                kind: 'devices',
                devices: devices.filter((d) => serials.includes(d.serialNumber)),
              })
            }
          />
        )}
      </section>

      {site && (
        <SiteResidents
          siteId={siteId}
          siteType={site.type}
          devices={devices ?? []}
          canManage={canManage}
          onChanged={() => void loadDevices()}
        />
      )}
      <AccessLog siteId={siteId} devices={devices ?? []} liveKey={liveKey} />

      {auditAllowed !== false && (
        <section aria-labelledby="audit-title" id="audit">
          <h2 id="audit-title">Audit log</h2>
          {audit.length === 0 ? (
            <p>Nothing happened in this site yet.</p>
          ) : (
            <table className="stack">
              <caption className="visually-hidden">Audit log of this site, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Device</th>
                  <th scope="col">Result</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {audit.map((entry) => (
                  <tr key={entry.id}>
                    <td data-label="When">
                      <time dateTime={entry.createdAt}>{formatDateTime(entry.createdAt)}</time>
                    </td>
                    <td data-label="Who">{entry.actor ?? 'the device'}</td>
                    <td data-label="What">{auditLabel(entry.action)}</td>
                    <td data-label="Device" className="code">
                      {entry.serialNumber ?? ''}
                    </td>
                    <td data-label="Result">
                      {entry.outcome === 'success' ? (
                        'Done'
                      ) : (
                        <>
                          Refused
                          {entry.errorCode && (
                            <>
                              {' '}
                              <span className="code">({entry.errorCode})</span>
                            </>
                          )}
                        </>
                      )}
                    </td>
                    <td data-label="From" className="code">
                      {entry.ip ?? ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}

      {rolloutOpen && canManage && (
        <RolloutDialog siteId={siteId} onClose={() => setRolloutOpen(false)} />
      )}
      {bulkOpen && canManage && (
        <BulkAddDialog
          siteId={siteId}
          onAdded={() => void loadDevices()}
          onClose={() => setBulkOpen(false)}
        />
      )}
      {draft.open && canManage && (
        <Dialog
          title="Add a device"
          description={
            <p>
              Enter the serial number and the security code of the device. Both are printed on the
              certificate of ownership included in the box, and shown in the device's web interface.
            </p>
          }
          onClose={clearDraft}
        >
          <form onSubmit={add} noValidate>
            <CertificateScan onRead={(read) => setDraft({ ...draft, ...read })} />
            <div className="field">
              <label htmlFor="add-serial">Serial number</label>
              <input
                id="add-serial"
                data-autofocus
                name="serialNumber"
                value={draft.serialNumber}
                autoComplete="off"
                spellCheck={false}
                autoCapitalize="characters"
                placeholder="54-0562-0293"
                aria-invalid={serialError ? true : undefined}
                aria-describedby={`add-serial-help${serialError ? ' add-serial-error' : ''}`}
                onChange={(event) => setDraft({ ...draft, serialNumber: event.target.value })}
              />
              <p className="field-help" id="add-serial-help">
                Ten digits, as on the back of the unit; dashes and spaces are optional.
              </p>
              <FieldMessage id="add-serial-error" message={serialError} />
            </div>
            <div className="field">
              <label htmlFor="add-code">Security code</label>
              <input
                id="add-code"
                name="securityCode"
                value={draft.securityCode}
                autoComplete="off"
                spellCheck={false}
                autoCapitalize="characters"
                placeholder="XXXX-XXXX-XXXX-XXXX"
                aria-invalid={codeError ? true : undefined}
                aria-describedby={`add-code-help${codeError ? ' add-code-error' : ''}`}
                onChange={(event) => setDraft({ ...draft, securityCode: event.target.value })}
              />
              <p className="field-help" id="add-code-help">
                Sixteen letters and digits, in any case, with or without dashes.
              </p>
              <FieldMessage id="add-code-error" message={codeError} />
            </div>
            {addError?.code === 'DEVICE_ALREADY_ADDED' && (
              <AskOwnerOffer
                onAsk={() => {
                  setAsking({
                    serialNumber: tidy(draft.serialNumber),
                    securityCode: tidy(draft.securityCode),
                  });
                  setDraft({ ...draft, open: false });
                }}
              />
            )}
            <div className="actions">
              <button type="submit" className="primary" disabled={busy}>
                Add device
              </button>
              <button type="button" onClick={clearDraft}>
                Cancel
              </button>
            </div>
          </form>
        </Dialog>
      )}

      {offering && site && (
        <OfferDialog
          site={site}
          contents={offering}
          onClose={() => setOffering(null)}
          onOffered={() => void loadAudit()}
        />
      )}
      {asking && site && <RequestDialog site={site} ask={asking} onClose={() => setAsking(null)} />}

      {toDelete && (
        <Dialog
          title={`Delete device ${toDelete.serialNumber}?`}
          description={
            <p>
              The device leaves the site “{site?.name}” and is no longer managed here. It can then
              be added elsewhere — to another site or another account — with its serial number and
              security code.
            </p>
          }
          onClose={() => setToDelete(null)}
        >
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => void confirmDelete()}
            >
              Delete device
            </button>
            <button type="button" data-autofocus onClick={() => setToDelete(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </main>
  );
}
