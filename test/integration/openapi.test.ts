import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { errorCatalog } from '../../src/core/errors.ts';
import { startTestCloud } from '../helpers/cloud.ts';
import { testDialects } from '../helpers/databases.ts';
import { ApiClient } from '../helpers/http.ts';

/** DESIGN.md "Cloud REST API", every route with the answers it must document. */
const EXPECTED: Record<string, number[]> = {
  'POST /api/auth/register': [201, 400, 409, 429],
  'POST /api/auth/login': [200, 400, 401, 429],
  'POST /api/auth/logout': [204, 401, 403],
  // Two-factor sign-in (issue 16): the second step of a sign-in.
  'POST /api/auth/login/two-factor': [200, 400, 401, 429],
  // Issue 16: password reset by e-mail (202 whether or not the address has an account).
  'POST /api/auth/password-reset': [202, 400, 429],
  'POST /api/auth/password-reset/{token}': [204, 400, 410],
  'GET /api/me': [200, 401],
  'POST /api/tokens': [201, 400, 401, 403, 404, 409],
  // The account (issue 16): name, password, sessions and tokens.
  'PATCH /api/me': [200, 400, 401, 403],
  'POST /api/me/password': [204, 400, 401, 403, 429],
  'GET /api/me/two-factor': [200, 401, 403],
  'POST /api/me/two-factor/setup': [200, 401, 403, 409],
  'POST /api/me/two-factor/enable': [200, 400, 401, 403, 409],
  'POST /api/me/two-factor/disable': [204, 400, 401, 403, 409, 429],
  'POST /api/me/two-factor/recovery-codes': [200, 400, 401, 403, 409, 429],
  'GET /api/sessions': [200, 401, 403],
  'DELETE /api/sessions/{id}': [204, 400, 401, 403, 404],
  'GET /api/tokens': [200, 401, 403],
  'DELETE /api/tokens/{id}': [204, 400, 401, 403, 404],
  'GET /api/sites': [200, 400, 401, 403, 404],
  'POST /api/sites': [201, 400, 401, 403, 404],
  'GET /api/sites/{siteId}': [200, 401, 403, 404],
  'PATCH /api/sites/{siteId}': [200, 400, 401, 403, 404],
  'GET /api/sites/{siteId}/devices': [200, 400, 401, 403, 404],
  // Every row of the claim-rules table.
  'POST /api/sites/{siteId}/devices': [201, 400, 401, 403, 404, 409, 413, 415, 422, 429],
  'DELETE /api/sites/{siteId}/devices/{serialNumber}': [204, 400, 401, 403, 404],
  'POST /api/sites/{siteId}/devices/bulk': [200, 400, 401, 403, 404, 413, 415, 429],
  // The firmware catalogue (issue 19).
  'GET /api/firmware': [200, 401, 403, 404],
  'POST /api/firmware': [200, 201, 400, 401, 403, 404, 409, 413, 415, 422],
  // Ownership beyond the article (issue 18).
  'POST /api/devices/{serialNumber}/move': [200, 400, 401, 403, 404, 409, 413, 415],
  // The device itself (issue 18): the company-wide search and the device page.
  'GET /api/devices': [200, 400, 401, 403, 404],
  'GET /api/devices/{serialNumber}': [200, 400, 401, 403, 404],
  // Issue 18: offers between companies, and requests to release a device.
  'POST /api/transfers': [201, 400, 401, 403, 404, 409, 413, 415, 422],
  'GET /api/transfers': [200, 401, 403, 404],
  'POST /api/transfers/{id}/accept': [200, 400, 401, 403, 404, 409, 413, 415],
  'POST /api/transfers/{id}/reject': [200, 400, 401, 403, 404, 409],
  'POST /api/transfers/{id}/cancel': [200, 400, 401, 403, 404, 409],
  'POST /api/transfer-requests': [201, 400, 401, 403, 404, 409, 413, 415, 422, 429],
  'GET /api/transfer-requests': [200, 401, 403, 404],
  'POST /api/transfer-requests/{id}/approve': [200, 400, 401, 403, 404, 409],
  'POST /api/transfer-requests/{id}/decline': [200, 400, 401, 403, 404, 409],
  // The door, back to the cloud (issue 17).
  'GET /api/sites/{siteId}/access-log': [200, 400, 401, 403, 404],
  'POST /api/sites/{siteId}/devices/{serialNumber}/actions': [
    200, 400, 401, 403, 404, 409, 413, 415, 502, 504,
  ],
  // Firmware rollouts (issue 19); GET /link/firmware/:token is device-facing, not in it.
  'POST /api/rollouts': [201, 400, 401, 403, 404, 409, 422],
  'GET /api/rollouts': [200, 401, 403],
  'GET /api/rollouts/{id}': [200, 401, 403, 404],
  'POST /api/rollouts/{id}/cancel': [200, 401, 403, 404, 409],
  // Webhooks (issue 20).
  'GET /api/webhooks': [200, 401, 403, 404],
  'POST /api/webhooks': [201, 400, 401, 403, 404, 409, 422],
  'PATCH /api/webhooks/{id}': [200, 400, 401, 403, 404, 422],
  'DELETE /api/webhooks/{id}': [204, 401, 403, 404],
  'GET /api/webhooks/{id}/deliveries': [200, 400, 401, 403, 404],
  'POST /api/webhooks/{id}/test': [202, 401, 403, 404, 409],
  'POST /api/webhooks/{id}/deliveries/{deliveryId}/resend': [202, 401, 403, 404, 409],
  // Configuration backups in the cloud (issue 19); PUT/GET /link/backups/:token are
  // device-facing and outside OpenAPI.
  'GET /api/sites/{siteId}/devices/{serialNumber}/backups': [200, 400, 401, 403, 404],
  'POST /api/sites/{siteId}/devices/{serialNumber}/backups': [
    201, 400, 401, 403, 404, 409, 502, 504,
  ],
  'POST /api/sites/{siteId}/devices/{serialNumber}/backups/{id}/restore': [
    200, 400, 401, 403, 404, 409, 502, 504,
  ],
  'GET /api/sites/{siteId}/backup-settings': [200, 400, 401, 403, 404],
  'PATCH /api/sites/{siteId}/backup-settings': [200, 400, 401, 403, 404, 413, 415],
  // Remote configuration (issue 19); the relay under /remote/ is not an API route.
  'POST /api/sites/{siteId}/devices/{serialNumber}/remote': [
    201, 400, 401, 403, 404, 409, 413, 415,
  ],
  // Auto Provisioning (issue 17): a device's settings in its site, and sync now.
  'PATCH /api/sites/{siteId}/devices/{serialNumber}': [200, 400, 401, 403, 404, 413, 415],
  'POST /api/sites/{siteId}/devices/{serialNumber}/sync': [202, 400, 401, 403, 404, 409],
  'GET /api/notifications': [200, 400, 401, 404],
  'POST /api/notifications/read': [204, 400, 401, 403, 404],
  'POST /api/notifications/{id}/read': [204, 401, 403, 404],
  'GET /api/me/notification-settings': [200, 401],
  'PUT /api/me/notification-settings': [200, 400, 401, 403],
  'GET /api/sites/{siteId}/audit': [200, 400, 401, 403, 404],
  // Roles (issue 16): the current company, its settings and its audit log.
  'GET /api/company': [200, 401, 403, 404],
  'PATCH /api/company': [200, 400, 401, 403, 404],
  'GET /api/audit': [200, 400, 401, 403, 404],
  // Members (issue 16): admins manage them; anyone may leave; a company keeps an admin.
  'GET /api/company/members': [200, 401, 403, 404],
  'PATCH /api/company/members/{userId}': [200, 400, 401, 403, 404, 409],
  'DELETE /api/company/members/{userId}': [204, 400, 401, 403, 404, 409],
  // Issue 16: invitations (admins), and the link's public routes.
  'POST /api/company/invitations': [201, 400, 401, 403, 404, 409],
  'GET /api/company/invitations': [200, 401, 403, 404],
  'POST /api/company/invitations/{id}/resend': [200, 400, 401, 403, 404],
  'DELETE /api/company/invitations/{id}': [204, 400, 401, 403, 404],
  'GET /api/invitations/{token}': [200, 400, 410, 429],
  'POST /api/invitations/{token}/accept': [200, 400, 403, 409, 410, 429],
  // Buildings (issue 17): apartments, residents and their CSV import.
  'GET /api/sites/{siteId}/apartments': [200, 400, 401, 403, 404],
  'POST /api/sites/{siteId}/apartments': [201, 400, 401, 403, 404, 409],
  'PATCH /api/sites/{siteId}/apartments/{id}': [200, 400, 401, 403, 404, 409],
  'DELETE /api/sites/{siteId}/apartments/{id}': [204, 401, 403, 404, 409],
  'GET /api/sites/{siteId}/residents': [200, 400, 401, 403, 404],
  'POST /api/sites/{siteId}/residents': [201, 400, 401, 403, 404, 409],
  'PATCH /api/sites/{siteId}/residents/{id}': [200, 400, 401, 403, 404, 409],
  'DELETE /api/sites/{siteId}/residents/{id}': [204, 401, 403, 404],
  'POST /api/sites/{siteId}/residents/import': [200, 400, 401, 403, 404, 409, 413, 415, 422],
  // Live updates for the portal (Server-Sent Events).
  'GET /api/events': [200, 401, 404],
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

/** The routes the server really has, from Fastify's route tree (HEAD left out). */
function serverRoutes(app: FastifyInstance): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─\s]*)(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    stack.length = match[1]!.length / 4 - 1;
    stack.push(match[2]!);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of match[3]?.split(', ') ?? []) {
      if (method !== 'HEAD') routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}

