import { z } from 'zod';
import { described, validBody, type AdminRoutes } from './admin.http.ts';
import { answers, noContent } from './admin.schemas.ts';

/** Only the shape is checked here; the rules (addresses, mask) are NetworkService's. */
const networkSchema = z.object({
  dhcp: z.boolean(),
  ipAddress: z.string().default(''),
  netmask: z.string().default(''),
  gateway: z.string().default(''),
  dns1: z.string().default(''),
  dns2: z.string().default(''),
});

/**
 * System → Network of the vendor's web interface: DHCP, or a static address with mask, gateway
 * and DNS servers. The classic page System → Network saves through the same service, so both
 * interfaces refuse the same settings with the same field named.
 *
 *   PUT /admin/api/network {dhcp, ipAddress, netmask, gateway, dns1, dns2}
 */
export const registerNetworkAdminApi: AdminRoutes = (app, device, guard) => {
  app.put(
    '/admin/api/network',
    described('network', 'Save the network settings', {
      body: networkSchema,
      response: answers(noContent),
    }),
    guard(async (request, reply) => {
      await device.network.save(validBody(request, networkSchema));
      return reply.code(204).send();
    }),
  );
};
