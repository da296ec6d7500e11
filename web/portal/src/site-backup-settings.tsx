import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from './api.ts';
import { backupsApi, type BackupSettings } from './backups.api.ts';
import { FieldMessage, FormError } from './form-error.tsx';
import { useToasts } from './toasts.tsx';

/** A site's daily configuration backups and how many each device keeps (issue 19). */
export function SiteBackupSettings(props: { siteId: string; canManage: boolean }) {
  const { siteId, canManage } = props;
  const [settings, setSettings] = useState<BackupSettings | null>(null);
  const [draft, setDraft] = useState<{ daily: boolean; keep: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const { notify } = useToasts();

  useEffect(() => {
    backupsApi.settings(siteId).then(
      (loaded) => {
        setSettings(loaded);
        setDraft({ daily: loaded.daily, keep: String(loaded.keep) });
      },
      (caught: unknown) => {
        if (!(caught instanceof ApiError)) throw caught;
        if (caught.code !== 'UNAUTHENTICATED') setError(caught);
      },
    );
  }, [siteId]);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!draft) return;
    setError(null);
    try {
      const saved = await backupsApi.saveSettings(siteId, {
        daily: draft.daily,
        keep: Number(draft.keep),
      });
      setSettings(saved);
      notify({ kind: 'success', title: 'Backup settings saved.', scope: `backups.${siteId}` });
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setError(caught);
    }
  }

  if (!settings || !draft) return error ? <FormError error={error} /> : null;
  if (!canManage) {
    return (
      <p className="muted" id="backups">
        Backups: {settings.daily ? 'daily' : 'on demand only'}, the last {settings.keep} kept per
        device.
      </p>
    );
  }
  const keepError = error?.field('keep');
  return (
    <form onSubmit={save} className="inline-form" aria-label="Backups" id="backups">
      <div className="field">
        <label>
          <input
            type="checkbox"
            checked={draft.daily}
            onChange={(event) => setDraft({ ...draft, daily: event.target.checked })}
          />{' '}
          Back up every device daily
        </label>
      </div>
      <div className="field">
        <label htmlFor="backup-keep">Backups kept per device</label>
        <input
          id="backup-keep"
          type="number"
          min={1}
          max={30}
          value={draft.keep}
          aria-invalid={keepError ? true : undefined}
          onChange={(event) => setDraft({ ...draft, keep: event.target.value })}
        />
        <FieldMessage id="backup-keep-error" message={keepError} />
      </div>
      <button type="submit">Save backup settings</button>
      {error && !keepError && <FormError error={error} />}
    </form>
  );
}
