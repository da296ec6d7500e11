import type { CloudLinkState } from '../../device.ts';
import type { ClassicPage } from '../classic.kit.ts';
import { frontPanelSection, registerFrontPanelClassic } from '../front-panel.classic.ts';
import { html } from '../html.ts';
import { BASE } from '../layout.ts';
import { homeBody } from './home.template.ts';

const DONE = { password: 'The new password is saved.' };

function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return `${days > 0 ? `${days} d ` : ''}${hours} h ${minutes} min ${rest} s`;
}

function cloudText(cloud: CloudLinkState): string {
  if (cloud.state === 'connected')
    return cloud.site ? `connected, in site ${cloud.site}` : 'connected, not in a site yet';
  return cloud.state === 'connecting' ? 'connecting' : 'not connected';
}

/**
 * Home: the device status, as the vendor's web interface opens on it, and the emulator's front
 * panel (what a person at the door does: call buttons, keypad, card reader, door, tamper).
 */
export const homePage: ClassicPage = (app, kit) => {
  const { device, guarded, render } = kit;

  app.get(
    `${BASE}/`,
    guarded((ctx) => {
      const network = device.network.current();
      const local = (ctx.request.socket.localAddress ?? '').replace(/^::ffff:/, '');
      return render(ctx, {
        title: 'Home',
        tab: 'home',
        done: DONE,
        body: html`${homeBody({
          deviceName: device.settings.deviceName,
          model: device.identity.model,
          serialNumber: device.identity.serialNumber,
          firmwareVersion: device.maintenance.firmwareVersion,
          macAddress: device.identity.macAddress,
          ipAddress: network.dhcp
            ? `${local || 'not assigned yet'} (DHCP)`
            : `${network.ipAddress} (static)`,
          uptime: formatUptime(device.upTime()),
          cloud: cloudText(device.cloud),
        })}
        ${frontPanelSection(device, ctx.session.csrfToken, ctx.request.query)}`,
      });
    }),
  );
  registerFrontPanelClassic(app, device, guarded);
};
