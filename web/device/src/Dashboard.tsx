import { useState } from 'react';
import { api, errorMessage, type DeviceConfigView, type SystemInfo } from './api.ts';
import { cloudStateLabel, formatUptime, Notice, Page, usePolling } from './ui.tsx';

/** Status at a glance, refreshed every 2 seconds. */
export function Dashboard() {
  const [system, setSystem] = useState<SystemInfo | null>(null);
  const [network, setNetwork] = useState<DeviceConfigView['network'] | null>(null);
  const [error, setError] = useState('');

  usePolling(async () => {
    try {
      const [info, config] = await Promise.all([
        api<SystemInfo>('GET', 'system'),
        api<DeviceConfigView>('GET', 'config'),
      ]);
      setSystem(info);
      setNetwork(config.network);
      setError('');
    } catch (caught) {
      setError(errorMessage(caught));
    }
  });

  return (
    <Page title="Dashboard" intro="Updated every 2 seconds.">
      <Notice kind="error">{error}</Notice>
      <div className="grid">
        <section className="card" aria-labelledby="device-title">
          <h2 id="device-title">Device</h2>
          <dl className="facts">
            <dt>Model</dt>
            <dd>{system?.model ?? '…'}</dd>
            <dt>Serial number</dt>
            <dd>{system?.serialNumber ?? '…'}</dd>
            <dt>Firmware</dt>
            <dd>{system?.firmwareVersion ?? '…'}</dd>
            <dt>Uptime</dt>
            <dd>{system ? formatUptime(system.upTime) : '…'}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="network-title">
          <h2 id="network-title">Network</h2>
          <dl className="facts">
            <dt>MAC address</dt>
            <dd>{system?.macAddress ?? '…'}</dd>
            <dt>Address</dt>
            <dd>{network ? (network.dhcp ? 'DHCP' : 'Static') : '…'}</dd>
            <dt>IP address</dt>
            <dd>{network ? network.ipAddress || '—' : '…'}</dd>
            <dt>Gateway</dt>
            <dd>{network ? network.gateway || '—' : '…'}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="cloud-title">
          <h2 id="cloud-title">Cloud</h2>
          <dl className="facts">
            <dt>Cloud connection</dt>
            <dd>{system ? cloudStateLabel(system.cloud.state) : '…'}</dd>
            <dt>Site</dt>
            <dd>{system ? (system.cloud.site ?? 'Not added to a site') : '…'}</dd>
          </dl>
          <p>
            <a href="#/integration/autoprovisioning/my2n">Security code and My2N</a>
          </p>
        </section>
      </div>
    </Page>
  );
}
