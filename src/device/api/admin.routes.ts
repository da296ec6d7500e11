import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Device } from '../device.ts';
import { SESSION_COOKIE, type SessionGuard } from '../session.guard.ts';
import { adminGuard, type AdminRoutes } from './admin/admin.http.ts';
import { adminSchemas } from './admin/admin.schemas.ts';
import { registerDirectoryAdminApi } from './admin/directory.routes.ts';
import { registerFirmwareAdminApi } from './admin/firmware.routes.ts';
import { registerFrontPanelAdminApi } from './admin/front-panel.routes.ts';
import { registerIoAdminApi } from './admin/io.routes.ts';
import { registerMaintenanceAdminApi } from './admin/maintenance.routes.ts';
import { registerNetworkAdminApi } from './admin/network.routes.ts';
import { registerServicesAdminApi } from './admin/services.routes.ts';
import { registerSessionAdminApi } from './admin/session.routes.ts';
import { registerSwitchesAdminApi } from './admin/switches.routes.ts';
import { registerSystemAdminApi } from './admin/system.routes.ts';

const AREAS: readonly AdminRoutes[] = [
  registerSessionAdminApi,
  registerSystemAdminApi,
  registerMaintenanceAdminApi,
  registerFirmwareAdminApi,
  registerNetworkAdminApi,
  registerServicesAdminApi,
  registerSwitchesAdminApi,
  registerIoAdminApi,
  registerDirectoryAdminApi,
  registerFrontPanelAdminApi,
];

/** Where the admin API's own OpenAPI document is served (public, as the cloud's /openapi.json). */
export const ADMIN_OPENAPI_PATH = '/admin/openapi.json';

/**
 * The device's web administration as a small JSON API under /admin/api, one module per area
 * (api/admin/<area>.routes.ts, each listing its routes); the new interface is a page over it.
 * Every route but login goes through one session guard (session.guard.ts): the session
 * cookie, the X-CSRF-Token header on every change, and the forced change of the factory
 * password first. Errors come from the device error catalog (device.error-catalog.ts,
 * docs/device-errors.md): `{error: {code, message, field?, reason?}}`.
 *
 * The routes declare zod schemas (fastify-type-provider-zod, as the cloud's routes do) in a
 * scope of their own, so that the OpenAPI document at /admin/openapi.json holds them and
 * nothing of the vendor's HTTP API (/api/..., whose shapes are the 2N manual's). They validate
 * with `attachValidation`: the guard answers first, then `validBody` refuses a bad body.
 *
 * Returns the guard, so that areas registered elsewhere use the same one.
 */
export async function registerAdminApi(
  app: FastifyInstance,
  device: Device,
  guard: SessionGuard = adminGuard(device),
): Promise<SessionGuard> {
  await app.register(async (scope) => {
    scope.setValidatorCompiler(validatorCompiler);
    scope.setSerializerCompiler(serializerCompiler);
    // A JSON route called without a body reads as {} (its defaults apply), as before schemas.
    scope.addHook('preValidation', async (request) => {
      if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
    });
    await scope.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Latchkey device admin API',
          version: '1',
          description:
            'The emulated intercom\'s web administration as JSON under /admin/api: log in, then send the session cookie and X-CSRF-Token on every change. Errors answer {"error": {code, message, field?, reason?}} (docs/device-errors.md).',
        },
        components: {
          securitySchemes: {
            session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
            csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
          },
        },
        security: [{ session: [], csrf: [] }],
      },
      transform: createJsonSchemaTransform({ schemaRegistry: adminSchemas }),
      transformObject: createJsonSchemaTransformObject({ schemaRegistry: adminSchemas }),
    });
    for (const register of AREAS) register(scope, device, guard);
    scope.get(ADMIN_OPENAPI_PATH, { schema: { hide: true } }, async () => scope.swagger());
  });
  return guard;
}
