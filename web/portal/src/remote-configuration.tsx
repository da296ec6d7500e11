import { useState } from 'react';
import { ApiError } from './api.ts';
import { devicesApi } from './devices.api.ts';
import { formatDateTime } from './format.ts';

/**
 * Issue 19: "Remote configuration" opens the device's own web interfaces through the cloud in
 * a new tab, for the site-admin who presses it, and says until when the link works.
 */
export function RemoteConfiguration(props: { siteId: string; serialNumber: string }) {
  const [opened, setOpened] = useState<{ expiresAt: string; idleMinutes: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function open() {
    // Opened at the click, so no popup blocker stops it; its address comes with the answer.
    const tab = window.open('about:blank', '_blank');
    setBusy(true);
    setError(null);
    try {
      const session = await devicesApi.openRemote(props.siteId, props.serialNumber);
      if (tab) tab.location.href = session.url;
      else window.location.href = session.url;
      setOpened({ expiresAt: session.expiresAt, idleMinutes: session.idleMinutes });
    } catch (caught) {
      tab?.close();
      setError(caught instanceof ApiError ? caught.message : 'Remote configuration did not open.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="remote-configuration-title">
      <h2 id="remote-configuration-title">Remote configuration</h2>
      <p className="muted">
        The device&apos;s own web interfaces, through the cloud, in a new tab. Sign in there with
        the device&apos;s administrator password.
      </p>
      <button type="button" onClick={() => void open()} disabled={busy}>
        Remote configuration
      </button>
      {opened && (
        <p role="status">
          Opened in a new tab. The link works until{' '}
          <time dateTime={opened.expiresAt}>{formatDateTime(opened.expiresAt)}</time>, and ends
          after {opened.idleMinutes} minutes without use; press the button again for a new one.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
