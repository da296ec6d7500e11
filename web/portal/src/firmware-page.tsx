import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, request, uploadFile, type FirmwareImage } from './api.ts';
import { formatDate } from './format.ts';
import { FormError } from './form-error.tsx';

interface Catalogue {
  items: FirmwareImage[];
  uploadsAllowed: boolean;
}

const sizeOf = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${Math.max(1, Math.round(bytes / 1024))} KiB`;

/** Adds an image (company admins, when the cloud runs with --firmware-uploads). */
function UploadForm({ onAdded }: { onAdded: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [added, setAdded] = useState<FirmwareImage | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setError(null);
    setAdded(null);
    setProgress(0);
    try {
      const image = await uploadFile<FirmwareImage>(
        `/api/firmware?filename=${encodeURIComponent(file.name)}`,
        file,
        setProgress,
      );
      setAdded(image);
      onAdded();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : null);
    } finally {
      setProgress(null);
    }
  }

  return (
    <form
      onSubmit={(event) => void submit(event)}
      className="inline-form"
      aria-label="Add an image"
    >
      <div className="field">
        <label htmlFor="firmware-file">Firmware image (at most 32 MiB)</label>
        <input
          id="firmware-file"
          type="file"
          onChange={(event) => setFile(event.target.files?.[0] ?? null)}
        />
      </div>
      <button type="submit" className="primary" disabled={!file || progress !== null}>
        Add image
      </button>
      {progress !== null && (
        <progress max={1} value={progress} aria-label="Upload progress">
          {Math.round(progress * 100)} %
        </progress>
      )}
      {added && (
        <p role="status">
          Added {added.model} {added.version}.
        </p>
      )}
      <FormError error={error} />
    </form>
  );
}

/** The firmware catalogue (issue 19): what the company may roll out to its devices. */
export function FirmwarePage() {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    request<Catalogue>('GET', '/api/firmware').then(setCatalogue, (caught: unknown) =>
      setError(caught instanceof ApiError ? caught : null),
    );
  }, [reload]);

  return (
    <main>
      <h1>Firmware</h1>
      <p className="muted">
        Images your company may install on its devices: the operator&apos;s, offered to every
        company, and your company&apos;s own.
      </p>
      <FormError error={error} />
      {catalogue?.uploadsAllowed && <UploadForm onAdded={() => setReload((n) => n + 1)} />}
      {catalogue && catalogue.items.length === 0 && <p>The catalogue is empty.</p>}
      {catalogue && catalogue.items.length > 0 && (
        <table className="stack">
          <caption className="visually-hidden">Firmware images, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Version</th>
              <th scope="col">Size</th>
              <th scope="col">Digest</th>
              <th scope="col">From</th>
              <th scope="col">Added</th>
            </tr>
          </thead>
          <tbody>
            {catalogue.items.map((image) => (
              <tr key={image.id}>
                <td data-label="Model">{image.model}</td>
                <td data-label="Version" className="nowrap">
                  {image.version}
                </td>
                <td data-label="Size" className="nowrap">
                  {sizeOf(image.bytes)}
                </td>
                <td data-label="Digest">
                  <span className="code" title={image.sha256}>
                    {image.sha256.slice(0, 12)}…
                  </span>
                </td>
                <td data-label="From">
                  {image.scope === 'operator' ? 'Operator' : 'Your company'}
                </td>
                <td data-label="Added" className="nowrap">
                  {formatDate(image.createdAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
