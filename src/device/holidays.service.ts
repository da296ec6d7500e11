import type { ConfigStore } from './config.store.ts';
import { invalidParam } from './device.errors.ts';

/**
 * Dates a calendar can hold: every day of a year, and then some for dates of given years; far
 * more than any country's bank holidays for years ahead.
 */
export const MAX_HOLIDAYS = 512;

const HOLIDAY_DATE = /^(\d{2})\/(\d{2})(?:\/(\d{4}))?$/;
/** Days per month; February has 29 for a yearly holiday (it applies in leap years). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** 2N HTTP API §5.3.3: DD/MM for a holiday every year, DD/MM/YYYY for that year only. */
export function isHolidayDate(text: string): boolean {
  const match = HOLIDAY_DATE.exec(text);
  if (!match) return false;
  const [day, month, year] = [Number(match[1]), Number(match[2]), match[3]];
  if (month < 1 || month > 12 || day < 1) return false;
  if (year !== undefined) {
    const y = Number(year);
    if (y < 1970 || y > 2099) return false;
    if (month === 2 && !isLeapYear(y)) return day <= 28;
  }
  return day <= MONTH_DAYS[month - 1]!;
}

/**
 * The holiday calendar (2N HTTP API §5.3.3): the bank holidays time profiles treat as such,
 * kept in the configuration (so backups and restores carry it). PUT replaces the whole list.
 */
export class HolidaysService {
  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  dates(): string[] {
    return [...this.config.current.holidays.dates];
  }

  /** Validates the whole list before anything changes: a bad date leaves the calendar as it was. */
  async replace(body: unknown): Promise<void> {
    const dates = parseHolidays(body);
    await this.config.update(`holiday calendar set (${dates.length} dates)`, (draft) => {
      draft.holidays.dates = dates;
    });
  }
}

/** `{"dates": ["01/01", "24/12", "01/04/2018"]}`; the same date twice is kept once. */
export function parseHolidays(body: unknown): string[] {
  const dates =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>).dates
      : undefined;
  if (!Array.isArray(dates)) {
    throw invalidParam(
      'blob-json',
      'Send the holidays as {"dates": ["01/01", "24/12", "01/04/2018"]}.',
    );
  }
  if (dates.length > MAX_HOLIDAYS) {
    throw invalidParam('dates', `The calendar holds at most ${MAX_HOLIDAYS} dates.`);
  }
  for (const [index, date] of dates.entries()) {
    if (typeof date !== 'string' || !isHolidayDate(date)) {
      throw invalidParam(
        `dates[${index}]`,
        'Give a real date as DD/MM (every year) or DD/MM/YYYY (that year only, 1970–2099), e.g. 24/12 or 01/04/2018.',
      );
    }
  }
  return [...new Set(dates as string[])];
}
