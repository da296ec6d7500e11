import type { FastifyInstance } from 'fastify';
import type { Device } from '../device.ts';
import type { SessionGuard } from '../session.guard.ts';
import { adminGuard, type AdminRoutes } from './admin/admin.http.ts';
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

/**
 * The device's web administration as a small JSON API under /admin/api, one module per area
 * (api/admin/<area>.routes.ts, each listing its routes); the new interface is a page over it.
 * Every route but login goes through one session guard (session.guard.ts): the session
 * cookie, the X-CSRF-Token header on every change, and the forced change of the factory
 * password first. Errors come from the device error catalog (device.error-catalog.ts,
 * docs/device-errors.md): `{error: {code, message, field?, reason?}}`.
 *
 * Returns the guard, so that areas registered elsewhere use the same one.
 */
export function registerAdminApi(
  app: FastifyInstance,
  device: Device,
  guard: SessionGuard = adminGuard(device),
): SessionGuard {
  for (const register of AREAS) register(app, device, guard);
  return guard;
}
