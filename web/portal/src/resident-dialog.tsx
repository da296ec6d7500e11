import { useState, type FormEvent } from 'react';
import {
  api,
  ApiError,
  type AccessRight,
  type Apartment,
  type Device,
  type Resident,
  type ResidentInput,
} from './api.ts';
import { Dialog } from './dialog.tsx';
import { FieldMessage, FormError } from './form-error.tsx';
import { deviceLabel } from './site-devices.tsx';

/** The switches of a device a right can name (SWITCHES_PER_DEVICE in the cloud). */
const SWITCHES = [1, 2, 3, 4] as const;

/** ISO → the value of a datetime-local input, in the person's time zone. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A datetime-local value → ISO; empty → null (no limit). */
function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

interface Form {
  name: string;
  email: string;
  apartmentId: string;
  pin: string;
  card1: string;
  card2: string;
  validFrom: string;
  validTo: string;
  enabled: boolean;
  callTarget: string;
  access: AccessRight[];
}

function formOf(resident: Resident | null, apartmentId: string): Form {
  return {
    name: resident?.name ?? '',
    email: resident?.email ?? '',
    apartmentId: resident?.apartmentId ?? apartmentId,
    pin: resident?.pins[0] ?? '',
    card1: resident?.cards[0] ?? '',
    card2: resident?.cards[1] ?? '',
    validFrom: toLocalInput(resident?.validFrom ?? null),
    validTo: toLocalInput(resident?.validTo ?? null),
    enabled: resident?.enabled ?? true,
    callTarget: resident?.callTarget ?? '',
    access: resident?.access ?? [],
  };
}

function inputOf(form: Form, withCredentials: boolean): ResidentInput {
  const input: ResidentInput = {
    name: form.name.trim(),
    email: form.email.trim() || null,
    apartmentId: form.apartmentId,
    pins: [],
    cards: [],
    validFrom: fromLocalInput(form.validFrom),
    validTo: fromLocalInput(form.validTo),
    enabled: form.enabled,
    access: form.access,
    callTarget: form.callTarget.trim() || null,
  };
  if (withCredentials) {
    input.pins = form.pin.trim() ? [form.pin.trim()] : [];
    input.cards = [form.card1, form.card2].map((c) => c.trim()).filter(Boolean);
  }
  return input;
}

const hasRight = (access: AccessRight[], serialNumber: string, sw: number) =>
  access.some((a) => a.serialNumber === serialNumber && a.switch === sw);

/**
 * Adding or editing a resident of an apartment: name, e-mail, PIN, up to two cards, when the
 * credentials are valid, enabled, which switches of which devices they open, whom a call
 * rings. Field errors of the cloud show beside their fields.
 */
