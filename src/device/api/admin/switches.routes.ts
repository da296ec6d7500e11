import { z } from 'zod';
import { described, validBody, type AdminRoutes } from './admin.http.ts';
import { answers, noContent, switchView } from './admin.schemas.ts';

const switchParams = z.object({ switch: z.string() });

/** Only the shape is checked here; the ranges are SwitchesService.configure's. */
const switchSchema = z.object({
  enabled: z.boolean().optional(),
  mode: z.enum(['monostable', 'bistable']).optional(),
  switchOnDuration: z.number().optional(),
  type: z.enum(['normal', 'security']).optional(),
});

const switchNumber = (params: unknown) => Number((params as { switch: string }).switch);

/**
 * Hardware → Switches of the vendor's web interface, over the same service as the HTTP API's
 * switch functions (manual §5.4.1 switch/caps, §5.4.2 switch/status, §5.4.3 switch/ctrl).
 *
 *   GET  /admin/api/switches                      settings and state of every switch
 *   PUT  /admin/api/switches/:switch {enabled?, mode?, switchOnDuration?, type?}
 *   POST /admin/api/switches/:switch/trigger      test trigger (as switch/ctrl action=trigger)
 */
export const registerSwitchesAdminApi: AdminRoutes = (app, device, guard) => {
  app.get(
    '/admin/api/switches',
    described('switches', 'Settings and state of every switch', {
      response: answers({ 200: z.looseObject({ switches: z.array(switchView) }) }),
    }),
    guard(() => {
      const status = device.switches.status();
      return {
        switches: device.config.current.switches.map((settings) => ({
          ...settings,
          ...status.find((s) => s.switch === settings.switch),
        })),
      };
    }),
  );

  app.put(
    '/admin/api/switches/:switch',
    described('switches', 'Configure a switch', {
      params: switchParams,
      body: switchSchema,
      response: answers(noContent),
    }),
    guard(async (request, reply) => {
      const number = switchNumber(request.params);
      device.switches.checkSwitchNumber(number);
      await device.switches.configure(number, validBody(request, switchSchema));
      return reply.code(204).send();
    }),
  );

  app.post(
    '/admin/api/switches/:switch/trigger',
    described('switches', 'Test trigger (as switch/ctrl action=trigger)', {
      params: switchParams,
      response: answers(noContent),
    }),
    guard((request, reply) => {
      device.switches.control(switchNumber(request.params), 'trigger');
      return reply.code(204).send();
    }),
  );
};
