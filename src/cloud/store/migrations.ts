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

/** Migrations in order; names sort in the order they run. */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    getMigrations: async () => ({
      '0001_initial': initial(dialect),
      '0002_broker_accounts': brokerAccounts,
      '0003_claim_function': claimFunction(dialect),
      // The claim function again: limits per account and address only, the owner's notice.
      '0004_claims_per_serial_notice': claimFunction(dialect),
    }),
  };
}
