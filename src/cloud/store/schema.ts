import type { Generated, Kysely } from 'kysely';

// Timestamps are ISO 8601 UTC text and flags are 0/1 integers in every dialect, so rows look
// the same on SQLite and PostgreSQL and sort correctly as text.

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
}

export interface CompaniesTable {
  id: string;
  name: string;
  created_at: string;
  /** 1: every member must sign in with a second factor (issue 16). */
  require_two_factor: Generated<number>;
}

export interface MembershipsTable {
  user_id: string;
  company_id: string;
  role: 'admin' | 'member';
  created_at: string;
}

/** A company member's grant on one site (issue 16); admins need none, they see every site. */
export interface SiteMembershipsTable {
  user_id: string;
  site_id: string;
  company_id: string;
  role: 'site-admin' | 'viewer';
  created_at: string;
}

/** Whether a person gets mail for a kind of notification (issue 16); no row: mailed. */
export interface NotificationSettingsTable {
  user_id: string;
  kind: string;
  mail: number;
}

/** An invitation to a company: only the link token's hash; single use, valid 7 days. */
export interface InvitationsTable {
  id: string;
  company_id: string;
  email: string;
  role: 'admin' | 'member';
  /** JSON [{siteId, role}]. */
  sites: string;
  token_hash: string;
  invited_by: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
  revoked_at: string | null;
}

export interface SitesTable {
  id: string;
  company_id: string;
  name: string;
  /** Issue 17: 'family-home' | 'apartment-building' | 'other', fixed at creation. */
  type: 'family-home' | 'apartment-building' | 'other';
  created_at: string;
}

/** An apartment of a site (issue 17): a number or name, unique in its site, and a floor. */
export interface ApartmentsTable {
  id: string;
  site_id: string;
  name: string;
  floor: string | null;
  created_at: string;
}

/** A resident of an apartment (issue 17). Times are ISO 8601; null means no limit. */
export interface ResidentsTable {
  id: string;
  site_id: string;
  apartment_id: string;
  name: string;
  email: string | null;
  /** `{pins, cards}` as JSON, sealed under the resident-credentials key with the resident id. */
  credentials_enc: string;
  valid_from: string | null;
  valid_to: string | null;
  enabled: number;
  /** The device directory's call peer (a SIP URI or number, or an app user); null for none. */
  call_target: string | null;
  created_at: string;
  updated_at: string;
}

/** One PIN or card of a resident as a keyed HMAC: makes it unique in its site, never in clear. */
export interface ResidentCredentialsTable {
  site_id: string;
  kind: 'pin' | 'card';
  lookup: string;
  resident_id: string;
}

/** Which switch of which device of the site a resident may open. */
export interface ResidentAccessTable {
  resident_id: string;
  serial_number: string;
  switch: number;
}

/** A device's settings in the site that owns it; a row of another site counts as absent. */
export interface DeviceSettingsTable {
  serial_number: string;
  site_id: string;
  configuration_mode: 'automatic' | 'manual';
  name: string | null;
  /** Where the device hangs, for example "Main entrance" (issue 18). */
  location: string | null;
  updated_at: string;
}

/**
 * Auto Provisioning (issue 17): the directory the cloud wants on a device (its version and a
 * digest of its entries, for `site_id`; null: no site's entries, a wipe) and what the device
 * last said it applied. Versions only rise, across sites too, so a version names one content.
 */
export interface DeviceSyncTable {
  serial_number: string;
  site_id: string | null;
  desired_version: number;
  desired_digest: string;
  applied_site_id: string | null;
  applied_version: number;
  state: 'in-sync' | 'pending' | 'failed';
  since: string;
  reason: string | null;
}

/** What the cloud last wanted of one entry on one device, for deltas (issue 17). */
export interface ProvisionedEntriesTable {
  serial_number: string;
  uuid: string;
  digest: string;
  /** The desired version (device_sync) at which the entry last changed. */
  version: number;
  /** 1: removed at `version`. */
  deleted: number;
}

