import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideClaim, type ClaimFacts } from '../../src/core/claim.rules.ts';

const SITE = 'site-a';
const OTHER = 'site-b';

/** Facts for a device known at `known`, owned by `owner` (or not), presented at `presented`. */
function facts(overrides: {
  known?: number;
  owner?: { siteId: string; claimedGeneration: number } | null;
  presented?: number | null;
  exists?: boolean;
}): ClaimFacts {
  const { known = 0, owner = null, presented = 0, exists = true } = overrides;
  return {
    targetSiteId: SITE,
    presentedGeneration: presented,
    device: exists ? { knownGeneration: known, owner } : null,
  };
}

describe('claim rules (DESIGN.md table, row by row)', () => {
  it('refuses a serial that is not in the registry', () => {
    assert.deepEqual(decideClaim(facts({ exists: false })), {
      outcome: 'refused',
      code: 'SERIAL_NOT_FOUND',
    });
  });

  it('refuses a code that matches no generation in the window', () => {
    assert.deepEqual(decideClaim(facts({ presented: null })), {
      outcome: 'refused',
      code: 'SECURITY_CODE_INVALID',
    });
  });

  it('refuses a code older than the known generation as replaced', () => {
    assert.deepEqual(decideClaim(facts({ known: 3, presented: 2 })), {
      outcome: 'refused',
      code: 'SECURITY_CODE_REPLACED',
    });
  });

  it('says so when the device is already in this site', () => {
    const decision = decideClaim(facts({ owner: { siteId: SITE, claimedGeneration: 0 } }));
    assert.deepEqual(decision, { outcome: 'refused', code: 'ALREADY_IN_THIS_SITE' });
  });

  it('says so when the device is already in this site even with a newer code', () => {
    const decision = decideClaim(
      facts({ known: 0, presented: 1, owner: { siteId: SITE, claimedGeneration: 0 } }),
    );
    assert.deepEqual(decision, { outcome: 'refused', code: 'ALREADY_IN_THIS_SITE' });
  });

  it('refuses a device owned elsewhere when the code is the one it was claimed with', () => {
    const decision = decideClaim(
      facts({ known: 2, presented: 2, owner: { siteId: OTHER, claimedGeneration: 2 } }),
    );
    assert.deepEqual(decision, { outcome: 'refused', code: 'DEVICE_ALREADY_ADDED' });
  });

  it('moves a device owned elsewhere when the code is newer than the claimed one', () => {
    const decision = decideClaim(
      facts({ known: 1, presented: 1, owner: { siteId: OTHER, claimedGeneration: 0 } }),
    );
    assert.deepEqual(decision, {
      outcome: 'moved',
      generation: 1,
      knownGeneration: 1,
      fromSiteId: OTHER,
    });
  });

  it('moves with a look-ahead code while the device was offline and raises the known generation', () => {
    const decision = decideClaim(
      facts({ known: 0, presented: 4, owner: { siteId: OTHER, claimedGeneration: 0 } }),
    );
    assert.deepEqual(decision, {
      outcome: 'moved',
      generation: 4,
      knownGeneration: 4,
      fromSiteId: OTHER,
    });
  });

  it('adds an unowned device', () => {
    assert.deepEqual(decideClaim(facts({ known: 2, presented: 2 })), {
      outcome: 'added',
      generation: 2,
      knownGeneration: 2,
    });
  });

  it('adds an unowned device with a newer code and never lowers the known generation', () => {
    assert.deepEqual(decideClaim(facts({ known: 2, presented: 7 })), {
      outcome: 'added',
      generation: 7,
      knownGeneration: 7,
    });
  });
});
