import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { ApiClient, type ApiResponse } from '../helpers/http.ts';
import { accountRules, activityRules, ownCompany, siteRules } from './roles/core.rules.ts';
import { memberRules } from './roles/members.rules.ts';
import { invitationRules } from './roles/invitations.rules.ts';
import { notificationRules } from './roles/notifications.rules.ts';
import { siteDeviceRules } from './roles/site-devices.rules.ts';
import { twoFactorRules } from './roles/two-factor.rules.ts';
import { buildingRules } from './roles/buildings.rules.ts';
import { doorRules } from './roles/door.rules.ts';
import { deviceRules } from './roles/devices.rules.ts';
import { transferRules } from './roles/transfers.rules.ts';
import { bulkRules } from './roles/bulk.rules.ts';
import { backupRules } from './roles/backups.rules.ts';
import { rolloutRules } from './roles/rollouts.rules.ts';
import { firmwareRules } from './roles/firmware.rules.ts';
import { webhookRules } from './roles/webhooks.rules.ts';
import { buildRoleFixture, ROLES, type Role, type RouteRule } from './roles/role-rules.ts';

/** Every route's rule (issue 16): a route of /openapi.json without one fails the test. */
const RULES: RouteRule[] = [
  ...accountRules,
  ...siteRules,
  ...activityRules,
  ...twoFactorRules,
  ...memberRules,
  ...invitationRules,
  ...notificationRules,
  ...buildingRules,
  ...doorRules,
  ...siteDeviceRules,
  ...deviceRules,
  ...transferRules,
  ...bulkRules,
  ...backupRules,
  ...rolloutRules,
  ...firmwareRules,
  ...webhookRules,
];

/** What a refusal must say: invisible is "not found", visible but not allowed is the role. */
const NOT_FOUND = new Set([
  'SITE_NOT_FOUND',
  'COMPANY_NOT_FOUND',
  // Issue 18: a device or a request in a site the person cannot see.
  'DEVICE_NOT_FOUND',
  'TRANSFER_REQUEST_NOT_FOUND',
  // Issue 19: a backup id the site does not hold (the rule's made-up one, past the role check).
  'BACKUP_NOT_FOUND',
  // Issue 19: a rollout of sites the person cannot see.
  'ROLLOUT_NOT_FOUND',
  // Issue 20: a webhook endpoint of another company.
  'WEBHOOK_NOT_FOUND',
]);

function assertAnswer(answer: ApiResponse, expected: number, label: string) {
  const detail = `${label}: ${answer.status} ${answer.text.slice(0, 300)}`;
  if (expected < 300) {
    assert.ok(answer.status >= 200 && answer.status < 300, `${detail} (expected ${expected})`);
    assert.equal(answer.status, expected, detail);
    return;
  }
  assert.equal(answer.status, expected, detail);
  const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
  if (expected === 403) assert.equal(code, 'INSUFFICIENT_ROLE', detail);
  if (expected === 404) assert.ok(NOT_FOUND.has(code ?? ''), detail);
}

async function documentedRoutes(url: string): Promise<string[]> {
  const doc = (await new ApiClient(url).get('/openapi.json')).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

for (const dialect of testDialects) {
  describe(`roles on every route (${dialect.name})`, () => {
    it('has one rule for every route of /openapi.json, and none for a route that does not exist', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      const routes = (await documentedRoutes(cloud.url)).sort();
      const ruled = RULES.map((r) => r.route).sort();
      assert.deepEqual(ruled, [...new Set(ruled)], 'one rule per route');
      assert.deepEqual(ruled, routes);
    });

    it('answers each role as its rule says, with a session and with a manage token alike', async (t) => {
      // Uploads on, so that POST /api/firmware answers by role (issue 19).
      const cloud = await startTestCloud(t, dialect, { firmwareUploads: true });
      const f = await buildRoleFixture(cloud);
      const tokens = {} as Record<Role, ApiClient>;
      for (const role of ROLES) {
        const made = await f.people[role].client.post(
          '/api/tokens',
          { name: 'role table', scope: 'manage' },
          ownCompany(f, role),
        );
        assert.equal(made.status, 201, made.text);
        tokens[role] = new ApiClient(cloud.url, { bearer: made.body.token });
        tokens[role].companyId = f.people[role].client.companyId;
      }
      for (const rule of RULES) {
        for (const role of ROLES) {
          const session = f.people[role].client;
          assertAnswer(
            await rule.send(f, role, session),
            rule.expect[role],
            `${rule.route} as ${role}`,
          );
          // A token never does more than its person's role (account routes need a session).
          if (rule.public || rule.account) continue;
          assertAnswer(
            await rule.send(f, role, tokens[role]),
            rule.expect[role],
            `${rule.route} as ${role} with a token`,
          );
        }
      }
    });
  });
}
