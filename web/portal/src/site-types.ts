import type { SiteType } from './api.ts';

/** The kinds of site, in words (issue 17); the order is the order of the choice. */
export const SITE_TYPE_LABELS: Record<SiteType, string> = {
  'family-home': 'Family home',
  'apartment-building': 'Apartment building',
  other: 'Other',
};