for (const dialect of testDialects) {
  describe(`the OpenAPI document (${dialect.name})`, () => {
    it('lists every route of the API, and only those, with what each answers', async (t) => {
      const cloud = await startTestCloud(t, dialect);
      // Public: no session needed.
      const response = await new ApiClient(cloud.url).get('/openapi.json');
      assert.equal(response.status, 200, response.text);
      const doc = response.body as {
        openapi: string;
        info: { title: string };
        paths: Record<string, Record<string, Operation>>;
        components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
      };
      assert.match(doc.openapi, /^3\.1\./);
      assert.ok(doc.info.title);

      const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      );
      assert.deepEqual(documented.sort(), Object.keys(EXPECTED).sort());
      // The document and the server agree (the document and /healthz are not API routes).
      const served = serverRoutes(cloud.app).filter((r) => r.split(' ')[1]!.startsWith('/api/'));
      assert.deepEqual(served, Object.keys(EXPECTED).sort());

      for (const [route, statuses] of Object.entries(EXPECTED)) {
        const [method, path] = route.split(' ') as [string, string];
        const operation = doc.paths[path]![method.toLowerCase()]!;
        assert.ok(operation.summary, `${route} has a summary`);
        assert.ok(operation.tags?.length, `${route} has a tag`);
        const answers = Object.keys(operation.responses).map(Number);
        for (const status of statuses) {
          assert.ok(answers.includes(status), `${route} documents ${status}`);
        }
        for (const status of answers.filter((s) => s >= 400)) {
          const schema = operation.responses[status]!.content?.['application/json']?.schema;
          assert.equal(schema?.$ref, '#/components/schemas/ErrorBody', `${route} ${status}`);
        }
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          const parameter = operation.parameters?.find((p) => `{${p.name}}` === name);
          assert.equal(parameter?.in, 'path', `${route} documents ${name}`);
          assert.equal(parameter?.required, true);
        }
      }

      const claim = doc.paths['/api/sites/{siteId}/devices']!.post!;
      const body = claim.requestBody!.content['application/json']!.schema as {
        required: string[];
        additionalProperties: boolean;
      };
      assert.deepEqual([...body.required].sort(), ['securityCode', 'serialNumber']);
      assert.equal(body.additionalProperties, false);

      // The error body of DESIGN.md, with every code of the catalog.
      const errorBody = doc.components.schemas.ErrorBody as {
        required: string[];
        properties: {
          error: { required: string[]; properties: { code: { enum: string[] } } };
        };
      };
      assert.deepEqual(errorBody.required, ['error']);
      assert.deepEqual([...errorBody.properties.error.required].sort(), [
        'cause',
        'code',
        'hints',
        'message',
      ]);
      assert.deepEqual(
        [...errorBody.properties.error.properties.code.enum].sort(),
        Object.keys(errorCatalog).sort(),
      );
      assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['bearer', 'session']);
    });
  });
}
