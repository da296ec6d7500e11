import { z } from 'zod';
import { described, validBody, type AdminRoutes } from './admin.http.ts';
import { answers, noContent } from './admin.schemas.ts';

const inputSchema = z.object({ port: z.string(), active: z.boolean() });

/**
 * Emulator only: what a wired contact does to a logical input (reported by the HTTP API's
 * io functions, manual §5.5.2 io/status, and as the InputChanged event).
 *
 *   POST /admin/api/simulate/input {port, active}
 */
export const registerIoAdminApi: AdminRoutes = (app, device, guard) => {
  app.post(
    '/admin/api/simulate/input',
    described('io', 'Emulator only: set a logical input', {
      body: inputSchema,
      response: answers(noContent),
    }),
    guard((request, reply) => {
      const body = validBody(request, inputSchema);
      device.io.simulateInput(body.port, body.active);
      return reply.code(204).send();
    }),
  );
};
