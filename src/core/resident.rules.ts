import {
  MAX_CARDS_PER_RESIDENT,
  MAX_PINS_PER_RESIDENT,
  SWITCHES_PER_DEVICE,
  type ResidentAccess,
} from './building.model.ts';
import { hasControlCharacter } from './apartment.rules.ts';
import type { FieldError } from './errors.ts';
import { parseSerialNumber } from './serial.rules.ts';

/** The device directory entry's name limit (2N HTTP API §5.14.1, `name`). */
export const RESIDENT_NAME_MAX = 64;
export const RESIDENT_EMAIL_MAX = 128;
export const CALL_TARGET_MAX = 128;
/** A PIN as the device's keypad takes it: 2 to 15 digits (2N HTTP API §5.14.1, `access.pin`). */
const PIN = /^\d{2,15}$/;
/** A card id as the device's reader reports it: up to 32 hexadecimal digits (§5.14.1, `access.card`). */
const CARD = /^[0-9A-Fa-f]{1,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What a person sends for a resident (a POST, a PATCH merged onto the stored one, a CSV row). */
export interface ResidentDraftInput {
  name: string;
  email?: string | null | undefined;
  apartmentId: string;
  pins: readonly string[];
  cards: readonly string[];
  validFrom?: string | null | undefined;
  validTo?: string | null | undefined;
  enabled: boolean;
  access: readonly { serialNumber: string; switch: number }[];
  callTarget?: string | null | undefined;
}

/** A resident checked and in normal form: trimmed, cards upper-case, times ISO 8601 (UTC). */
export interface ResidentDraft {
  name: string;
  email: string | null;
  apartmentId: string;
  pins: string[];
  cards: string[];
  validFrom: string | null;
  validTo: string | null;
  enabled: boolean;
  access: ResidentAccess[];
  callTarget: string | null;
}

export type ResidentCheck =
  { ok: true; value: ResidentDraft } | { ok: false; fields: FieldError[] };

const blankToNull = (value: string | null | undefined) => {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
};

// ISO 8601 with a date and, optionally, a time and zone (RFC 3339 profile); a bare date is UTC midnight.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function readTime(field: string, value: string | null, fields: FieldError[]): string | null {
  if (value === null) return null;
  const time = ISO_8601.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    fields.push({
      field,
      message: 'Enter a date and time in ISO 8601, e.g. 2026-01-31 or 2026-01-31T18:00:00Z.',
    });
    return null;
  }
  return new Date(time).toISOString();
}

function checkName(name: string, fields: FieldError[]) {
  if (name === '') fields.push({ field: 'name', message: 'Enter the resident’s name.' });
  else if (name.length > RESIDENT_NAME_MAX) {
    fields.push({
      field: 'name',
      message: `A name has at most ${RESIDENT_NAME_MAX} characters (what the intercom's directory holds).`,
    });
  } else if (hasControlCharacter(name)) {
    fields.push({ field: 'name', message: 'A name cannot hold control characters.' });
  }
}

function checkEmail(email: string | null, fields: FieldError[]) {
  if (email === null) return;
  if (email.length > RESIDENT_EMAIL_MAX || !EMAIL.test(email)) {
    fields.push({
      field: 'email',
      message: `Enter an e-mail address such as anna@example.com (at most ${RESIDENT_EMAIL_MAX} characters), or leave it empty.`,
    });
  }
}

// Messages never repeat a PIN or card: they end up in answers that may be logged or shown.
function checkPins(pins: readonly string[], fields: FieldError[]) {
  if (pins.length > MAX_PINS_PER_RESIDENT) {
    fields.push({
      field: 'pins',
      message: `A resident has at most ${MAX_PINS_PER_RESIDENT} PIN (one per intercom directory entry).`,
    });
  }
  pins.forEach((pin, i) => {
    if (!PIN.test(pin)) {
      fields.push({
        field: `pins[${i}]`,
        message: 'A PIN has 2 to 15 digits (0–9) and nothing else.',
      });
    }
  });
}

