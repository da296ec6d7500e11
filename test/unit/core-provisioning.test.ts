import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resident } from '../../src/core/building.model.ts';
import { MAX_MESSAGE_BYTES } from '../../src/core/link.protocol.ts';
import { parseProvisionArgs } from '../../src/core/provisioning.protocol.ts';
import {
  desiredDirectory,
  directoryDigest,
  directoryEntryFor,
  entryDigest,
  planParts,
  unixSeconds,
} from '../../src/core/provisioning.rules.ts';

const SERIAL = '54-0562-0293';

function resident(overrides: Partial<Resident> = {}): Resident {
  return {
    id: '0b5c7c1e-3f1a-4d7e-9a52-6c1f0e2d3b4a',
    siteId: 'site-1',
    apartmentId: 'apt-1',
    apartmentName: '12',
    name: 'Anna Novák',
    email: 'anna@example.com',
    pins: ['4821'],
    cards: ['0A1B2C3D'],
    validFrom: null,
    validTo: null,
    enabled: true,
    callTarget: 'sip:12@example.com',
    access: [{ serialNumber: SERIAL, switch: 1 }],
    ...overrides,
  };
}

describe('directoryEntryFor (credential placement)', () => {
  it('writes a cloud-managed entry: owner My2N, uuid of the resident, PIN and cards on switch 1', () => {
    const entry = directoryEntryFor(resident(), SERIAL);
    assert.equal(entry.owner, 'My2N');
    assert.equal(entry.uuid, '0B5C7C1E-3F1A-4D7E-9A52-6C1F0E2D3B4A');
    assert.equal(entry.treepath, '/12');
    assert.deepEqual(entry.callPos, [{ peer: 'sip:12@example.com' }]);
    assert.deepEqual(entry.access, {
      pin: '4821',
      code: [],
      card: ['0A1B2C3D'],
      validFrom: '0',
      validTo: '0',
    });
  });

  it('puts the PIN in the switch codes of switches 2-4, gaps empty, no card without switch 1', () => {
    const entry = directoryEntryFor(
      resident({ access: [{ serialNumber: SERIAL, switch: 3 }] }),
      SERIAL,
    );
    assert.equal(entry.access.pin, '');
    assert.deepEqual(entry.access.code, ['', '4821']);
    assert.deepEqual(entry.access.card, []);
    const all = directoryEntryFor(
      resident({
        access: [1, 2, 4].map((s) => ({ serialNumber: SERIAL, switch: s })),
      }),
      SERIAL,
    );
    assert.equal(all.access.pin, '4821');
    assert.deepEqual(all.access.code, ['4821', '', '4821']);
  });

  it('keeps a disabled resident or one without rights callable, without credentials', () => {
    for (const r of [
      resident({ enabled: false }),
      resident({ access: [{ serialNumber: '99-9999-9999', switch: 1 }] }),
    ]) {
      const entry = directoryEntryFor(r, SERIAL);
      assert.equal(entry.name, 'Anna Novák');
      assert.equal(entry.callPos[0]!.peer, 'sip:12@example.com');
      assert.deepEqual([entry.access.pin, entry.access.code, entry.access.card], ['', [], []]);
    }
  });

  it('writes validity as Unix seconds and cuts the name to 64 characters', () => {
    const entry = directoryEntryFor(
      resident({
        validFrom: '2026-01-01T00:00:00.000Z',
        validTo: '2026-12-31T23:59:59.000Z',
        name: 'x'.repeat(80),
      }),
      SERIAL,
    );
    assert.equal(entry.access.validFrom, '1767225600');
    assert.equal(entry.access.validTo, '1798761599');
    assert.equal(entry.name.length, 64);
    assert.equal(unixSeconds(null), '0');
  });
});

describe('desiredDirectory, digests and parts', () => {
  it('sorts by uuid and gives equal digests to equal directories only', () => {
    const a = resident({ id: 'ffffffff-0000-4000-8000-000000000000' });
    const b = resident({ id: '00000000-0000-4000-8000-000000000001', pins: ['1111'] });
    const one = desiredDirectory([a, b], SERIAL);
    assert.deepEqual(
      one.map((e) => e.uuid),
      ['00000000-0000-4000-8000-000000000001', 'FFFFFFFF-0000-4000-8000-000000000000'],
    );
    assert.equal(directoryDigest('s', one), directoryDigest('s', desiredDirectory([b, a], SERIAL)));
    assert.notEqual(directoryDigest('s', one), directoryDigest('t', one));
    const changed = desiredDirectory([a, { ...b, pins: ['2222'] }], SERIAL);
    assert.notEqual(directoryDigest('s', one), directoryDigest('s', changed));
    assert.notEqual(entryDigest(one[0]!), entryDigest(changed[0]!));
  });

  it('splits 300 entries into parts that each fit one link message, none lost', () => {
    const residents = Array.from({ length: 300 }, (_, i) =>
      resident({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        name: `Resident number ${i} with a long enough name`,
      }),
    );
    const entries = desiredDirectory(residents, SERIAL);
    const parts = planParts(entries, ['A', 'B'], MAX_MESSAGE_BYTES);
    assert.ok(parts.length > 1);
    for (const [index, part] of parts.entries()) {
      const message = JSON.stringify({
        id: crypto.randomUUID(),
        name: 'provision',
        args: {
          siteId: 'x'.repeat(36),
          version: 1e6,
          base: 0,
          part: index + 1,
          parts: 99,
          ...part,
        },
      });
      assert.ok(Buffer.byteLength(message) <= MAX_MESSAGE_BYTES, `part ${index + 1} fits`);
    }
    assert.equal(parts.flatMap((p) => p.upserts).length, 300);
    assert.deepEqual(
      parts.flatMap((p) => p.deletes),
      ['A', 'B'],
    );
    assert.deepEqual(planParts([], [], MAX_MESSAGE_BYTES), [{ upserts: [], deletes: [] }]);
  });
});

describe('parseProvisionArgs', () => {
  const good = { siteId: 's', version: 2, base: 0, part: 1, parts: 1, upserts: [], deletes: [] };
  it('reads a good part and refuses bad ones', () => {
    assert.ok(parseProvisionArgs(good).ok);
    for (const bad of [
      { ...good, version: 0 },
      { ...good, base: 2 },
      { ...good, part: 2 },
      { ...good, parts: 0 },
      { ...good, upserts: [{ name: 'no uuid' }] },
      { ...good, deletes: [1] },
      { ...good, siteId: null, upserts: [{ uuid: 'A', access: {} }] },
      { ...good, siteId: null, base: 1 },
    ]) {
      assert.equal(parseProvisionArgs(bad).ok, false, JSON.stringify(bad));
    }
  });
});
