import { useEffect, useState } from 'react';
import { all, api, ApiError, type Site } from './api.ts';
import { Dialog } from './dialog.tsx';
import { devicesApi } from './devices.api.ts';
import { useToasts } from './toasts.tsx';

/** A device a bulk action could not do, with the cloud's words why. */
interface Failure {
  serialNumber: string;
  error: ApiError;
}

/**
 * Runs `act` on each serial in turn (each its own request, so one refusal never undoes the
 * others) and returns the refusals; a network or session failure stops the run.
 */
async function eachDevice(
  serials: readonly string[],
  act: (serial: string) => Promise<unknown>,
): Promise<{ done: string[]; failed: Failure[] }> {
  const done: string[] = [];
  const failed: Failure[] = [];
  for (const serialNumber of serials) {
    try {
      await act(serialNumber);
      done.push(serialNumber);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code === 'UNAUTHENTICATED') throw caught;
      failed.push({ serialNumber, error: caught });
    }
  }
  return { done, failed };
}

/** "1 device", "3 devices". */
const devicesCount = (n: number) => `${n} device${n === 1 ? '' : 's'}`;

function Failures({ failures }: { failures: Failure[] }) {
  if (failures.length === 0) return null;
  return (
    <div className="form-error" role="alert">
      <p>
        <strong>
          {failures.length} device{failures.length === 1 ? '' : 's'} could not be changed:
        </strong>
      </p>
      <ul>
        {failures.map((f) => (
          <li key={f.serialNumber}>
            <span className="code">{f.serialNumber}</span>: {f.error.body.message}{' '}
            {f.error.body.cause}
          </li>
        ))}
      </ul>
    </div>
  );
}

type Open = 'move' | 'delete' | null;

/**
 * The device table's bulk actions (issue 18): move the selected devices to another site of
 * the company, delete them, and (when the page wires it, transfers) offer them to another
 * company. Each device is its own request; failures are shown per device.
 */
export function DeviceBulkActions(props: {
  siteId: string;
  selected: string[];
  /** "Select all" lives here, not in the table's head, which a phone's stacked rows hide. */
  allSelected: boolean;
  onSelectAll: (on: boolean) => void;
  /** After a run: the devices that were done (no longer in this site). */
  onDone: (done: string[]) => void;
  onOffer?: ((serialNumbers: string[]) => void) | undefined;
}) {
  const { siteId, selected, allSelected, onSelectAll, onDone, onOffer } = props;
  const [open, setOpen] = useState<Open>(null);
  const count = selected.length;
  return (
    <div className="toolbar" role="toolbar" aria-label="Selected devices">
      <label className="checkbox-label">
        <input
          type="checkbox"
          checked={allSelected}
          onChange={(event) => onSelectAll(event.target.checked)}
        />{' '}
        Select all
      </label>
      <span className="muted">{count} selected</span>
      <button type="button" disabled={count === 0} onClick={() => setOpen('move')}>
        Move to site…
      </button>
      {onOffer && (
        <button type="button" disabled={count === 0} onClick={() => onOffer([...selected])}>
          Offer to another company…
        </button>
      )}
      <button
        type="button"
        className="danger"
        disabled={count === 0}
        onClick={() => setOpen('delete')}
      >
        Delete
      </button>
      {open === 'move' && (
        <MoveDialog
          siteId={siteId}
          serials={selected}
          onClose={() => setOpen(null)}
          onDone={onDone}
        />
      )}
      {open === 'delete' && (
        <DeleteDialog
          siteId={siteId}
          serials={selected}
          onClose={() => setOpen(null)}
          onDone={onDone}
        />
      )}
    </div>
  );
}

function MoveDialog(props: {
  siteId: string;
  serials: string[];
  onClose: () => void;
  onDone: (done: string[]) => void;
}) {
  const { siteId, serials, onClose, onDone } = props;
  const [sites, setSites] = useState<Site[] | null>(null);
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const [failures, setFailures] = useState<Failure[]>([]);
  const { notify } = useToasts();

  useEffect(() => {
    all((cursor) => api.sites(cursor)).then(
      (list) => {
        const others = list.filter((s) => s.id !== siteId);
        setSites(others);
        setTarget(others[0]?.id ?? '');
      },
      (caught: unknown) => {
        if (!(caught instanceof ApiError)) throw caught;
        setSites([]);
      },
    );
  }, [siteId]);

  async function move() {
    setBusy(true);
    try {
      const { done: moved, failed } = await eachDevice(serials, (serial) =>
        devicesApi.move(serial, target),
      );
      const name = sites?.find((s) => s.id === target)?.name ?? 'the other site';
      if (moved.length > 0) {
        notify({
          kind: 'success',
          title: `${devicesCount(moved.length)} moved to ${name}.`,
          scope: `bulk-devices.${siteId}`,
        });
      }
      setFailures(failed);
      onDone(moved);
      if (failed.length === 0) onClose();
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title="Move devices to another site"
      description={
        <p>
          {serials.length} device{serials.length === 1 ? '' : 's'} move with their history; no
          security code is needed, as they stay in your company.
        </p>
      }
      onClose={onClose}
    >
      {sites === null ? (
        <p role="status">Loading sites…</p>
      ) : sites.length === 0 ? (
        <p>Your company has no other site you may see. Create one first.</p>
      ) : (
        <div className="field">
          <label htmlFor="bulk-move-site">Move to</label>
          <select
            id="bulk-move-site"
            value={target}
            onChange={(event) => setTarget(event.target.value)}
          >
            {sites.map((site) => (
              <option key={site.id} value={site.id}>
                {site.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <Failures failures={failures} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy || !target}
          onClick={() => void move()}
        >
          Move
        </button>
        <button type="button" onClick={onClose}>
          {failures.length > 0 ? 'Close' : 'Cancel'}
        </button>
      </div>
    </Dialog>
  );
}

function DeleteDialog(props: {
  siteId: string;
  serials: string[];
  onClose: () => void;
  onDone: (done: string[]) => void;
}) {
  const { siteId, serials, onClose, onDone } = props;
  const [busy, setBusy] = useState(false);
  const [failures, setFailures] = useState<Failure[]>([]);
  const { notify } = useToasts();

  async function remove() {
    setBusy(true);
    try {
      const { done: deleted, failed } = await eachDevice(serials, (serial) =>
        api.deleteDevice(siteId, serial),
      );
      if (deleted.length > 0) {
        notify({
          kind: 'success',
          title: `${devicesCount(deleted.length)} deleted from this site.`,
          cause: 'They can now be added to another site or account.',
          scope: `bulk-devices.${siteId}`,
        });
      }
      setFailures(failed);
      onDone(deleted);
      if (failed.length === 0) onClose();
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      title={`Delete ${devicesCount(serials.length)}?`}
      description={
        <p>
          They leave this site and your account: <span className="code">{serials.join(', ')}</span>.
          Anyone with a device&apos;s serial number and security code can then add it.
        </p>
      }
      onClose={onClose}
    >
      <Failures failures={failures} />
      <div className="actions">
        <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
          Delete
        </button>
        <button type="button" onClick={onClose}>
          {failures.length > 0 ? 'Close' : 'Cancel'}
        </button>
      </div>
    </Dialog>
  );
}
