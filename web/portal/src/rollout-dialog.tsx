import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from './api.ts';
import { Dialog } from './dialog.tsx';
import { FormError } from './form-error.tsx';
import { navigate } from './router.ts';
import { rolloutsApi, type FirmwareImage } from './rollouts.api.ts';

/**
 * "Update firmware" for a site's devices (issue 19): an image of the catalogue, how many at a
 * time and when to stop; a downgrade asks for an explicit confirmation before it is sent again.
 */
export function RolloutDialog(props: {
  siteId: string;
  serialNumbers?: string[];
  onClose: () => void;
}) {
  const [images, setImages] = useState<FirmwareImage[] | null>(null);
  const [firmwareId, setFirmwareId] = useState('');
  const [concurrency, setConcurrency] = useState('10');
  const [stopPercent, setStopPercent] = useState('20');
  const [error, setError] = useState<ApiError | null>(null);
  const [downgrade, setDowngrade] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    rolloutsApi.firmware().then(
      (list) => {
        setImages(list.items);
        setFirmwareId(list.items[0]?.id ?? '');
      },
      (failure: unknown) => setError(failure instanceof ApiError ? failure : null),
    );
  }, []);

  async function start(allowDowngrade: boolean) {
    setBusy(true);
    setError(null);
    try {
      const started = await rolloutsApi.start({
        firmwareId,
        ...(props.serialNumbers
          ? { serialNumbers: props.serialNumbers }
          : { siteId: props.siteId }),
        concurrency: Number(concurrency),
        stopWhenFailedPercent: Number(stopPercent),
        ...(allowDowngrade ? { allowDowngrade: true } : {}),
      });
      navigate(`/rollouts/${encodeURIComponent(started.id)}`);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'ROLLOUT_DOWNGRADE_UNCONFIRMED') {
        setDowngrade(failure.body.cause);
      } else if (failure instanceof ApiError) setError(failure);
      else throw failure;
    } finally {
      setBusy(false);
    }
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void start(false);
  };

  const count = props.serialNumbers?.length;
  return (
    <Dialog
      title="Update firmware"
      description={
        count === undefined
          ? 'Every device of this site that the image is for gets it, a few at a time.'
          : `The ${count} selected device${count === 1 ? '' : 's'} get the image, a few at a time.`
      }
      onClose={props.onClose}
    >
      {downgrade === null ? (
        <form onSubmit={submit} aria-label="Update firmware">
          <FormError error={error} />
          <div className="field">
            <label htmlFor="rollout-firmware">Firmware</label>
            {images === null ? (
              <p role="status">Loading the catalogue…</p>
            ) : images.length === 0 ? (
              <p className="notice">
                The firmware catalogue is empty. An operator adds images with latchkey firmware add.
              </p>
            ) : (
              <select
                id="rollout-firmware"
                value={firmwareId}
                onChange={(event) => setFirmwareId(event.target.value)}
              >
                {images.map((image) => (
                  <option key={image.id} value={image.id}>
                    {image.model} {image.version}
                  </option>
                ))}
              </select>
            )}
          </div>
          <div className="field">
            <label htmlFor="rollout-concurrency">Devices at a time</label>
            <input
              id="rollout-concurrency"
              type="number"
              min={1}
              max={500}
              value={concurrency}
              onChange={(event) => setConcurrency(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="rollout-stop">Stop when more than this share fails (%)</label>
            <input
              id="rollout-stop"
              type="number"
              min={0}
              max={100}
              value={stopPercent}
              onChange={(event) => setStopPercent(event.target.value)}
            />
          </div>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !firmwareId}>
              Start update
            </button>
            <button type="button" onClick={props.onClose}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div role="alertdialog" aria-label="Confirm the downgrade">
          <p className="notice">This would downgrade devices: {downgrade}</p>
          <p>An older firmware may lack fixes the devices run now. Install it anyway?</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => void start(true)}
            >
              Downgrade
            </button>
            <button type="button" data-autofocus onClick={() => setDowngrade(null)}>
              Back
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
