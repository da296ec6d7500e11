import { useState, type ChangeEvent } from 'react';
import { ApiError } from './api.ts';
import {
  bulkAdd,
  previewFile,
  resultsCsv,
  type BulkResult,
  type Preview,
  type PreviewRow,
} from './bulk.api.ts';
import { Dialog } from './dialog.tsx';
import { FormError } from './form-error.tsx';

const PREVIEW_ROWS = 5;

const OUTCOME_LABELS = { added: 'Added', moved: 'Moved from another account' } as const;

/** What a row's answer counts as in the summary. */
const kindOf = (r: BulkResult) =>
  r.outcome ?? (r.error?.code === 'ALREADY_IN_THIS_SITE' ? 'already' : 'failed');

/** Offers the results as a CSV file, the same columns `latchkey claim` writes. */
function download(results: BulkResult[], fileName: string) {
  const url = URL.createObjectURL(new Blob([resultsCsv(results)], { type: 'text/csv' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName.replace(/\.csv$/i, '') + '.results.csv';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * Bulk add (issue 18): choose a CSV file of serial numbers and security codes, see a preview
 * (its rows, and those whose format is wrong, before anything is sent), add them, and read each
 * row's answer with the single add's messages; the results can be downloaded as CSV.
 */
export function BulkAddDialog(props: { siteId: string; onAdded: () => void; onClose: () => void }) {
  const { siteId, onAdded, onClose } = props;
  const [fileName, setFileName] = useState('');
  const [csv, setCsv] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [results, setResults] = useState<BulkResult[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function choose(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    const text = await file.text();
    setFileName(file.name);
    setCsv(text);
    setResults(null);
    setError(null);
    setPreview(previewFile(text));
  }

  async function add() {
    if (csv === null) return;
    setBusy(true);
    setError(null);
    try {
      setResults((await bulkAdd(siteId, csv)).results);
      onAdded();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const rows = preview?.ok ? preview.rows : [];
  const flagged = rows.filter((r) => r.problem !== null);
  // The first rows, then every flagged row after them: what to fix is shown before sending.
  const firstRows = new Set(rows.slice(0, PREVIEW_ROWS));
  const count = (kind: string) => results?.filter((r) => kindOf(r) === kind).length ?? 0;
  return (
    <Dialog
      title="Bulk add devices"
      description={
        <p>
          Choose a CSV file with one device per line: serial number, then security code (a header
          row serialNumber,securityCode is optional). Up to 10,000 rows; each row is added on its
          own, so a wrong row does not stop the others.
        </p>
      }
      onClose={onClose}
    >
      <div className="field">
        <label htmlFor="bulk-file">CSV file</label>
        <input
          id="bulk-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(event) => void choose(event)}
        />
      </div>
      {preview && !preview.ok && (
        <p className="form-error" role="alert">
          {preview.message}
        </p>
      )}
      {preview?.ok && !results && (
        <>
          <p role="status">
            {fileName}: {rows.length} row{rows.length === 1 ? '' : 's'}
            {flagged.length > 0
              ? `, ${flagged.length} with a wrong format (they will not be added).`
              : '.'}
          </p>
          <PreviewTable
            caption="First rows of the file"
            rows={[...rows.slice(0, PREVIEW_ROWS), ...flagged.filter((r) => !firstRows.has(r))]}
          />
        </>
      )}
      {busy && <p role="status">Adding {rows.length} devices…</p>}
      <FormError error={error} />
      {results && (
        <>
          <p role="status" aria-label="Bulk add summary">
            Added {count('added')}, moved {count('moved')}, already in this site {count('already')},
            failed {count('failed')}.
          </p>
          <ResultsTable results={results} />
        </>
      )}
      <div className="actions">
        {preview?.ok && !results && (
          <button type="button" className="primary" disabled={busy} onClick={() => void add()}>
            Add {rows.length - flagged.length} device{rows.length - flagged.length === 1 ? '' : 's'}
          </button>
        )}
        {results && (
          <button type="button" onClick={() => download(results, fileName)}>
            Download results (CSV)
          </button>
        )}
        <button type="button" onClick={onClose}>
          {results ? 'Close' : 'Cancel'}
        </button>
      </div>
    </Dialog>
  );
}

function PreviewTable(props: { caption: string; rows: PreviewRow[] }) {
  return (
    <div className="table-scroll">
      <table className="stack">
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Serial number</th>
            <th scope="col">Security code</th>
            <th scope="col">Format</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={row.row} className={row.problem ? 'row-error' : undefined}>
              <th scope="row" data-label="Row">
                {row.row}
              </th>
              <td data-label="Serial number">{row.serialNumber}</td>
              <td data-label="Security code" className="code">
                {row.securityCode}
              </td>
              <td data-label="Format">{row.problem ?? 'OK'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ResultsTable({ results }: { results: BulkResult[] }) {
  return (
    <div className="table-scroll">
      <table className="stack">
        <caption className="visually-hidden">Result of each row</caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Serial number</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr key={r.row} className={kindOf(r) === 'failed' ? 'row-error' : undefined}>
              <th scope="row" data-label="Row">
                {r.row}
              </th>
              <td data-label="Serial number">{r.serialNumber}</td>
              <td data-label="Result">
                {r.outcome ? (
                  OUTCOME_LABELS[r.outcome]
                ) : (
                  <>
                    <strong>{r.error?.message}</strong>{' '}
                    {/* A format error names its fields, as the single add's form does. */}
                    {r.error?.fields?.length
                      ? r.error.fields.map((f) => f.message).join(' ')
                      : r.error?.cause}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
