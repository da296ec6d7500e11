import type { FieldError } from './errors.ts';

/** An apartment's number or name: shown on the device as the tree path `/<name>` (§5.14.1). */
export const APARTMENT_NAME_MAX = 32;
/** A floor as people write it: "3", "-1", "G", "Mezzanine". */
export const APARTMENT_FLOOR_MAX = 16;

export interface ApartmentDraft {
  name: string;
  floor: string | null;
}

/** Whether the text holds a control character (C0 or DEL): none belongs in a name or a CSV cell. */
export const hasControlCharacter = (text: string): boolean =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** Checks and trims an apartment's name and floor; an empty floor is no floor. */
export function checkApartment(input: {
  name: string;
  floor?: string | null | undefined;
}): { ok: true; value: ApartmentDraft } | { ok: false; fields: FieldError[] } {
  const fields: FieldError[] = [];
  const name = input.name.trim();
  const floor = input.floor?.trim() ?? '';
  if (name === '') fields.push({ field: 'name', message: 'Enter the apartment number or name.' });
  else if (name.length > APARTMENT_NAME_MAX) {
    fields.push({
      field: 'name',
      message: `An apartment number or name has at most ${APARTMENT_NAME_MAX} characters.`,
    });
  } else if (hasControlCharacter(name) || name.includes('/')) {
    fields.push({
      field: 'name',
      message: 'An apartment number or name cannot hold "/" or control characters.',
    });
  }
  if (floor.length > APARTMENT_FLOOR_MAX) {
    fields.push({
      field: 'floor',
      message: `A floor has at most ${APARTMENT_FLOOR_MAX} characters, e.g. "3", "-1" or "G".`,
    });
  } else if (hasControlCharacter(floor)) {
    fields.push({ field: 'floor', message: 'A floor cannot hold control characters.' });
  }
  if (fields.length > 0) return { ok: false, fields };
  return { ok: true, value: { name, floor: floor === '' ? null : floor } };
}

/** Orders apartment names as people count them: "2" before "10", "A2" before "A10". */
export const compareApartmentNames = (a: string, b: string): number =>
  a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);

/**
 * The one apartment a family home is created with: named like the site (the house), so the
 * device's directory shows `/<house>`; cut to the apartment name limit, "/" replaced.
 */
export function familyHomeApartmentName(siteName: string): string {
  const name = [...siteName]
    .filter((c) => !hasControlCharacter(c))
    .join('')
    .replace(/\//g, '-')
    .trim();
  return name.slice(0, APARTMENT_NAME_MAX).trim() || '1';
}
