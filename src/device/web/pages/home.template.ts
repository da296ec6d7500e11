import { html, type Html } from '../html.ts';
import { facts } from '../layout.ts';

export interface HomeView {
  deviceName: string;
  model: string;
  serialNumber: string;
  firmwareVersion: string;
  macAddress: string;
  ipAddress: string;
  uptime: string;
  cloud: string;
}

export function homeBody(view: HomeView): Html {
  return html`<h1>Home</h1>
    <h2>Device status</h2>
    ${facts([
      ['Device name', view.deviceName],
      ['Model', view.model],
      ['Serial number', view.serialNumber],
      ['Firmware version', view.firmwareVersion],
      ['MAC address', view.macAddress],
      ['IP address', view.ipAddress],
      ['Uptime', view.uptime],
      ['My2N cloud', view.cloud],
    ])}`;
}
