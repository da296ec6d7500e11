import type { MailQueue } from '../mail/mailer.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Store } from '../store/store.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { companiesRepo } from '../store/repos/companies.repo.ts';
import { devicesRepo } from '../store/repos/devices.repo.ts';
import { membershipsRepo } from '../store/repos/memberships.repo.ts';
import { sitesRepo } from '../store/repos/sites.repo.ts';
import { credentialsRepo } from '../store/repos/sessions.repo.ts';
import { twoFactorRepo } from '../store/repos/two-factor.repo.ts';
import { usersRepo } from '../store/repos/users.repo.ts';
import { createAccessService } from './access.service.ts';
import { createAccountService } from './account.service.ts';
import { createAuditService } from './audit.service.ts';
import { createAuthService } from './auth.service.ts';
import { createBulkClaimService } from './bulk-claim.service.ts';
import { createClaimService } from './claim.service.ts';
import { createCompanyService } from './company.service.ts';
import type { Clock } from './clock.ts';
import { createDeviceLinkService } from './device-link.service.ts';
import { createAccessLogService } from './access-log.service.ts';
import { createDeviceActionsService } from './device-actions.service.ts';
import type { CloudEventBus } from './events.ts';
import { createProvisioningService } from './provisioning.service.ts';
import { createSiteDevicesService } from './site-devices.service.ts';
import type { DeviceCommands } from './device-commands.ts';
import type { ServiceLog } from './service-log.ts';
import type { ServiceMetrics } from './service-metrics.ts';
import { createResidentCredentials } from './resident-credentials.ts';
import { createLoginThrottle, type LoginLimits } from './login-throttle.service.ts';
import { createLiveUpdatesService } from './live-updates.service.ts';
import { createMembersService } from './members.service.ts';
import { createInvitationsService } from './invitations.service.ts';
import { createNoticeMailer } from './notice-mail.service.ts';
import { createNotificationsService } from './notifications.service.ts';
import { notificationsRepo } from '../store/repos/notifications.repo.ts';
import type { PortalLinks } from './portal-links.ts';
import type { RateLimitPolicy } from './rate-limit.ts';
import { createRegistryService } from './registry.service.ts';
import { createReleaseService } from './release.service.ts';
import { createDeviceMoveService } from './device-move.service.ts';
import { createTransferEnds } from './transfer-ends.service.ts';
import { createTransferRequestsService } from './transfer-requests.service.ts';
import { createTransfersService } from './transfers.service.ts';
import { createDeviceDirectoryService } from './device-directory.service.ts';
import { deviceSearchRepo } from '../store/repos/device-search.repo.ts';
import { devicePresenceRepo } from '../store/repos/device-presence.repo.ts';
import { createSitesService } from './sites.service.ts';
import { createLinkTransfers } from './link-transfers.service.ts';
import { createRolloutsService } from './rollouts.service.ts';
import { createFirmwareDownloads } from './firmware-downloads.service.ts';
import { createDeviceBackupsService } from './device-backups.service.ts';
import { createFirmwareService } from './firmware.service.ts';
import { createTwoFactorService } from './two-factor.service.ts';
import { createRemoteSessionsService } from './remote-sessions.service.ts';
import { createRemoteRelayService, type RelayBounds } from './remote-relay.service.ts';
import { createApartmentsService } from './apartments.service.ts';
import { createResidentsService } from './residents.service.ts';
import { createResidentsImportService } from './residents-import.service.ts';
import { createWebhooksService } from './webhooks.service.ts';
import { systemResolver, type HostResolver } from './webhook-url.ts';
import { createWebhookDisabledNotice } from './webhook-disabled.notice.ts';

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  events: CloudEventBus;
  deviceSecrets: SecretBox;
  /** Seals the TOTP secrets of two-factor sign-in (its own key, derived from the master key). */
  twoFactorSecrets: SecretBox;
  /** Where background work reports, attached to the node's logger once it has one. */
  log: ServiceLog;
  /** What the services count for /metrics (issue 20). */
  metrics: ServiceMetrics;
  /** Commands to devices over the link, attached once the link runs (issue 17). */
  commands: DeviceCommands;
  /** Seals residents' PINs and cards (issue 17). */
  residentSecrets: SecretBox;
  /** Seals the sites' backup private keys (issue 19). */
  backupKeys: SecretBox;
  /** Keys the HMACs that keep a PIN or card unique in a site (resident-credentials.ts). */
  credentialLookupKey: Buffer;
  csrfKey: Buffer;
  sessionTtlMs: number;
  claimLimits: RateLimitPolicy;
  loginLimits: LoginLimits;
  /** Live-update streams (GET /api/events) one person may hold open at once. */
  eventStreamsPerPerson: number;
  /** Outgoing mail (SMTP or the outbox), sent in the background. */
  mail: MailQueue;
  /** The portal's address, for the links in mails. */
  links: PortalLinks;
  /** `latchkey serve --firmware-uploads`: company admins may add firmware images (issue 19). */
  firmwareUploads?: boolean;
  /** Issue 19: the remote-configuration relay's bounds, when not the defaults. */
  relayBounds?: Partial<RelayBounds>;
  /** Issue 20: seals the webhook endpoints' signing secrets. */
  webhookSecrets: SecretBox;
  /** `--webhooks-allow-insecure`: http:// and private addresses are accepted (tests). */
  webhooksAllowInsecure?: boolean;
  /** How webhook hosts are resolved for the SSRF check (tests give their own). */
  webhookResolver?: HostResolver;
}

