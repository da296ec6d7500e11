import { randomUUID } from 'node:crypto';
import type { RunningCloud } from '../../src/cloud/cloud.ts';
import type { ResidentAccess } from '../../src/core/building.model.ts';

/**
 * Building data written straight into the store, for tests of parts that only read it (the
 * provisioning, the access log). Tests of the residents API itself go through HTTP.
 */
export async function insertApartment(
  cloud: RunningCloud,
  siteId: string,
  name = '12',
  floor: string | null = '1',
): Promise<{ id: string; name: string }> {
  const id = randomUUID();
  await cloud.store.db
    .insertInto('apartments')
    .values({ id, site_id: siteId, name, floor, created_at: new Date().toISOString() })
    .execute();
  return { id, name };
}

export interface ResidentDraft {
  apartmentId: string;
  name?: string;
  email?: string | null;
  pins?: string[];
  cards?: string[];
  validFrom?: string | null;
  validTo?: string | null;
  enabled?: boolean;
  callTarget?: string | null;
  access?: ResidentAccess[];
}

/** A resident of `siteId`, then 'residents-changed' as the residents service says after commit. */
export async function insertResident(
  cloud: RunningCloud,
  siteId: string,
  draft: ResidentDraft,
): Promise<{ id: string }> {
  const id = randomUUID();
  const credentials = { pins: draft.pins ?? [], cards: draft.cards ?? [] };
  const now = new Date().toISOString();
  const keys = cloud.services.residentCredentials;
  await cloud.store.transaction(async (trx) => {
    await trx
      .insertInto('residents')
      .values({
        id,
        site_id: siteId,
        apartment_id: draft.apartmentId,
        name: draft.name ?? 'Anna Novák',
        email: draft.email ?? null,
        credentials_enc: keys.seal(id, credentials),
        valid_from: draft.validFrom ?? null,
        valid_to: draft.validTo ?? null,
        enabled: draft.enabled === false ? 0 : 1,
        call_target: draft.callTarget ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const lookups = [
      ...credentials.pins.map((value) => ({ kind: 'pin' as const, value })),
      ...credentials.cards.map((value) => ({ kind: 'card' as const, value })),
    ];
    for (const { kind, value } of lookups) {
      await trx
        .insertInto('resident_credentials')
        .values({
          site_id: siteId,
          kind,
          lookup: keys.lookup(siteId, kind, value),
          resident_id: id,
        })
        .execute();
    }
    for (const right of draft.access ?? []) {
      await trx
        .insertInto('resident_access')
        .values({ resident_id: id, serial_number: right.serialNumber, switch: right.switch })
        .execute();
    }
  });
  cloud.events.emit('residents-changed', { siteId });
  return { id };
}
