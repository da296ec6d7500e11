import { useState, type ChangeEvent } from 'react';
import { api, ApiError, type ImportResult, type ImportRow } from './api.ts';
import { Dialog } from './dialog.tsx';
import { FormError } from './form-error.tsx';

const OUTCOME_LABELS: Record<ImportRow['outcome'], string> = {
  create: 'New resident',
  update: 'Updates a resident',
  error: 'Error',
};

/**
 * Importing residents from a CSV file (issue 17): the cloud checks the whole file first (a dry
 * run) and the preview shows each row's outcome and errors; only a file without errors can be
 * applied, and it is applied whole. The table does not assume the columns: it shows the
 * server's rows and messages.
 */
export function ResidentsImport(props: {
  siteId: string;
  onImported: () => void;
  onClose: () => void;
}) {
  const { siteId, onImported, onClose } = props;
  const [csv, setCsv] = useState<string | null>(null);
  const [fileName, setFileName] = useState('');
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [rows, setRows] = useState<ImportRow[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<ImportResult | null>(null);
  const [busy, setBusy] = useState(false);

  async function check(text: string) {
    setBusy(true);
    setError(null);
    setPreview(null);
    setDone(null);
    try {
      const result = await api.importResidents(siteId, text, true);
      setPreview(result);
      setRows(result.rows);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setError(caught);
      setRows(caught.body.rows ?? []);
    } finally {
      setBusy(false);
    }
  }

  async function choose(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    const text = await file.text();
    setFileName(file.name);
    setCsv(text);
    await check(text);
  }

  async function apply() {
    if (csv === null) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.importResidents(siteId, csv, false);
      setDone(result);
      setPreview(null);
      setRows(result.rows);
      onImported();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setError(caught);
      // 422 IMPORT_HAS_ERRORS: the same rows as a dry run, so the preview shows what to fix.
      if (caught.body.rows) setRows(caught.body.rows);
    } finally {
      setBusy(false);
    }
  }

  const count = preview ? preview.created + preview.updated : 0;
  return (
    <Dialog
      title="Import residents"
      description={
        <p>
          Choose a CSV file with a header row: apartment, floor, name, email, pin, cards, validFrom,
          validTo, enabled, access, callTarget. Nothing changes until you apply it; apartments named
          in the file are created.
        </p>
      }
      onClose={onClose}
    >
      <div className="field">
        <label htmlFor="import-file">CSV file</label>
        <input
          id="import-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(event) => void choose(event)}
        />
      </div>
      {busy && <p role="status">Checking {fileName}…</p>}
      <FormError error={error} />
      {preview && (
        <p role="status">
          {preview.errors > 0
            ? `${preview.errors} row${preview.errors === 1 ? ' has' : 's have'} errors: fix the file and choose it again.`
            : `Ready: ${preview.created} new, ${preview.updated} updated.`}
        </p>
      )}
      {done && (
        <p role="status">
          Imported: {done.created} new resident{done.created === 1 ? '' : 's'}, {done.updated}{' '}
          updated.
        </p>
      )}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="stack">
            <caption className="visually-hidden">Rows of the file</caption>
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Outcome</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.row} className={row.outcome === 'error' ? 'row-error' : undefined}>
                  <th scope="row" data-label="Row">
                    {row.row}
                  </th>
                  <td data-label="Outcome">{OUTCOME_LABELS[row.outcome]}</td>
                  <td data-label="Errors">
                    {row.errors && row.errors.length > 0 ? (
                      <ul className="plain">
                        {row.errors.map((e) => (
                          <li key={`${e.field}:${e.message}`}>
                            <span className="code">{e.field}</span>: {e.message}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions">
        {preview && preview.errors === 0 && count > 0 && (
          <button type="button" className="primary" disabled={busy} onClick={() => void apply()}>
            Import {count} resident{count === 1 ? '' : 's'}
          </button>
        )}
        <button type="button" onClick={onClose}>
          {done ? 'Close' : 'Cancel'}
        </button>
      </div>
    </Dialog>
  );
}
