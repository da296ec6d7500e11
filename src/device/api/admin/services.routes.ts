import { z } from 'zod';
import { AUTH_METHODS, PRIVILEGES } from '../../config.model.ts';
import { DeviceError } from '../../device.errors.ts';
import { parseBody, type AdminRoutes } from './admin.http.ts';

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
    guard(async (request, reply) => {
      const name = device.settings.serviceName((request.params as { service: string }).service);
      await device.settings.configureService(name, parseBody(serviceSchema, request.body));
      return reply.code(204).send();
    }),
  );

  app.put(
    '/admin/api/http-api/accounts/:id',
    guard(async (request) => {
      const id = Number((request.params as { id: string }).id);
      if (!Number.isInteger(id) || id < 1) {
        throw new DeviceError(12, 'Give the account number (1 to 5) in the path.', 'id');
      }
      const body = parseBody(accountSchema, request.body);
      return device.accounts.saveApiAccount({ id, ...body });
    }),
  );

  app.delete(
    '/admin/api/http-api/accounts/:id',
    guard(async (request, reply) => {
      await device.accounts.deleteApiAccount(Number((request.params as { id: string }).id));
      return reply.code(204).send();
    }),
  );
};
