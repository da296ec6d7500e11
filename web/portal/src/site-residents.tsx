import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  all,
  api,
  ApiError,
  type Apartment,
  type Device,
  type Resident,
  type SiteType,
} from './api.ts';
import { Dialog } from './dialog.tsx';
import { FieldMessage } from './form-error.tsx';
import { ResidentDialog } from './resident-dialog.tsx';
import { ResidentsImport } from './residents-import.tsx';
import { useToasts } from './toasts.tsx';

interface ApartmentDraft {
  /** null: a new apartment. */
  id: string | null;
  name: string;
  floor: string;
}

/** "Switch 1 of 54-0562-0293, switch 2 of …": a resident's rights, short. */
function rightsText(resident: Resident): string {
  if (resident.access.length === 0) return 'No access';
  return resident.access.map((a) => `${a.serialNumber} switch ${a.switch}`).join(', ');
}

function credentialsText(resident: Resident): string {
  if (resident.credentialsHidden) return 'Hidden';
  const parts = [
    resident.pins.length > 0 ? 'PIN' : '',
    resident.cards.length > 0
      ? `${resident.cards.length} card${resident.cards.length === 1 ? '' : 's'}`
      : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' and ') : 'None';
}

/**
 * The apartments of a site and their residents (issue 17): who lives where, how they open the
 * doors and whom the intercom calls. Managers add, change and remove; viewers read.
 */