/** A door event a device reported (issue 17), kept in the site that owned the device then. */
export interface AccessEventsTable {
  id: string;
  site_id: string;
  serial_number: string;
  at: string;
  switch: number | null;
  access_point: number | null;
  granted: number;
  credential: string;
  reason: string | null;
  resident_id: string | null;
  resident_name: string | null;
  apartment_name: string | null;
  received_at: string;
}

/** The registry: every device ever minted. */
export interface DevicesTable {
  serial_number: string;
  model: string;
  mac_address: string;
  /** AES-256-GCM under the master key, see secrets/secret-box.ts. */
  secret_enc: string;
  known_generation: number;
  firmware: string | null;
  online: number;
  last_seen_at: string | null;
  minted_at: string;
}

/** At most one row per device: who owns it, since when, with which code generation. */
export interface OwnershipsTable {
  serial_number: string;
  site_id: string;
  claimed_generation: number;
  claimed_at: string;
  claimed_by: string;
}

export interface SessionsTable {
  token_hash: string;
  /** The public id (GET /api/sessions); never the token or its hash. */
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  /** The User-Agent header at sign-in, cut to 256 characters. */
  user_agent: string | null;
  /** The client address at sign-in. */
  address: string | null;
  /** To the minute (auth.service.ts resolveSession). */
  last_used_at: string | null;
}

/** A password reset link (issue 16): only the token's hash; single use, valid one hour. */
export interface PasswordResetsTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

/**
 * Two-factor sign-in of one person (issue 16, RFC 6238). Secrets are sealed with the master key
 * (secrets/secret-box.ts, bound to the user id); enabled when `enabled_at` is set.
 */
export interface TwoFactorTable {
  user_id: string;
  /** The secret in use, sealed; null until enabled. */
  secret_enc: string | null;
  /** The secret of a setup not confirmed with a code yet, sealed. */
  pending_secret_enc: string | null;
  enabled_at: string | null;
  /** The last time step a code was accepted for: older and equal steps are refused (§5.2). */
  last_used_step: number | null;
  updated_at: string;
}

/** One recovery code: only its SHA-256; used once. */
export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

/** A sign-in waiting for its second factor: only the challenge's hash; 5 minutes, 5 attempts. */
export interface TwoFactorChallengesTable {
  token_hash: string;
  user_id: string;
  /** Codes tried so far (counted before each check). */
  attempts: number;
  created_at: string;
  expires_at: string;
}

export interface ApiTokensTable {
  id: string;
  token_hash: string;
  user_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  /** "read" (GET and HEAD only) or "manage". */
  scope: string;
  /** The company it was made in; null for tokens from before issue 16. */
  company_id: string | null;
  expires_at: string | null;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  site_id: string | null;
  /** Issue 18: a notice to a company rather than about one of its sites (a transfer offered to it). */
  company_id: string | null;
  serial_number: string | null;
  created_at: string;
  read_at: string | null;
}

export interface AuditEventsTable {
  id: string;
  company_id: string;
  site_id: string | null;
  actor_user_id: string | null;
  actor_email: string | null;
  action: string;
  outcome: string;
  error_code: string | null;
  serial_number: string | null;
  ip: string | null;
  detail: string;
  created_at: string;
}

/** One row per failed claim attempt and scope; counted over a sliding window. */
export interface AttemptFailuresTable {
  id: Generated<number>;
  scope: string;
  scope_key: string;
  created_at: string;
}

/**
 * One failed sign-in (kind "login", account = the e-mail address as typed, normalised) or one
 * registration (kind "register", account null) from a client address (issue 14).
 */
export interface LoginAttemptsTable {
  id: Generated<number>;
  kind: 'login' | 'register' | 'reset';
  address: string;
  account: string | null;
  created_at: string;
}

/**
 * Which devices have a login on which external MQTT broker (issue 8): the cloud provisions
 * each device once per broker and remembers it here, so every node can reconcile cheaply.
 */