export function ResidentDialog(props: {
  siteId: string;
  resident: Resident | null;
  apartmentId: string;
  apartments: Apartment[];
  devices: Device[];
  onSaved: (resident: Resident) => void;
  onClose: () => void;
}) {
  const { siteId, resident, apartments, devices, onSaved, onClose } = props;
  const [form, setForm] = useState<Form>(() => formOf(resident, props.apartmentId));
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // A viewer's copy has no credentials: never send empty lists that would erase them.
  const withCredentials = !resident?.credentialsHidden;

  const set = <K extends keyof Form>(key: K, value: Form[K]) =>
    setForm((current) => ({ ...current, [key]: value }));

  function toggle(serialNumber: string, sw: number, on: boolean) {
    setForm((current) => ({
      ...current,
      access: on
        ? [...current.access, { serialNumber, switch: sw }]
        : current.access.filter((a) => !(a.serialNumber === serialNumber && a.switch === sw)),
    }));
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input = inputOf(form, withCredentials);
      const saved = resident
        ? await api.updateResident(siteId, resident.id, input)
        : await api.createResident(siteId, input);
      onSaved(saved);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.code !== 'UNAUTHENTICATED') setError(caught);
    } finally {
      setBusy(false);
    }
  }

  /** The message of a field or of any of its parts (`pins[0]`, `access[1].serialNumber`). */
  const message = (field: string) =>
    error?.body.fields?.find(
      (f) =>
        f.field === field || f.field.startsWith(`${field}[`) || f.field.startsWith(`${field}.`),
    )?.message;
  const fieldProps = (id: string, field: string) => {
    const text = message(field);
    return {
      id,
      'aria-invalid': text ? true : undefined,
      'aria-describedby': text ? `${id}-error` : undefined,
    };
  };
  const cardMessage = (index: number) =>
    error?.body.fields?.find(
      (f) => f.field === `cards[${index}]` || (index === 0 && f.field === 'cards'),
    )?.message;

  return (
    <Dialog title={resident ? `Edit ${resident.name}` : 'Add a resident'} onClose={onClose}>
      <form onSubmit={save} noValidate aria-label="Resident">
        {error && error.code !== 'VALIDATION_FAILED' && <FormError error={error} />}
        <div className="field">
          <label htmlFor="resident-name">Name</label>
          <input
            {...fieldProps('resident-name', 'name')}
            value={form.name}
            maxLength={64}
            onChange={(event) => set('name', event.target.value)}
          />
          <FieldMessage id="resident-name-error" message={message('name')} />
        </div>
        <div className="field">
          <label htmlFor="resident-apartment">Apartment</label>
          <select
            {...fieldProps('resident-apartment', 'apartmentId')}
            value={form.apartmentId}
            onChange={(event) => set('apartmentId', event.target.value)}
          >
            {apartments.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <FieldMessage id="resident-apartment-error" message={message('apartmentId')} />
        </div>
        <div className="field">
          <label htmlFor="resident-email">E-mail</label>
          <input
            {...fieldProps('resident-email', 'email')}
            type="email"
            value={form.email}
            maxLength={128}
            onChange={(event) => set('email', event.target.value)}
          />
          <FieldMessage id="resident-email-error" message={message('email')} />
        </div>
        {withCredentials ? (
          <>
            <div className="field">
              <label htmlFor="resident-pin">PIN</label>
              <input
                {...fieldProps('resident-pin', 'pins')}
                value={form.pin}
                inputMode="numeric"
                autoComplete="off"
                maxLength={15}
                aria-describedby={`resident-pin-help${message('pins') ? ' resident-pin-error' : ''}`}
                onChange={(event) => set('pin', event.target.value)}
              />
              <p className="field-help" id="resident-pin-help">
                2 to 15 digits, typed on the intercom's keypad. Unique in the site.
              </p>
              <FieldMessage id="resident-pin-error" message={message('pins')} />
            </div>
            {(['card1', 'card2'] as const).map((key, index) => (
              <div className="field" key={key}>
                <label htmlFor={`resident-${key}`}>Card {index + 1}</label>
                <input
                  id={`resident-${key}`}
                  value={form[key]}
                  autoComplete="off"
                  spellCheck={false}
                  maxLength={32}
                  placeholder="Card ID in hexadecimal, e.g. 04A2B3C4"
                  aria-invalid={cardMessage(index) ? true : undefined}
                  aria-describedby={cardMessage(index) ? `resident-${key}-error` : undefined}
                  onChange={(event) => set(key, event.target.value)}
                />
                <FieldMessage id={`resident-${key}-error`} message={cardMessage(index)} />
              </div>
            ))}
          </>
        ) : (
          <p className="notice">PINs and cards are shown to site managers only.</p>
        )}
        <div className="field-pair">
          <div className="field">
            <label htmlFor="resident-valid-from">Valid from</label>
            <input
              {...fieldProps('resident-valid-from', 'validFrom')}
              type="datetime-local"
              value={form.validFrom}
              onChange={(event) => set('validFrom', event.target.value)}
            />
            <FieldMessage id="resident-valid-from-error" message={message('validFrom')} />
          </div>
          <div className="field">
            <label htmlFor="resident-valid-to">Valid to</label>
            <input
              {...fieldProps('resident-valid-to', 'validTo')}
              type="datetime-local"
              value={form.validTo}
              onChange={(event) => set('validTo', event.target.value)}
            />
            <FieldMessage id="resident-valid-to-error" message={message('validTo')} />
          </div>
        </div>
        <div className="field checkbox">
          <input
            id="resident-enabled"
            type="checkbox"
            checked={form.enabled}
            onChange={(event) => set('enabled', event.target.checked)}
          />
          <label htmlFor="resident-enabled">Enabled (their PIN and cards open doors)</label>
        </div>
        <fieldset className="access-grid" aria-describedby="resident-access-error">
          <legend>Access rights</legend>
          {devices.length === 0 ? (
            <p>This site has no devices yet; add one to give access.</p>
          ) : (
            <table>
              <caption className="visually-hidden">
                Which switches of which device they open
              </caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  {SWITCHES.map((n) => (
                    <th scope="col" key={n}>
                      {n}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {devices.map((device) => (
                  <tr key={device.serialNumber}>
                    <th scope="row">{deviceLabel(device)}</th>
                    {SWITCHES.map((n) => (
                      <td key={n}>
                        <input
                          type="checkbox"
                          aria-label={`Switch ${n} of ${device.serialNumber}`}
                          checked={hasRight(form.access, device.serialNumber, n)}
                          onChange={(event) => toggle(device.serialNumber, n, event.target.checked)}
                        />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <FieldMessage id="resident-access-error" message={message('access')} />
        </fieldset>
        <div className="field">
          <label htmlFor="resident-call-target">Call target</label>
          <input
            {...fieldProps('resident-call-target', 'callTarget')}
            value={form.callTarget}
            maxLength={128}
            placeholder="sip:1001@pbx.example.com"
            aria-describedby={`resident-call-help${message('callTarget') ? ' resident-call-target-error' : ''}`}
            onChange={(event) => set('callTarget', event.target.value)}
          />
          <p className="field-help" id="resident-call-help">
            What the intercom calls for them: a SIP address, a phone number or an app user.
          </p>
          <FieldMessage id="resident-call-target-error" message={message('callTarget')} />
        </div>
        {error?.code === 'VALIDATION_FAILED' && (
          <p className="field-message" role="alert">
            {error.body.message}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {resident ? 'Save resident' : 'Add resident'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
