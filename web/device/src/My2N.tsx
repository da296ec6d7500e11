import { useState } from 'react';
import { api, errorMessage, type SecurityCodeView, type SystemInfo } from './api.ts';
import {
  cloudStateLabel,
  configurationModeLabel,
  ConfirmDialog,
  Notice,
  Page,
  usePolling,
} from './ui.tsx';

/**
 * Integration → Autoprovisioning → My2N: the security code that proves you hold the device
 * (to add it to a site in the cloud), Generate New to replace it, and the cloud connection.
 */
export function My2N() {
  const [code, setCode] = useState<SecurityCodeView | null>(null);
  const [system, setSystem] = useState<SystemInfo | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');

  usePolling(async () => {
    try {
      setSystem(await api<SystemInfo>('GET', 'system'));
      if (!code) setCode(await api<SecurityCodeView>('GET', 'security-code'));
    } catch (caught) {
      setError(errorMessage(caught));
    }
  });

  const generate = async () => {
    setBusy(true);
    setError('');
    try {
      const fresh = await api<SecurityCodeView>('POST', 'security-code/generate');
      setCode(fresh);
      setMessage(
        'A new security code was generated. The old code is no longer valid; use the new one to add the device to a site.',
      );
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <Page title="Autoprovisioning">
      <div className="tabs" role="navigation" aria-label="Autoprovisioning">
        <a href="#/integration/autoprovisioning/my2n" aria-current="page">
          My2N
        </a>
      </div>
      <section className="card" aria-labelledby="my2n-title">
        <h2 id="my2n-title">My2N</h2>
        <p>
          To add this intercom to a site in the cloud, enter its serial number and security code.
          Generating a new code makes the old one invalid (for example before the device changes
          owner).
        </p>
        <dl className="facts">
          <dt>Serial number</dt>
          <dd>{code?.serialNumber ?? '…'}</dd>
          <dt>Security code</dt>
          <dd>
            <code className="security-code" aria-label="Security code">
              {code?.securityCode ?? '…'}
            </code>
          </dd>
          <dt>Cloud connection</dt>
          <dd>{system ? cloudStateLabel(system.cloud.state) : '…'}</dd>
          <dt>Site</dt>
          <dd>{system ? (system.cloud.site ?? 'Not added to a site') : '…'}</dd>
          <dt>Configuration mode</dt>
          <dd data-testid="configuration-mode">
            {system ? configurationModeLabel(system.cloud) : '…'}
          </dd>
        </dl>
        <Notice kind="ok">{message}</Notice>
        <Notice kind="error">{error}</Notice>
        <div className="actions">
          <button type="button" className="primary" onClick={() => setConfirming(true)}>
            Generate New
          </button>
        </div>
      </section>
      {confirming ? (
        <ConfirmDialog
          title="Generate a new security code?"
          confirmLabel="Generate"
          busy={busy}
          onConfirm={generate}
          onCancel={() => setConfirming(false)}
        >
          <p>
            The current security code {code ? <code>{code.securityCode}</code> : null} will no
            longer be valid. Whoever adds this device to a site needs the new code.
          </p>
        </ConfirmDialog>
      ) : null}
    </Page>
  );
}