function checkCards(cards: readonly string[], fields: FieldError[]): string[] {
  if (cards.length > MAX_CARDS_PER_RESIDENT) {
    fields.push({
      field: 'cards',
      message: `A resident has at most ${MAX_CARDS_PER_RESIDENT} cards (what one intercom directory entry holds).`,
    });
  }
  const normal = cards.map((card) => card.trim().toUpperCase());
  normal.forEach((card, i) => {
    if (!CARD.test(card)) {
      fields.push({
        field: `cards[${i}]`,
        message:
          'A card id has 1 to 32 hexadecimal digits (0–9, A–F), as the card reader shows it.',
      });
    } else if (normal.indexOf(card) !== i) {
      fields.push({ field: `cards[${i}]`, message: 'This card is listed twice; list it once.' });
    }
  });
  return normal;
}

function checkAccess(
  access: ResidentDraftInput['access'],
  siteDevices: ReadonlySet<string>,
  fields: FieldError[],
): ResidentAccess[] {
  const rights: ResidentAccess[] = [];
  const seen = new Set<string>();
  access.forEach((right, i) => {
    const serial = parseSerialNumber(right.serialNumber);
    if (!serial.ok || !siteDevices.has(serial.value)) {
      fields.push({
        field: `access[${i}].serialNumber`,
        message: serial.ok
          ? 'This device is not in this site; add it to the site first, or choose one of its devices.'
          : serial.message,
      });
    }
    if (!Number.isInteger(right.switch) || right.switch < 1 || right.switch > SWITCHES_PER_DEVICE) {
      fields.push({
        field: `access[${i}].switch`,
        message: `A switch is a number from 1 to ${SWITCHES_PER_DEVICE}.`,
      });
    }
    const key = `${serial.ok ? serial.value : right.serialNumber}/${right.switch}`;
    if (seen.has(key)) {
      fields.push({ field: `access[${i}]`, message: 'This device and switch are listed twice.' });
    }
    seen.add(key);
    if (serial.ok) rights.push({ serialNumber: serial.value, switch: right.switch });
  });
  return rights;
}

/**
 * The call target: a SIP URI (sip:1001@pbx.example.com), a number or an app user's name.
 * Deliberately permissive (the device accepts any peer text, §5.14.1 `callPos.peer`), bounded
 * and free of control characters.
 */
function checkCallTarget(target: string | null, fields: FieldError[]) {
  if (target === null) return;
  if (target.length > CALL_TARGET_MAX || hasControlCharacter(target)) {
    fields.push({
      field: 'callTarget',
      message: `Enter a SIP address (sip:1001@pbx.example.com), a number or an app user, at most ${CALL_TARGET_MAX} characters.`,
    });
  }
}

/**
 * Checks a whole resident; `siteDevices` are the serial numbers of the devices currently in
 * the resident's site (the only ones they may be given rights on).
 */
export function checkResident(
  input: ResidentDraftInput,
  siteDevices: ReadonlySet<string>,
): ResidentCheck {
  const fields: FieldError[] = [];
  const name = input.name.trim();
  checkName(name, fields);
  const email = blankToNull(input.email);
  checkEmail(email, fields);
  const pins = input.pins.map((pin) => pin.trim());
  checkPins(pins, fields);
  const cards = checkCards(input.cards, fields);
  const validFrom = readTime('validFrom', blankToNull(input.validFrom), fields);
  const validTo = readTime('validTo', blankToNull(input.validTo), fields);
  if (validFrom !== null && validTo !== null && validFrom >= validTo) {
    fields.push({ field: 'validTo', message: 'The end of validity must come after its start.' });
  }
  const access = checkAccess(input.access, siteDevices, fields);
  const callTarget = blankToNull(input.callTarget);
  checkCallTarget(callTarget, fields);
  if (fields.length > 0) return { ok: false, fields };
  return {
    ok: true,
    value: {
      name,
      email,
      apartmentId: input.apartmentId,
      pins,
      cards,
      validFrom,
      validTo,
      enabled: input.enabled,
      access,
      callTarget,
    },
  };
}
