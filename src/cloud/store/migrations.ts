import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';
import type { StoreDialect } from './dialect.ts';

/** The schema, as ordered migrations; the same code runs on SQLite and PostgreSQL. */
function initial(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('companies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'company_id'])
        .execute();
      await db.schema
        .createTable('sites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sites_company').on('sites').columns(['company_id']).execute();
      await db.schema
        .createTable('devices')
        .addColumn('serial_number', 'text', (c) => c.primaryKey())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('mac_address', 'text', (c) => c.notNull())
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('known_generation', 'integer', (c) => c.notNull())
        .addColumn('firmware', 'text')
        .addColumn('online', 'integer', (c) => c.notNull())
        .addColumn('last_seen_at', 'text')
        .addColumn('minted_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ownerships')
        .addColumn('serial_number', 'text', (c) =>
          c.primaryKey().references('devices.serial_number'),
        )
        .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
        .addColumn('claimed_generation', 'integer', (c) => c.notNull())
        .addColumn('claimed_at', 'text', (c) => c.notNull())
        .addColumn('claimed_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('ownerships_site')
        .on('ownerships')
        .columns(['site_id'])
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text')
        .addColumn('serial_number', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('read_at', 'text')
        .execute();
      await db.schema
        .createIndex('notifications_user')
        .on('notifications')
        .columns(['user_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text')
        .addColumn('actor_user_id', 'text')
        .addColumn('actor_email', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('serial_number', 'text')
        .addColumn('ip', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('audit_events_site')
        .on('audit_events')
        .columns(['site_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('attempt_failures')
        .addColumn('id', dialect.autoIncrementType, (c) => dialect.autoIncrementColumn(c))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('scope_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('attempt_failures_key')
        .on('attempt_failures')
        .columns(['scope', 'scope_key', 'created_at'])
        .execute();
    },
  };
}

/** Device logins provisioned on an external MQTT broker (issue 8). */
const brokerAccounts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('broker_accounts')
      .addColumn('broker', 'text', (c) => c.notNull())
      .addColumn('serial_number', 'text', (c) => c.notNull().references('devices.serial_number'))
      .addColumn('provisioned_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('broker_accounts_pk', ['broker', 'serial_number'])
      .execute();
  },
};

/** The function that commits decided claims in one statement, where the dialect has one. */
function claimFunction(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.commitClaimFunction) await sql.raw(dialect.commitClaimFunction).execute(db);
    },
  };
}

/**
 * Device logins on an external broker are now bound to the device's client id (issue 14): the
 * records of logins made before are dropped, so that the nodes provision every device again,
 * which binds the existing logins (mosquitto-dynsec.ts provisionDevices).
 */
const mqttBindClientIds: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`delete from broker_accounts`.execute(db);
  },
};

/**
 * Sign-in failures and registrations per client address (issue 14): the login throttle counts
 * them here, so every node of a cluster sees the same counts.
 */
function loginAttempts(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('login_attempts')
        .addColumn('id', dialect.autoIncrementType, (c) => dialect.autoIncrementColumn(c))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('account', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('login_attempts_address')
        .on('login_attempts')
        .columns(['kind', 'address', 'created_at'])
        .execute();
      await db.schema
        .createIndex('login_attempts_account')
        .on('login_attempts')
        .columns(['kind', 'account', 'created_at'])
        .execute();
      await db.schema
        .createIndex('login_attempts_created')
        .on('login_attempts')
        .column('created_at')
        .execute();
    },
  };
}

/** The master key's check value (issue 14): one row, written by the first node to start. */
const masterKeyCheck: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('master_key_check')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('check_value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/** Password reset links (issue 16): the token's hash, whose it is, until when. */
const passwordResets: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('password_resets')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('password_resets_user')
      .on('password_resets')
      .column('user_id')
      .execute();
  },
};

/**
 * Sessions get a public id, the browser, the address and the last use; API tokens a scope, a
 * company and an expiry (issue 16). Sessions and tokens from before keep working: each session
 * gets a random id, each token the scope "manage" (what it could do) and its person's first
 * company.
 */
