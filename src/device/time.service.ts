import type { ConfigStore } from './config.store.ts';
import type { DeviceConfig } from './config.model.ts';
import { invalidParam, missingParam } from './device.errors.ts';

/** §5.1.5: the latest time the device accepts (the 32-bit UNIX limit). */
export const MAX_UTC_TIME = 2_147_483_647;
/** §5.1.5: "min BuildTime"; this emulator's firmware line was built after 2020-01-01. */
export const BUILD_TIME = 1_577_836_800;

/**
 * §5.1.7 (5.1.8 in older manuals) api/system/timezone/caps: the zone names the device knows.
 * Node's IANA list plus the Etc aliases the manual's example lists.
 */
export const TIME_ZONES: readonly string[] = [
  ...new Set([...Intl.supportedValuesOf('timeZone'), 'Etc/GMT', 'Etc/UTC', 'Etc/UCT']),
].sort();

const CUSTOM_ZONE = /^UTC([+-])(\d{2}):(\d{2})$/;
/** UTC−12:00 to UTC+14:00, the range of zones in use. */
const CUSTOM_RANGE = { min: -12 * 60, max: 14 * 60 };

export type TimeSettings = DeviceConfig['time'];

export const DEFAULT_TIME: TimeSettings = {
  automatic: true,
  ntpServer: 'pool.ntp.org',
  zoneAutomatic: false,
  zone: 'Etc/UTC',
  customZone: '',
};

/** The manual writes the offset with a minus sign (U+2212); integrations send a hyphen. */
export const normalizeCustomZone = (text: string) => text.trim().replace('\u2212', '-');

/** Minutes east of UTC of a custom zone such as `UTC+05:30`, or null if it is not one. */
export function customZoneMinutes(text: string): number | null {
  const match = CUSTOM_ZONE.exec(normalizeCustomZone(text));
  if (!match) return null;
  const [, sign, hours, minutes] = match;
  if (Number(minutes) > 59) return null;
  const value = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
  return value >= CUSTOM_RANGE.min && value <= CUSTOM_RANGE.max ? value : null;
}

/** Minutes east of UTC of an IANA zone at `date` (daylight saving time included). */
function ianaZoneMinutes(zone: string, date: Date): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(date)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

/**
 * The device clock and its time zone (2N HTTP API §5.1.5–§5.1.7). The clock is the host's
 * (standing in for NTP) shifted by what `system/time` set; the zone settings are configuration.
 * `tzShift` is what the event log stamps on each entry: local time minus UTC, in minutes.
 */
export class TimeService {
  #clockOffsetMs = 0;

  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  get settings(): TimeSettings {
    return this.config.current.time;
  }

  utcTime(): number {
    return Math.floor((Date.now() + this.#clockOffsetMs) / 1000);
  }

  /** Sets the clock for this run (a restart of the process forgets it, as NTP would correct it). */
  setUtcTime(seconds: number): void {
    this.#clockOffsetMs = seconds * 1000 - Date.now();
  }

  /** §5.1.5 PUT: `automatic` (time from NTP), else `utcTime`; `server` in both cases. */
  async setTime(input: { automatic?: boolean; utcTime?: number; server?: string }): Promise<void> {
    if (input.server !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(input.server))
      throw invalidParam('server', 'Give the NTP server as an IPv4 address or a domain name.');
    if (input.automatic !== true && input.utcTime === undefined)
      throw missingParam('utcTime', 'Give utcTime in UNIX seconds, or automatic=1 to use NTP.');
    await this.config.update('time settings changed', (draft) => {
      draft.time.automatic = input.automatic === true;
      if (input.server !== undefined) draft.time.ntpServer = input.server;
    });
    if (input.automatic === true) this.#clockOffsetMs = 0;
    else this.setUtcTime(input.utcTime!);
  }

  /** §5.1.6 GET: `{automatic, zone}`, plus `custom` for a custom zone. */
  timezone(): { automatic: boolean; zone: string; custom?: string } {
    const { zoneAutomatic, zone, customZone } = this.settings;
    return zone === 'custom'
      ? { automatic: zoneAutomatic, zone, custom: customZone }
      : { automatic: zoneAutomatic, zone };
  }

  /**
   * §5.1.6 PUT: `automatic=1` alone, or a zone from the caps list, or `zone=custom` with
   * `custom=UTC±HH:MM`. Checked whole before anything is saved.
   */
  async setTimezone(input: { automatic?: boolean; zone?: string; custom?: string }): Promise<void> {
    if (input.automatic === true) {
      await this.config.update('time zone set to automatic', (draft) => {
        draft.time.zoneAutomatic = true;
      });
      return;
    }
    if (input.zone === undefined)
      throw missingParam(
        'zone',
        'Give zone=<name> (see /api/system/timezone/caps) or automatic=1.',
      );
    let customZone = '';
    if (input.zone === 'custom') {
      if (input.custom === undefined)
        throw missingParam('custom', 'Give custom=UTC+01:00 (or another offset) with zone=custom.');
      if (customZoneMinutes(input.custom) === null)
        throw invalidParam(
          'custom',
          'Write the custom zone as UTC+HH:MM or UTC-HH:MM, from UTC-12:00 to UTC+14:00.',
        );
      customZone = normalizeCustomZone(input.custom);
    } else if (!TIME_ZONES.includes(input.zone)) {
      throw invalidParam(
        'zone',
        `There is no time zone "${input.zone}"; use a name from /api/system/timezone/caps or zone=custom.`,
      );
    }
    await this.config.update('time zone changed', (draft) => {
      draft.time.zoneAutomatic = false;
      draft.time.zone = input.zone!;
      draft.time.customZone = customZone;
    });
  }

  /** Local time minus UTC in minutes at `utcSeconds` (now if omitted). */
  tzShift(utcSeconds = this.utcTime()): number {
    const { zone, customZone } = this.settings;
    if (zone === 'custom') return customZoneMinutes(customZone) ?? 0;
    return ianaZoneMinutes(zone, new Date(utcSeconds * 1000));
  }
}
