import { DeviceError } from '../../device.errors.ts';
import type { NetworkInput } from '../../network.service.ts';
import { fieldErrorsOf, text, type ClassicPage, type Ctx } from '../classic.kit.ts';
import type { FieldErrors } from '../forms.ts';
import { BASE } from '../layout.ts';
import { networkBody } from './network.template.ts';

const DONE = { network: 'The network settings are saved.' };

/**
 * System → Network, as on the vendor's web interface: DHCP or a static address. The rules are
 * NetworkService's, the same the admin API behind the new interface goes through; a refusal
 * shows beside the field it names, with the values as typed.
 */
export const networkPage: ClassicPage = (app, kit) => {
  const { device, guarded, render, redirect } = kit;

  const renderNetwork = (
    ctx: Ctx,
    values = device.network.current(),
    errors: FieldErrors = {},
    status = 200,
  ) =>
    render(ctx, {
      title: 'Network',
      tab: 'system',
      section: 'network',
      done: DONE,
      body: networkBody(ctx.session.csrfToken, values, errors),
      status,
    });

  app.get(
    `${BASE}/system/network`,
    guarded((ctx) => renderNetwork(ctx)),
  );

  app.post(
    `${BASE}/system/network`,
    guarded(async (ctx) => {
      const body = ctx.request.body;
      const input: NetworkInput = {
        dhcp: text(body, 'mode') !== 'static',
        ipAddress: text(body, 'ipAddress'),
        netmask: text(body, 'netmask'),
        gateway: text(body, 'gateway'),
        dns1: text(body, 'dns1'),
        dns2: text(body, 'dns2'),
      };
      try {
        await device.network.save(input);
      } catch (error) {
        if (error instanceof DeviceError) {
          return renderNetwork(
            ctx,
            { ...input, hostname: device.network.current().hostname },
            fieldErrorsOf(error, 'ipAddress'),
            400,
          );
        }
        throw error;
      }
      return redirect(ctx.reply, `${BASE}/system/network?done=network`);
    }),
  );
};