const sessionsAndTokenScopes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['id', 'user_agent', 'address', 'last_used_at']) {
      await db.schema.alterTable('sessions').addColumn(column, 'text').execute();
    }
    const sessions = await sql<{
      token_hash: string;
    }>`select token_hash from sessions`.execute(db);
    for (const row of sessions.rows) {
      await sql`update sessions set id = ${randomUUID()} where token_hash = ${row.token_hash}`.execute(
        db,
      );
    }
    await db.schema.createIndex('sessions_id').unique().on('sessions').column('id').execute();
    await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
    await db.schema
      .alterTable('api_tokens')
      .addColumn('scope', 'text', (c) => c.notNull().defaultTo('manage'))
      .execute();
    await db.schema.alterTable('api_tokens').addColumn('company_id', 'text').execute();
    await db.schema.alterTable('api_tokens').addColumn('expires_at', 'text').execute();
    await sql`update api_tokens set company_id = (
      select m.company_id from memberships m join companies c on c.id = m.company_id
      where m.user_id = api_tokens.user_id order by c.created_at limit 1)`.execute(db);
    await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
  },
};

/**
 * Roles (issue 16): a member's grants on sites, invitations to a company, and the company
 * setting that requires two-factor sign-in. Existing memberships keep their role ("admin").
 */
