import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allows,
  companyView,
  keepsAnAdmin,
  needsRequiredSecondFactor,
  seesSite,
  viewShows,
  type Action,
  type Grant,
} from '../../src/core/access.rules.ts';

const ACTIONS: Action[] = [
  'company:read',
  'company:admin',
  'company:leave',
  'site:read',
  'site:manage',
  'site:audit',
];

/** The role table of issue 16, as the services ask it. */
const TABLE: { grant: Grant; sees: boolean; allowed: Action[] }[] = [
  { grant: { companyRole: 'admin', siteRole: null }, sees: true, allowed: ACTIONS },
  {
    grant: { companyRole: 'member', siteRole: 'site-admin' },
    sees: true,
    allowed: ['company:read', 'company:leave', 'site:read', 'site:manage', 'site:audit'],
  },
  {
    grant: { companyRole: 'member', siteRole: 'viewer' },
    sees: true,
    allowed: ['company:read', 'company:leave', 'site:read'],
  },
  {
    grant: { companyRole: 'member', siteRole: null },
    sees: false,
    allowed: ['company:read', 'company:leave'],
  },
];

describe('access rules', () => {
  it('allows each role exactly its actions, and hides ungranted sites from members', () => {
    for (const { grant, sees, allowed } of TABLE) {
      assert.equal(seesSite(grant), sees, JSON.stringify(grant));
      for (const action of ACTIONS) {
        assert.equal(
          allows(grant, action),
          allowed.includes(action),
          `${JSON.stringify(grant)} ${action}`,
        );
      }
    }
  });

  it('keeps an admin: the last one may not be demoted or removed, another may', () => {
    assert.equal(keepsAnAdmin(['ada'], 'ada', 'member'), false);
    assert.equal(keepsAnAdmin(['ada'], 'ada', null), false);
    assert.equal(keepsAnAdmin(['ada'], 'ada', 'admin'), true);
    assert.equal(keepsAnAdmin(['ada', 'bob'], 'ada', null), true);
    assert.equal(keepsAnAdmin(['ada'], 'bob', null), true);
  });

  it('lets one leave without the second factor a company requires, and nothing else', () => {
    for (const action of ACTIONS) {
      assert.equal(needsRequiredSecondFactor(action), action !== 'company:leave', action);
    }
  });

  it('shows an admin every site and a member only the granted ones', () => {
    assert.equal(viewShows(companyView('admin', []), 'any-site'), true);
    const member = companyView('member', ['site-a']);
    assert.equal(viewShows(member, 'site-a'), true);
    assert.equal(viewShows(member, 'site-b'), false);
    assert.equal(viewShows(companyView('member', []), 'site-a'), false);
  });
});
