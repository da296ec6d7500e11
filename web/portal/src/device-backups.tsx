import { useCallback, useEffect, useState } from 'react';
import { ApiError } from './api.ts';
import { backupsApi, type Backup } from './backups.api.ts';
import { Dialog } from './dialog.tsx';
import { FormError } from './form-error.tsx';
import { formatDateTime } from './format.ts';
import { useToasts } from './toasts.tsx';

const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);

/**
 * A device's configuration backups kept in the cloud (issue 19): the site's list, "Back up
 * now" and "Restore" behind a confirmation. `version` changes with each live update of the
 * device, so a daily backup made meanwhile shows up.
 */
export function DeviceBackups(props: {
  siteId: string;
  serialNumber: string;
  canManage: boolean;
  version: number;
}) {
  const { siteId, serialNumber, canManage, version } = props;
  const [items, setItems] = useState<Backup[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [confirm, setConfirm] = useState<Backup | null>(null);
  const { notify } = useToasts();

  const load = useCallback(async () => {
    try {
      setItems((await backupsApi.list(siteId, serialNumber)).items);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setError(caught);
    }
  }, [siteId, serialNumber]);

  useEffect(() => {
    void load();
  }, [load, version]);

  async function act(work: () => Promise<unknown>, done: string) {
    setBusy(true);
    setError(null);
    try {
      await work();
      notify({ kind: 'success', title: done, scope: `backups.${serialNumber}` });
      await load();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="backups-title">
      <h2 id="backups-title">Backups</h2>
      {canManage && (
        <p>
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act(() => backupsApi.backUp(siteId, serialNumber), 'The backup was stored.')
            }
          >
            {busy ? 'Working…' : 'Back up now'}
          </button>
        </p>
      )}
      {error && <FormError error={error} />}
      {items === null ? (
        <p role="status">Loading the backups…</p>
      ) : items.length === 0 ? (
        <p>This site holds no backup of the device yet.</p>
      ) : (
        <ul className="history" aria-label="Backups, newest first">
          {items.map((backup) => (
            <li key={backup.id}>
              <time dateTime={backup.storedAt}>{formatDateTime(backup.storedAt)}</time> ·{' '}
              {size(backup.bytes)} · {backup.reason === 'daily' ? 'Daily' : 'Manual'}{' '}
              <span className="muted">by {backup.createdBy ?? 'the daily schedule'}</span>{' '}
              {canManage && (
                <button type="button" disabled={busy} onClick={() => setConfirm(backup)}>
                  Restore
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {confirm && (
        <Dialog
          title="Restore this backup?"
          description={`The configuration of ${serialNumber} is replaced with the backup of ${formatDateTime(confirm.storedAt)}. What was changed on the device since is lost.`}
          onClose={() => setConfirm(null)}
        >
          <button
            type="button"
            className="primary"
            data-autofocus
            onClick={() => {
              const chosen = confirm;
              setConfirm(null);
              void act(
                () => backupsApi.restore(siteId, serialNumber, chosen.id),
                'The device restored the backup.',
              );
            }}
          >
            Restore
          </button>
          <button type="button" onClick={() => setConfirm(null)}>
            Cancel
          </button>
        </Dialog>
      )}
    </section>
  );
}
