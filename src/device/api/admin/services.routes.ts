import { z } from 'zod';
import { AUTH_METHODS, PRIVILEGES } from '../../config.model.ts';
import { DeviceError } from '../../device.errors.ts';
import { described, validBody, type AdminRoutes } from './admin.http.ts';
import { answers, apiAccountView, noContent } from './admin.schemas.ts';

const serviceSchema = z.object({
  enabled: z.boolean().optional(),
  connection: z.enum(['http', 'https']).optional(),
  auth: z.enum(AUTH_METHODS).optional(),
});
const accountSchema = z.object({
  username: z.string(),
  password: z.string().optional(),
  enabled: z.boolean().optional(),
  privileges: z.array(z.enum(PRIVILEGES)).optional(),
});

/**
 * Services → HTTP API of the vendor's web interface: per service the connection (HTTP or
 * HTTPS) and authentication (manual §3, HTTP API Services Security), and up to five accounts
 * with their privileges (manual §4, User Accounts).
 *
 *   PUT    /admin/api/http-api/services/:service {enabled?, connection?, auth?}
 *   PUT    /admin/api/http-api/accounts/:id {username, password?, enabled?, privileges?}
 *   DELETE /admin/api/http-api/accounts/:id
 */
export const registerServicesAdminApi: AdminRoutes = (app, device, guard) => {
  app.put(
    '/admin/api/http-api/services/:service',
    described('http-api', 'Configure an HTTP API service', {
      params: z.object({ service: z.string() }),
      body: serviceSchema,
      response: answers(noContent),
    }),
    guard(async (request, reply) => {
      const name = device.settings.serviceName((request.params as { service: string }).service);
      await device.settings.configureService(name, validBody(request, serviceSchema));
      return reply.code(204).send();
    }),
  );

  app.put(
    '/admin/api/http-api/accounts/:id',
    described('http-api', 'Save an HTTP API account (1 to 5)', {
      params: z.object({ id: z.string() }),
      body: accountSchema,
      response: answers({ 200: apiAccountView }),
    }),
    guard(async (request) => {
      const id = Number((request.params as { id: string }).id);
      if (!Number.isInteger(id) || id < 1) {
        throw new DeviceError(12, 'Give the account number (1 to 5) in the path.', 'id');
      }
      const body = validBody(request, accountSchema);
      return device.accounts.saveApiAccount({ id, ...body });
    }),
  );

  app.delete(
    '/admin/api/http-api/accounts/:id',
    described('http-api', 'Delete an HTTP API account', {
      params: z.object({ id: z.string() }),
      response: answers(noContent),
    }),
    guard(async (request, reply) => {
      await device.accounts.deleteApiAccount(Number((request.params as { id: string }).id));
      return reply.code(204).send();
    }),
  );
};