export interface BrokerAccountsTable {
  /** host:port of the broker, so a different broker is provisioned again from scratch. */
  broker: string;
  serial_number: string;
  provisioned_at: string;
}

/**
 * A value derived from the master key (never the key itself), written by the first node to
 * start: a node or `latchkey mint` with another key refuses to start (issue 14). One row.
 */
export interface MasterKeyCheckTable {
  id: number;
  check_value: string;
  created_at: string;
}

export interface Database {
  users: UsersTable;
  companies: CompaniesTable;
  memberships: MembershipsTable;
  site_memberships: SiteMembershipsTable;
  invitations: InvitationsTable;
  sites: SitesTable;
  devices: DevicesTable;
  ownerships: OwnershipsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  notifications: NotificationsTable;
  audit_events: AuditEventsTable;
  attempt_failures: AttemptFailuresTable;
  broker_accounts: BrokerAccountsTable;
  login_attempts: LoginAttemptsTable;
  master_key_check: MasterKeyCheckTable;
  password_resets: PasswordResetsTable;
  two_factor: TwoFactorTable;
  recovery_codes: RecoveryCodesTable;
  two_factor_challenges: TwoFactorChallengesTable;
  notification_settings: NotificationSettingsTable;
  apartments: ApartmentsTable;
  residents: ResidentsTable;
  resident_credentials: ResidentCredentialsTable;
  resident_access: ResidentAccessTable;
  device_settings: DeviceSettingsTable;
  device_sync: DeviceSyncTable;
  provisioned_entries: ProvisionedEntriesTable;
  access_events: AccessEventsTable;
  transfers: TransfersTable;
  transfer_items: TransferItemsTable;
  transfer_requests: TransferRequestsTable;
  device_presence: DevicePresenceTable;
  link_transfers: LinkTransfersTable;
  firmware_blobs: FirmwareBlobsTable;
  firmware_images: FirmwareImagesTable;
  rollouts: RolloutsTable;
  rollout_devices: RolloutDevicesTable;
  site_backup_keys: SiteBackupKeysTable;
  device_backups: DeviceBackupsTable;
  site_backup_settings: SiteBackupSettingsTable;
  remote_sessions: RemoteSessionsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

/** Issue 19: a remote-configuration session of one person on one device; the token's hash. */
export interface RemoteSessionsTable {
  token_hash: string;
  user_id: string;
  company_id: string;
  site_id: string;
  serial_number: string;
  created_at: string;
  expires_at: string;
  last_used_at: string;
}

/**
 * Issue 19: a single-use URL a device fetches or sends a file through; only the token's hash
 * is stored. `kind` says what it moves (`firmware`, `backup-upload`, `backup-restore`) and `ref`
 * which one (a firmware image id, a backup id).
 */
export interface LinkTransfersTable {
  token_hash: string;
  serial_number: string;
  kind: string;
  ref: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** Issue 19: a firmware image's bytes, once per SHA-256 digest (hex). */
export interface FirmwareBlobsTable {
  sha256: string;
  bytes: number;
  content: Buffer;
  created_at: string;
}

/** Issue 19: one entry of the firmware catalogue; `company_id` null: the operator's, for all. */
export interface FirmwareImagesTable {
  id: string;
  company_id: string | null;
  model: string;
  version: string;
  sha256: string;
  bytes: number;
  filename: string;
  added_by: string | null;
  created_at: string;
}

/** Issue 18: an offer of devices, or of a whole site (`site_id`), to another company. */
export interface TransfersTable {
  id: string;
  from_company_id: string;
  to_company_id: string;
  to_email: string;
  offered_by: string;
  /** Set when the whole site is offered. */
  site_id: string | null;
  state: 'pending' | 'accepted' | 'rejected' | 'cancelled' | 'expired';
  /** Why it ended other than by an answer (a claim by a regenerated code took a device). */
  reason: string | null;
  created_at: string;
  expires_at: string;
  answered_at: string | null;
  answered_by: string | null;
  accepted_site_id: string | null;
}

/** The devices an offer names, with the site each was in when offered. */
export interface TransferItemsTable {
  transfer_id: string;
  serial_number: string;
  source_site_id: string;
}

/** Issue 18: a request, by someone holding the serial and current code, to release a device. */
export interface TransferRequestsTable {
  id: string;
  serial_number: string;
  requester_company_id: string;
  requester_user_id: string;
  /** The requester's site the device moves to when approved. */
  site_id: string;
  /** 1: the owner may see the requester's company name. */
  share_company_name: number;
  owner_company_id: string;
  owner_site_id: string;
  state: 'pending' | 'approved' | 'declined' | 'cancelled' | 'expired';
  reason: string | null;
  created_at: string;
  expires_at: string;
  answered_at: string | null;
  answered_by: string | null;
}

/** Issue 18: a device going online or offline, with the company that owned it then. */
export interface DevicePresenceTable {
  id: string;
  serial_number: string;
  company_id: string | null;
  online: number;
  at: string;
}

/** A connection or an open transaction; repositories work on either. */
export type Executor = Kysely<Database>;

/** Issue 19: a site's X25519 backup key pair; the private key sealed under the master key. */
export interface SiteBackupKeysTable {
  site_id: string;
  public_key: string;
  private_key_enc: string;
  created_at: string;
}

/**
 * Issue 19: one configuration backup of a device, sealed to the key of the site the device was
 * in when it was asked (it stays with that site). `day` (UTC date) only on daily backups.
 */
export interface DeviceBackupsTable {
  id: string;
  serial_number: string;
  site_id: string;
  company_id: string;
  state: 'pending' | 'stored' | 'failed';
  reason: 'daily' | 'manual';
  day: string | null;
  bytes: number | null;
  content: Buffer | null;
  error: string | null;
  created_by: string | null;
  created_at: string;
  stored_at: string | null;
}

/** Issue 19: a site's daily backups (0/1) and how many stored backups a device keeps. */
export interface SiteBackupSettingsTable {
  site_id: string;
  daily: number;
  keep: number;
}

export type RolloutState = 'running' | 'done' | 'stopped' | 'cancelled';
export type RolloutStep =
  | 'pending'
  | 'sent'
  | 'downloading'
  | 'verifying'
  | 'installing'
  | 'done'
  | 'failed'
  | 'cancelled'
  | 'skipped';

/** Issue 19: one firmware image sent to chosen devices, a few at a time. */
export interface RolloutsTable {
  id: string;
  company_id: string;
  firmware_id: string;
  model: string;
  version: string;
  sha256: string;
  bytes: number;
  state: RolloutState;
  concurrency: number;
  stop_when_failed_percent: number;
  allow_downgrade: number;
  created_by: string | null;
  created_at: string;
  finished_at: string | null;
  reason: string | null;
}

/** Issue 19: one device of a rollout and the step it reached. */
export interface RolloutDevicesTable {
  rollout_id: string;
  serial_number: string;
  site_id: string;
  step: RolloutStep;
  percent: number | null;
  error: string | null;
  attempts: number;
  from_version: string | null;
  updated_at: string;
}

/** Issue 20: a company's webhook endpoint; the secret sealed (SecretBox 'webhook-secret'). */
export interface WebhookEndpointsTable {
  id: string;
  company_id: string;
  url: string;
  secret_enc: string;
  /** A JSON array of event kinds (core/webhook.rules.ts). */
  events: string;
  enabled: number;
  disabled_reason: string | null;
  /** Deliveries failed in a row (after all their retries); a success sets it to 0. */
  failed_deliveries: number;
  /** The first failed attempt since the last success, or null. */
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

/** Issue 20: one event to one endpoint; `pending` until `delivered` or `failed`. */
export interface WebhookDeliveriesTable {
  seq: Generated<number>;
  id: string;
  endpoint_id: string;
  company_id: string;
  event_id: string;
  event_type: string;
  /** The JSON body, exactly as sent (and signed). */
  payload: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  created_at: string;
  finished_at: string | null;
}