/**
 * Wires each use case with only the dependencies it needs; this is the composition root's
 * list of services, not something services themselves receive.
 */
export function createServices(deps: ServiceDeps) {
  const { store, clock, events } = deps;
  const notices = createNoticeMailer({
    findUsers: (ids) => usersRepo(store.db).findByIds(ids),
    mailOff: (ids) => notificationsRepo(store.db).mailOffOf(ids),
    mail: deps.mail,
    links: deps.links,
    onError: (error) => deps.mail.onError(error, 'notice'),
  });
  const residentCredentials = createResidentCredentials(
    deps.residentSecrets,
    deps.credentialLookupKey,
  );
  const throttle = createLoginThrottle({ store, clock, limits: deps.loginLimits });
  const twoFactor = createTwoFactorService({
    twoFactor: twoFactorRepo(store.db),
    users: usersRepo(store.db),
    secrets: deps.twoFactorSecrets,
    clock,
    throttle,
  });
  // A company may require a second factor of everyone (issue 16): the access check asks.
  const hasTwoFactor = (userId: string) => twoFactor.hasTwoFactor(userId);
  const access = createAccessService({ memberships: membershipsRepo(store.db), hasTwoFactor });
  const accessLog = createAccessLogService({
    access,
    store,
    clock,
    log: deps.log,
    onWebhooksQueued: () => events.emit('webhook-changed', { companyId: null, endpointId: null }),
  });
  const auth = createAuthService({
    store,
    clock,
    csrfKey: deps.csrfKey,
    sessionTtlMs: deps.sessionTtlMs,
    throttle,
    mail: deps.mail,
    links: deps.links,
    twoFactor,
  });
  const autoProvisioning = createProvisioningService({
    store,
    clock,
    events,
    commands: deps.commands,
    credentials: residentCredentials,
    log: deps.log,
  });
  // Issue 18: pending offers and requests end when their devices change hands another way.
  const transferEnds = createTransferEnds({ store, clock, events, notices, log: deps.log });
  // Issue 19: remote configuration, its sessions and the relay through the device link.
  const remoteSessions = createRemoteSessionsService({
    access,
    store,
    clock,
    links: deps.links,
  });
  const remoteRelay = createRemoteRelayService({
    auth,
    sessions: remoteSessions,
    commands: deps.commands,
    ...(deps.relayBounds ? { bounds: deps.relayBounds } : {}),
  });
  const claims = createClaimService({
    access,
    committer: store.claims,
    clock,
    events,
    deviceSecrets: deps.deviceSecrets,
    limits: deps.claimLimits,
    notices,
    metrics: deps.metrics,
  });
  const linkTransfers = createLinkTransfers({ store, clock });
  const firmware = createFirmwareService({
    access,
    store,
    clock,
    uploadsAllowed: deps.firmwareUploads ?? false,
  });
  return {
    access,
    /** Firmware rollouts (issue 19); the runner (rollout-runner.ts) runs them on every node. */
    rollouts: createRolloutsService({
      access,
      store,
      clock,
      events,
      imageFor: (companyId, id) => firmware.imageFor(companyId, id),
    }),
    /** The image downloads of rollouts, through single-use URLs (issue 19). */
    firmwareDownloads: createFirmwareDownloads({
      store,
      transfers: linkTransfers,
      content: (sha256) => firmware.content(sha256),
    }),
    /** Auto Provisioning (issue 17): the devices' cloud-managed directories. */
    autoProvisioning,
    siteDevices: createSiteDevicesService({
      access,
      store,
      clock,
      events,
      commands: deps.commands,
      provisioning: autoProvisioning,
    }),
    /** Seals, opens and looks up residents' PINs and cards (issue 17). */
    residentCredentials,
    /** Commands to devices over the device link (attached when the link runs). */
    commands: deps.commands,
    invitations: createInvitationsService({
      access,
      store,
      clock,
      events,
      mail: deps.mail,
      links: deps.links,
      throttle,
      accounts: auth,
    }),
    company: createCompanyService({ access, store, clock, hasTwoFactor }),
    members: createMembersService({ access, store, clock, events }),
    /** Live updates to the portal (GET /api/events). */
    liveUpdates: createLiveUpdatesService({
      store,
      events,
      streamsPerPerson: deps.eventStreamsPerPerson,
      access,
    }),
    auth,
    /** Two-factor sign-in (TOTP); `hasTwoFactor` tells whether a person uses it. */
    twoFactor,
    account: createAccountService({
      users: usersRepo(store.db),
      credentials: credentialsRepo(store.db),
      companies: companiesRepo(store.db),
      clock,
      throttle,
    }),
    sites: createSitesService({
      access,
      sites: sitesRepo(store.db),
      devices: devicesRepo(store.db, store.dialect),
      store,
      clock,
    }),
    claims,
    /** Bulk add: a file of serial numbers and codes, each row its own claim (issue 18). */
    bulkClaims: createBulkClaimService({
      access,
      claims,
      store,
      clock,
      limits: deps.claimLimits,
    }),
    releases: createReleaseService({ access, store, clock, events }),
    /** Moves between a company's own sites (issue 18). */
    moves: createDeviceMoveService({ access, store, clock, events }),
    /** Offers between companies and requests to release a device (issue 18). */
    transfers: createTransfersService({
      access,
      store,
      clock,
      events,
      notices,
      ends: transferEnds,
    }),
    transferRequests: createTransferRequestsService({
      access,
      store,
      clock,
      events,
      deviceSecrets: deps.deviceSecrets,
      claimLimits: deps.claimLimits,
      notices,
      ends: transferEnds,
    }),
    /** What ends offers and requests after other changes of hands; `idle()` for tests. */
    transferEnds,
    /** The company-wide device search and the device page (issue 18). */
    deviceDirectory: createDeviceDirectoryService({
      access,
      search: deviceSearchRepo(store.db),
      devices: devicesRepo(store.db, store.dialect),
      audit: auditRepo(store.db),
      presence: devicePresenceRepo(store.db),
    }),
    notifications: createNotificationsService({ store, clock, access }),
    audit: createAuditService({ access, audit: auditRepo(store.db) }),
    registry: createRegistryService({ store, clock, deviceSecrets: deps.deviceSecrets }),
    deviceLink: createDeviceLinkService({
      store,
      clock,
      events,
      deviceSecrets: deps.deviceSecrets,
      notices,
      onDirectoryReported: (serial, held) => autoProvisioning.deviceReported(serial, held),
      accessLog,
      onWebhooksQueued: () => events.emit('webhook-changed', { companyId: null, endpointId: null }),
    }),
    /** Single-use URLs a device moves a file through: firmware, backups (issue 19). */
    linkTransfers,
    /** Configuration backups kept in the cloud, on demand and daily (issue 19). */
    deviceBackups: createDeviceBackupsService({
      access,
      store,
      clock,
      events,
      commands: deps.commands,
      transfers: linkTransfers,
      links: deps.links,
      backupKeys: deps.backupKeys,
      deviceSecrets: deps.deviceSecrets,
      notices,
    }),
    /** The firmware catalogue: the operator's images and each company's own (issue 19). */
    firmware,
    /** The site's access log: door events the devices report (issue 17). */
    accessLog,
    /** Remote actions on a device: open a door, restart, report state (issue 17). */
    deviceActions: createDeviceActionsService({
      access,
      store,
      clock,
      commands: deps.commands,
    }),
    /** Remote configuration (issue 19): sessions on a device, and the relay to its web UIs. */
    remoteSessions,
    remoteRelay,
    /** Apartments, residents and their import (issue 17). */
    apartments: createApartmentsService({ access, store, clock, events }),
    residents: createResidentsService({
      access,
      store,
      clock,
      events,
      credentials: residentCredentials,
    }),
    /** Issue 20: webhook endpoints and their delivery log (the dispatcher sends them). */
    webhooks: createWebhooksService({
      access,
      store,
      clock,
      events,
      secrets: deps.webhookSecrets,
      allowInsecure: deps.webhooksAllowInsecure ?? false,
      resolve: deps.webhookResolver ?? systemResolver,
    }),
    /** Tells a company's admins that one of its webhook endpoints was disabled. */
    webhookDisabled: createWebhookDisabledNotice({ store, clock, notices }),
    residentsImport: createResidentsImportService({
      access,
      store,
      clock,
      events,
      credentials: residentCredentials,
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
