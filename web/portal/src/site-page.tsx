import { AccessLog } from './access-log.tsx';
import { AddDeviceDialog } from './add-device-dialog.tsx';
import { BulkAddDialog } from './bulk-add-dialog.tsx';
import { DeleteDeviceDialog } from './delete-device-dialog.tsx';
import { OfferDialog } from './offer-dialog.tsx';
import { RequestDialog } from './request-dialog.tsx';
import { RolloutDialog } from './rollout-dialog.tsx';
import { SiteAudit } from './site-audit.tsx';
import { SiteBackupSettings } from './site-backup-settings.tsx';
import { SiteDevicesSection } from './site-devices-section.tsx';
import { SiteRenameForm } from './site-rename-form.tsx';
import { SiteResidents } from './site-residents.tsx';
import { SiteSections } from './site-sections.tsx';
import { SITE_TYPE_LABELS } from './site-types.ts';
import { useSitePage, type SitePageProps } from './use-site-page.ts';

/**
 * One site: its devices, live, adding and deleting them, renaming the site, its audit log.
 * The data and actions are useSitePage's; this lays out its parts and dialogs.
 */
export function SitePage(props: SitePageProps) {
  const { siteId } = props;
  const state = useSitePage(props);
  const { site, missing, devices, auditAllowed, canManage } = state;

  if (missing) {
    return (
      <main>
        <h1>{missing.body.message}</h1>
        <p>{missing.body.cause}</p>
      </main>
    );
  }

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
      {canManage && <SiteRenameForm state={state} />}

      {site && <SiteBackupSettings siteId={siteId} canManage={canManage} />}

      <SiteDevicesSection state={state} siteId={siteId} />

      {site && (
        <SiteResidents
          siteId={siteId}
          siteType={site.type}
          devices={devices ?? []}
          canManage={canManage}
          onChanged={() => void state.loadDevices()}
        />
      )}
      <AccessLog siteId={siteId} devices={devices ?? []} liveKey={state.liveKey} />

      {auditAllowed !== false && <SiteAudit audit={state.audit} />}

      {state.rolloutOpen && canManage && (
        <RolloutDialog siteId={siteId} onClose={() => state.setRolloutOpen(false)} />
      )}
      {state.bulkOpen && canManage && (
        <BulkAddDialog
          siteId={siteId}
          onAdded={() => void state.loadDevices()}
          onClose={() => state.setBulkOpen(false)}
        />
      )}
      {state.adding.draft.open && canManage && <AddDeviceDialog adding={state.adding} />}

      {state.offering && site && (
        <OfferDialog
          site={site}
          contents={state.offering}
          onClose={() => state.setOffering(null)}
          onOffered={() => void state.loadAudit()}
        />
      )}
      {state.asking && site && (
        <RequestDialog site={site} ask={state.asking} onClose={() => state.setAsking(null)} />
      )}

      {state.deleting.device && (
        <DeleteDeviceDialog
          device={state.deleting.device}
          siteName={site?.name}
          deleting={state.deleting}
        />
      )}
    </main>
  );
}
