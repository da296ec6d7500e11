/**
 * Buildings (issue 17): what a site holds besides its devices. Pure types and limits; the
 * rules that check them live in resident.rules.ts, the directory they become on a device in
 * provisioning.rules.ts.
 */

/** Chosen when a site is created and fixed afterwards; a family home gets its one apartment. */
export const SITE_TYPES = ['family-home', 'apartment-building', 'other'] as const;
export type SiteType = (typeof SITE_TYPES)[number];

/** Automatic: the cloud owns the device's cloud-managed directory entries; manual: it changes nothing. */
export const CONFIGURATION_MODES = ['automatic', 'manual'] as const;
export type ConfigurationMode = (typeof CONFIGURATION_MODES)[number];

export const SYNC_STATES = ['in-sync', 'pending', 'failed'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

/**
 * What one directory entry of the device holds (2N HTTP API §5.14.1): one `access.pin` and two
 * `access.card` ids. A resident is one entry on each device they may open, so these are the
 * resident's limits too (docs/decisions.md, "Buildings").
 */
export const MAX_PINS_PER_RESIDENT = 1;
export const MAX_CARDS_PER_RESIDENT = 2;
/** The emulated unit's switches (device config.model.ts SWITCH_COUNT). */
export const SWITCHES_PER_DEVICE = 4;
/** The device directory's capacity (device config.model.ts MAX_DIRECTORY_USERS). */
export const MAX_RESIDENTS_PER_SITE = 2000;

/** The directory entries' `owner` that marks them cloud-managed on the device (2N HTTP API §5.14.1). */
export const CLOUD_ENTRY_OWNER = 'My2N';

export interface ResidentAccess {
  serialNumber: string;
  /** 1–4. */
  switch: number;
}

/** A resident as the services see it, credentials opened. Times are ISO 8601, null for no limit. */
export interface Resident {
  id: string;
  siteId: string;
  apartmentId: string;
  apartmentName: string;
  name: string;
  email: string | null;
  pins: string[];
  cards: string[];
  validFrom: string | null;
  validTo: string | null;
  enabled: boolean;
  /** The directory's call peer: a SIP number or URI, or an app user; null for none. */
  callTarget: string | null;
  access: ResidentAccess[];
}