const rolesAndInvitations: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('site_memberships')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
      .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('site_memberships_pk', ['user_id', 'site_id'])
      .execute();
    await db.schema
      .createIndex('site_memberships_site')
      .on('site_memberships')
      .column('site_id')
      .execute();
    await db.schema
      .createIndex('site_memberships_company_user')
      .on('site_memberships')
      .columns(['company_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      // JSON [{siteId, role}]: the grants a member gets on accepting.
      .addColumn('sites', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('invited_by', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('accepted_at', 'text')
      .addColumn('accepted_by', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema
      .createIndex('invitations_company')
      .on('invitations')
      .columns(['company_id', 'email'])
      .execute();
    await db.schema
      .alterTable('companies')
      .addColumn('require_two_factor', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('memberships_company')
      .on('memberships')
      .column('company_id')
      .execute();
  },
};

/**
 * Two-factor sign-in with TOTP (issue 16; RFC 6238). One row per person who started a setup:
 * the secret sealed with the master key (never in plaintext), the pending one during setup, when
 * it was enabled, and the last time step used (replay, RFC 6238 §5.2). Kept out of `users`, whose
 * row is read on every request. Recovery codes and sign-in challenges: only their hashes.
 */
const twoFactor: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('two_factor')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
      .addColumn('secret_enc', 'text')
      .addColumn('pending_secret_enc', 'text')
      .addColumn('enabled_at', 'text')
      .addColumn('last_used_step', 'integer')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('recovery_codes')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
      .execute();
    await db.schema
      .createTable('two_factor_challenges')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('two_factor_challenges_user')
      .on('two_factor_challenges')
      .column('user_id')
      .execute();
    await db.schema
      .createIndex('two_factor_challenges_expires')
      .on('two_factor_challenges')
      .column('expires_at')
      .execute();
  },
};

/**
 * Per-person mail settings of notifications (issue 16): a row only where the person chose;
 * without one a kind is mailed. Recipients themselves are asked in notifications.repo.ts
 * (recipientsOf); the PostgreSQL claim function inserts notice rows prepared from it, so it
 * needs no new definition here.
 */
const notificationSettings: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('notification_settings')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('mail', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_settings_pk', ['user_id', 'kind'])
      .execute();
  },
};

/**
 * Buildings (issue 17): a site's type, its apartments and residents, the residents' access
 * rights per device and switch, the per-device settings in a site (configuration mode, name),
 * what the cloud provisions to each device and what the device applied, and the access
 * events devices report. A resident's PINs and cards are sealed (AES-256-GCM) in
 * `credentials_enc`; `resident_credentials` holds keyed HMACs of them, so that a PIN or card
 * is unique in a site without being stored in clear.
 */
const buildings: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('sites')
      .addColumn('type', 'text', (c) => c.notNull().defaultTo('other'))
      .execute();
    await db.schema
      .createTable('apartments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('floor', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('apartments_site_name', ['site_id', 'name'])
      .execute();
    await db.schema
      .createTable('residents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
      .addColumn('apartment_id', 'text', (c) => c.notNull().references('apartments.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('credentials_enc', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'text')
      .addColumn('valid_to', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('call_target', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('residents_site').on('residents').column('site_id').execute();
    await db.schema
      .createIndex('residents_apartment')
      .on('residents')
      .column('apartment_id')
      .execute();
    await db.schema
      .createTable('resident_credentials')
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('lookup', 'text', (c) => c.notNull())
      .addColumn('resident_id', 'text', (c) => c.notNull().references('residents.id'))
      .addPrimaryKeyConstraint('resident_credentials_pk', ['site_id', 'kind', 'lookup'])
      .execute();
    await db.schema
      .createIndex('resident_credentials_resident')
      .on('resident_credentials')
      .column('resident_id')
      .execute();
    await db.schema
      .createTable('resident_access')
      .addColumn('resident_id', 'text', (c) => c.notNull().references('residents.id'))
      .addColumn('serial_number', 'text', (c) => c.notNull().references('devices.serial_number'))
      .addColumn('switch', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('resident_access_pk', ['resident_id', 'serial_number', 'switch'])
      .execute();
    await db.schema
      .createIndex('resident_access_serial')
      .on('resident_access')
      .column('serial_number')
      .execute();
    await db.schema
      .createTable('device_settings')
      .addColumn('serial_number', 'text', (c) => c.primaryKey().references('devices.serial_number'))
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('configuration_mode', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('device_sync')
      .addColumn('serial_number', 'text', (c) => c.primaryKey().references('devices.serial_number'))
      .addColumn('site_id', 'text')
      .addColumn('desired_version', 'integer', (c) => c.notNull())
      .addColumn('desired_digest', 'text', (c) => c.notNull())
      .addColumn('applied_site_id', 'text')
      .addColumn('applied_version', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('since', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .execute();
    await db.schema
      .createTable('access_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
      .addColumn('serial_number', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('switch', 'integer')
      .addColumn('access_point', 'integer')
      .addColumn('granted', 'integer', (c) => c.notNull())
      .addColumn('credential', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('resident_id', 'text')
      .addColumn('resident_name', 'text')
      .addColumn('apartment_name', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('access_events_site_at')
      .on('access_events')
      .columns(['site_id', 'at', 'id'])
      .execute();
  },
};

/** Migrations in order; names sort in the order they run. */

/**
 * Issue 17, Auto Provisioning deltas: per device, each directory entry the cloud last wanted
 * (its digest) and the desired version it last changed at; `deleted` rows stand for entries
 * removed at that version. The delta from an applied version A is the rows with version > A,
 * as the device's own dir/query works from timestamps (2N HTTP API §5.14.6).
 */
const provisionedEntries: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('provisioned_entries')
      .addColumn('serial_number', 'text', (c) => c.notNull().references('devices.serial_number'))
      .addColumn('uuid', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('deleted', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('provisioned_entries_pk', ['serial_number', 'uuid'])
      .execute();
  },
};

/**
 * Issue 18, ownership beyond the article: offers of devices or a whole site to another company
 * (transfers, with their items), requests to release a device (transfer_requests), a device's
 * online history with the company that owned it then (device_presence), a device's location,
 * and notifications addressed to a company rather than a site (a receiving company may have
 * no site yet).
 */
const ownership: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('transfers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('from_company_id', 'text', (c) => c.notNull().references('companies.id'))
      .addColumn('to_company_id', 'text', (c) => c.notNull().references('companies.id'))
      .addColumn('to_email', 'text', (c) => c.notNull())
      .addColumn('offered_by', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'text')
      .addColumn('answered_by', 'text')
      .addColumn('accepted_site_id', 'text')
      .execute();
    await db.schema
      .createIndex('transfers_from')
      .on('transfers')
      .columns(['from_company_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('transfers_to')
      .on('transfers')
      .columns(['to_company_id', 'created_at'])
      .execute();
    await db.schema
      .createTable('transfer_items')
      .addColumn('transfer_id', 'text', (c) => c.notNull().references('transfers.id'))
      .addColumn('serial_number', 'text', (c) => c.notNull().references('devices.serial_number'))
      .addColumn('source_site_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('transfer_items_pk', ['transfer_id', 'serial_number'])
      .execute();
    await db.schema
      .createIndex('transfer_items_serial')
      .on('transfer_items')
      .column('serial_number')
      .execute();
    await db.schema
      .createTable('transfer_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('serial_number', 'text', (c) => c.notNull().references('devices.serial_number'))
      .addColumn('requester_company_id', 'text', (c) => c.notNull().references('companies.id'))
      .addColumn('requester_user_id', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('share_company_name', 'integer', (c) => c.notNull())
      .addColumn('owner_company_id', 'text', (c) => c.notNull())
      .addColumn('owner_site_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'text')
      .addColumn('answered_by', 'text')
      .execute();
    await db.schema
      .createIndex('transfer_requests_owner')
      .on('transfer_requests')
      .columns(['owner_company_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('transfer_requests_requester')
      .on('transfer_requests')
      .columns(['requester_company_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('transfer_requests_serial')
      .on('transfer_requests')
      .column('serial_number')
      .execute();
    await db.schema
      .createTable('device_presence')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('serial_number', 'text', (c) => c.notNull())
      .addColumn('company_id', 'text')
      .addColumn('online', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('device_presence_serial_at')
      .on('device_presence')
      .columns(['serial_number', 'at', 'id'])
      .execute();
    await db.schema.alterTable('device_settings').addColumn('location', 'text').execute();
    await db.schema.alterTable('notifications').addColumn('company_id', 'text').execute();
    await db.schema
      .createIndex('audit_events_company_serial')
      .on('audit_events')
      .columns(['company_id', 'serial_number', 'created_at'])
      .execute();
  },
};

/**
 * Issue 18, h3: the company-wide device search pages through a company's devices by serial
 * number; per site, (site_id, serial_number) gives them in that order without a sort.
 */
const deviceSearch: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('ownerships_site_serial')
      .on('ownerships')
      .columns(['site_id', 'serial_number'])
      .execute();
  },
};

/**
 * Issue 19: single-use URLs a device fetches or sends a file through (firmware images,
 * configuration backups), and the firmware catalogue: each image's bytes are stored once per
 * digest in `firmware_blobs`, in the database so that every node can serve them.
 */
function fleetFirmware(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('link_transfers')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('serial_number', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createIndex('link_transfers_expires')
        .on('link_transfers')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('firmware_blobs')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('content', dialect.binaryType, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('firmware_images')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Null: the operator's, offered to every company; else one company's own image.
        .addColumn('company_id', 'text')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull().references('firmware_blobs.sha256'))
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('added_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('firmware_images_company_sha256')
        .on('firmware_images')
        .columns(['company_id', 'sha256'])
        .execute();
    },
  };
}

/**
 * Issue 19: configuration backups kept in the cloud. Each site's X25519 key pair (the private
 * key sealed under the master key), the backups (sealed to the site's key, so a database dump
 * opens none), and each site's daily-backup settings. `day` is set on daily backups only: the
 * unique index lets one node of many claim a device's daily backup (a NULL day never clashes).
 */
function deviceBackups(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('site_backup_keys')
        .addColumn('site_id', 'text', (c) => c.primaryKey())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('private_key_enc', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('device_backups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('serial_number', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('day', 'text')
        .addColumn('bytes', 'integer')
        .addColumn('content', dialect.binaryType)
        .addColumn('error', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('stored_at', 'text')
        .execute();
      await db.schema
        .createIndex('device_backups_device_site')
        .on('device_backups')
        .columns(['serial_number', 'site_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('device_backups_daily_claim')
        .on('device_backups')
        .columns(['serial_number', 'site_id', 'day'])
        .unique()
        .execute();
      await db.schema
        .createTable('site_backup_settings')
        .addColumn('site_id', 'text', (c) => c.primaryKey())
        .addColumn('daily', 'integer', (c) => c.notNull())
        .addColumn('keep', 'integer', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Issue 19: firmware rollouts. One row per device and rollout carries its step; nodes claim
 * pending rows with a conditional update, so each device is sent its update once.
 */
const rollouts: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rollouts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('company_id', 'text', (c) => c.notNull())
      .addColumn('firmware_id', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('concurrency', 'integer', (c) => c.notNull())
      .addColumn('stop_when_failed_percent', 'integer', (c) => c.notNull())
      .addColumn('allow_downgrade', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('reason', 'text')
      .execute();
    await db.schema
      .createIndex('rollouts_company_created')
      .on('rollouts')
      .columns(['company_id', 'created_at'])
      .execute();
    await db.schema.createIndex('rollouts_state').on('rollouts').column('state').execute();
    await db.schema
      .createTable('rollout_devices')
      .addColumn('rollout_id', 'text', (c) => c.notNull().references('rollouts.id'))
      .addColumn('serial_number', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('percent', 'integer')
      .addColumn('error', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('from_version', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('rollout_devices_pk', ['rollout_id', 'serial_number'])
      .execute();
    await db.schema
      .createIndex('rollout_devices_step')
      .on('rollout_devices')
      .columns(['rollout_id', 'step'])
      .execute();
  },
};

/**
 * Issue 19: remote-configuration sessions. Only the token's hash is stored; the session names
 * the person, the company and site it was opened in, and the device, and ends at
 * `expires_at` or after a while unused (`last_used_at`, remote-sessions.service.ts).
 */
const remoteSessions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('remote_sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('company_id', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('serial_number', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('remote_sessions_expires')
      .on('remote_sessions')
      .column('expires_at')
      .execute();
  },
};

/**
 * Issue 20: webhook endpoints and their queue of deliveries (docs/decisions/20-webhooks.md).
 * `seq` orders the deliveries of an endpoint (only its oldest pending one is attempted);
 * `lease_until` is the claim of the node sending it, so a node killed mid-way leaves a lease
 * that expires and the delivery is sent again, with the same id.
 */
function webhooks(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('failed_deliveries', 'integer', (c) => c.notNull())
        .addColumn('failing_since', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_endpoints_company')
        .on('webhook_endpoints')
        .column('company_id')
        .execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('seq', dialect.autoIncrementType, (c) => dialect.autoIncrementColumn(c))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id'))
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('last_attempt_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_endpoint')
        .on('webhook_deliveries')
        .columns(['endpoint_id', 'state', 'seq'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['state', 'next_attempt_at'])
        .execute();
    },
  };
}

export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    getMigrations: async () => ({
      '0001_initial': initial(dialect),
      '0002_broker_accounts': brokerAccounts,
      '0003_claim_function': claimFunction(dialect),
      '0004_mqtt_bind_client_ids': mqttBindClientIds,
      '0005_login_attempts': loginAttempts(dialect),
      '0006_master_key_check': masterKeyCheck,
      // The claim function again: limits per account and address only, the owner's notice.
      '0007_claims_per_serial_notice': claimFunction(dialect),
      '0008_password_resets': passwordResets,
      '0009_sessions_and_token_scopes': sessionsAndTokenScopes,
      '0010_roles_and_invitations': rolesAndInvitations,
      '0011_two_factor': twoFactor,
      '0012_notification_settings': notificationSettings,
      '0013_buildings': buildings,
      '0014_provisioned_entries': provisionedEntries,
      '0015_ownership': ownership,
      '0016_h3_device_search': deviceSearch,
      '0017_fleet_firmware': fleetFirmware(dialect),
      '0018_rollouts': rollouts,
      '0019_remote_sessions': remoteSessions,
      '0020_device_backups': deviceBackups(dialect),
      '0021_webhooks': webhooks(dialect),
      // The claim function again: a claim's webhook deliveries are written with it (issue 20).
      '0022_claim_webhooks': claimFunction(dialect),
    }),
  };
}