export function SiteResidents(props: {
  siteId: string;
  siteType: SiteType | undefined;
  devices: Device[];
  canManage: boolean;
  /** Residents changed: the devices' sync state changes with them. */
  onChanged: () => void;
}) {
  const { siteId, siteType, devices, canManage, onChanged } = props;
  const [apartments, setApartments] = useState<Apartment[] | null>(null);
  const [residents, setResidents] = useState<Resident[]>([]);
  const [unavailable, setUnavailable] = useState<ApiError | null>(null);
  const [apartmentDraft, setApartmentDraft] = useState<ApartmentDraft | null>(null);
  const [apartmentError, setApartmentError] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState<{ resident: Resident | null; apartmentId: string } | null>(
    null,
  );
  const [toRemove, setToRemove] = useState<Resident | null>(null);
  const [importing, setImporting] = useState(false);
  const { notify, notifyError } = useToasts();
  const scope = `residents.${siteId}`;

  const load = useCallback(async () => {
    try {
      const [a, r] = await Promise.all([
        all((cursor) => api.apartments(siteId, cursor)),
        all((cursor) => api.residents(siteId, cursor)),
      ]);
      setApartments(a);
      setResidents(r);
      setUnavailable(null);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setUnavailable(caught);
    }
  }, [siteId]);

  useEffect(() => {
    void load();
  }, [load]);

  const changed = () => {
    void load();
    onChanged();
  };

  async function saveApartment(event: FormEvent) {
    event.preventDefault();
    if (!apartmentDraft) return;
    setApartmentError(null);
    const input = { name: apartmentDraft.name.trim(), floor: apartmentDraft.floor.trim() || null };
    try {
      if (apartmentDraft.id) await api.updateApartment(siteId, apartmentDraft.id, input);
      else await api.createApartment(siteId, input);
      setApartmentDraft(null);
      changed();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code === 'UNAUTHENTICATED') return;
      setApartmentError(caught);
      if (!caught.body.fields?.length) notifyError(caught, scope);
    }
  }

  async function deleteApartment(apartment: Apartment) {
    try {
      await api.deleteApartment(siteId, apartment.id);
      notify({ kind: 'success', title: `Apartment ${apartment.name} was deleted.`, scope });
      changed();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') notifyError(caught, scope);
    }
  }

  async function removeResident() {
    if (!toRemove) return;
    try {
      await api.deleteResident(siteId, toRemove.id);
      notify({ kind: 'success', title: `${toRemove.name} was removed.`, scope });
      setToRemove(null);
      changed();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') notifyError(caught, scope);
    }
  }

  // A family home has its one apartment; a second is refused (FAMILY_HOME_HAS_ONE_APARTMENT).
  const mayAddApartment =
    canManage && !(siteType === 'family-home' && (apartments?.length ?? 0) > 0);
  const nameError = apartmentError?.field('name');
  const floorError = apartmentError?.field('floor');

  return (
    <section aria-labelledby="residents-title" id="residents">
      <div className="section-head">
        <h2 id="residents-title">Residents</h2>
        {canManage && (
          <div className="row-actions">
            {mayAddApartment && (
              <button
                type="button"
                onClick={() => {
                  setApartmentError(null);
                  setApartmentDraft({ id: null, name: '', floor: '' });
                }}
              >
                Add apartment
              </button>
            )}
            <button type="button" onClick={() => setImporting(true)}>
              Import from CSV
            </button>
          </div>
        )}
      </div>
      {unavailable ? (
        <p className="notice">
          {unavailable.body.message} {unavailable.body.cause}
        </p>
      ) : apartments === null ? (
        <p role="status">Loading residents…</p>
      ) : apartments.length === 0 ? (
        <p>
          No apartments yet.
          {canManage && ' Add an apartment, then its residents — or import them from a CSV file.'}
        </p>
      ) : (
        apartments.map((apartment) => (
          <ApartmentBlock
            key={apartment.id}
            apartment={apartment}
            residents={residents.filter((r) => r.apartmentId === apartment.id)}
            canManage={canManage}
            onEdit={() => {
              setApartmentError(null);
              setApartmentDraft({
                id: apartment.id,
                name: apartment.name,
                floor: apartment.floor ?? '',
              });
            }}
            onDelete={() => void deleteApartment(apartment)}
            onAddResident={() => setEditing({ resident: null, apartmentId: apartment.id })}
            onEditResident={(resident) => setEditing({ resident, apartmentId: apartment.id })}
            onRemoveResident={setToRemove}
          />
        ))
      )}

      {apartmentDraft && (
        <Dialog
          title={apartmentDraft.id ? 'Edit apartment' : 'Add an apartment'}
          onClose={() => setApartmentDraft(null)}
        >
          <form onSubmit={saveApartment} noValidate aria-label="Apartment">
            <div className="field">
              <label htmlFor="apartment-name">Apartment name</label>
              <input
                id="apartment-name"
                value={apartmentDraft.name}
                maxLength={32}
                placeholder="12"
                aria-invalid={nameError ? true : undefined}
                aria-describedby={nameError ? 'apartment-name-error' : undefined}
                onChange={(event) =>
                  setApartmentDraft({ ...apartmentDraft, name: event.target.value })
                }
              />
              <FieldMessage id="apartment-name-error" message={nameError} />
            </div>
            <div className="field">
              <label htmlFor="apartment-floor">Floor</label>
              <input
                id="apartment-floor"
                value={apartmentDraft.floor}
                maxLength={16}
                placeholder="3, -1 or G"
                aria-invalid={floorError ? true : undefined}
                aria-describedby={floorError ? 'apartment-floor-error' : undefined}
                onChange={(event) =>
                  setApartmentDraft({ ...apartmentDraft, floor: event.target.value })
                }
              />
              <FieldMessage id="apartment-floor-error" message={floorError} />
            </div>
            <div className="actions">
              <button type="submit" className="primary">
                {apartmentDraft.id ? 'Save apartment' : 'Add apartment'}
              </button>
              <button type="button" onClick={() => setApartmentDraft(null)}>
                Cancel
              </button>
            </div>
          </form>
        </Dialog>
      )}

      {editing && apartments && (
        <ResidentDialog
          siteId={siteId}
          resident={editing.resident}
          apartmentId={editing.apartmentId}
          apartments={apartments}
          devices={devices}
          onSaved={(saved) => {
            notify({
              kind: 'success',
              title: editing.resident ? `${saved.name} was saved.` : `${saved.name} was added.`,
              scope,
            });
            setEditing(null);
            changed();
          }}
          onClose={() => setEditing(null)}
        />
      )}

      {toRemove && (
        <Dialog
          title={`Remove ${toRemove.name}?`}
          description={
            <p>
              Their PIN and cards stop opening doors, and the devices of the site no longer list
              them, at their next sync.
            </p>
          }
          onClose={() => setToRemove(null)}
        >
          <div className="actions">
            <button type="button" className="danger" onClick={() => void removeResident()}>
              Remove resident
            </button>
            <button type="button" data-autofocus onClick={() => setToRemove(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}

      {importing && (
        <ResidentsImport siteId={siteId} onImported={changed} onClose={() => setImporting(false)} />
      )}
    </section>
  );
}

function ApartmentBlock(props: {
  apartment: Apartment;
  residents: Resident[];
  canManage: boolean;
  onEdit: () => void;
  onDelete: () => void;
  onAddResident: () => void;
  onEditResident: (resident: Resident) => void;
  onRemoveResident: (resident: Resident) => void;
}) {
  const { apartment, residents, canManage } = props;
  const title = `Apartment ${apartment.name}`;
  return (
    <div className="card apartment" role="group" aria-label={title}>
      <div className="section-head">
        <h3>
          {title}
          {apartment.floor && <span className="muted"> · floor {apartment.floor}</span>}
        </h3>
        {canManage && (
          <div className="row-actions">
            <button type="button" onClick={props.onAddResident}>
              Add resident
            </button>
            <button
              type="button"
              aria-label={`Edit apartment ${apartment.name}`}
              onClick={props.onEdit}
            >
              Edit
            </button>
            <button
              type="button"
              className="danger"
              aria-label={`Delete apartment ${apartment.name}`}
              disabled={residents.length > 0}
              title={residents.length > 0 ? 'Remove its residents first.' : undefined}
              onClick={props.onDelete}
            >
              Delete
            </button>
          </div>
        )}
      </div>
      {residents.length === 0 ? (
        <p className="muted">Nobody lives here yet.</p>
      ) : (
        <table className="stack">
          <caption className="visually-hidden">Residents of apartment {apartment.name}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Credentials</th>
              <th scope="col">Access</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {residents.map((resident) => (
              <tr key={resident.id}>
                <th scope="row" data-label="Name">
                  {resident.name}
                </th>
                <td data-label="E-mail">{resident.email ?? ''}</td>
                <td data-label="Credentials">{credentialsText(resident)}</td>
                <td data-label="Access">{rightsText(resident)}</td>
                <td data-label="State" className="nowrap">
                  {resident.enabled ? 'Enabled' : 'Disabled'}
                </td>
                <td className="row-actions">
                  {canManage && (
                    <>
                      <button
                        type="button"
                        aria-label={`Edit ${resident.name}`}
                        onClick={() => props.onEditResident(resident)}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Remove ${resident.name}`}
                        onClick={() => props.onRemoveResident(resident)}
                      >
                        Remove
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
