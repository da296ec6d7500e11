import { configurationModeLabel } from '../../cloud-management.ts';
import type { ClassicPage } from '../classic.kit.ts';
import { BASE } from '../layout.ts';
import { autoProvisioningBody, generateNewBody } from './auto-provisioning.template.ts';

const DONE = {
  'code-generated':
    'A new My2N Security Code was generated. The old My2N Security Code is no longer valid.',
};

/**
 * System → Auto Provisioning, as on the vendor's web interface: the serial number and the My2N
 * Security Code that add the device to a site, and Generate New (with a confirmation), which
 * makes the old code invalid.
 */
export const autoProvisioningPage: ClassicPage = (app, kit) => {
  const { device, guarded, render, redirect } = kit;

  app.get(
    `${BASE}/system/auto-provisioning`,
    guarded((ctx) =>
      render(ctx, {
        title: 'Auto Provisioning',
        tab: 'system',
        section: 'auto-provisioning',
        done: DONE,
        body: autoProvisioningBody({
          ...device.securityCode.current(),
          configurationMode: configurationModeLabel(device.cloud),
        }),
      }),
    ),
  );

  app.get(
    `${BASE}/system/auto-provisioning/generate-new`,
    guarded((ctx) =>
      render(ctx, {
        title: 'Generate New',
        tab: 'system',
        section: 'auto-provisioning',
        body: generateNewBody(device.securityCode.current().securityCode, ctx.session.csrfToken),
      }),
    ),
  );

  app.post(
    `${BASE}/system/auto-provisioning/generate-new`,
    guarded(async ({ reply }) => {
      await device.securityCode.generateNew();
      return redirect(reply, `${BASE}/system/auto-provisioning?done=code-generated`);
    }),
  );
};
