import { request, type Answer, type Device, type Page } from './api.ts';

/** Issue 18: a device as the company-wide views show it, with its location and its site. */
export type ListedDevice = Answer<'/api/devices', 'get'>['items'][number];

/** GET /api/devices/:serial: the device page (online history newest first; timeline null for a
 * role that may not read the site audit). */
export type DevicePageData = Answer<'/api/devices/{serialNumber}', 'get'>;

export interface DeviceFilter {
  query?: string;
  siteId?: string;
  online?: boolean;
}

const devicePath = (serial: string) => `/api/devices/${encodeURIComponent(serial)}`;

function searchQuery(filter: DeviceFilter, cursor: string | null): string {
  const params = new URLSearchParams({ limit: '50' });
  if (filter.query) params.set('query', filter.query);
  if (filter.siteId) params.set('siteId', filter.siteId);
  if (filter.online !== undefined) params.set('online', String(filter.online));
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

/** The device search, the device page and moving devices (issue 18). */
export const devicesApi = {
  search: (filter: DeviceFilter, cursor: string | null = null) =>
    request<Page<ListedDevice>>('GET', `/api/devices?${searchQuery(filter, cursor)}`),
  page: (serial: string) => request<DevicePageData>('GET', devicePath(serial)),
  move: (serial: string, siteId: string) =>
    request<Answer<'/api/devices/{serialNumber}/move', 'post'>>(
      'POST',
      `${devicePath(serial)}/move`,
      { siteId },
    ),
  describe: (
    siteId: string,
    serial: string,
    input: { name?: string | null; location?: string | null },
  ) =>
    request<Device>(
      'PATCH',
      `/api/sites/${encodeURIComponent(siteId)}/devices/${encodeURIComponent(serial)}`,
      input,
    ),
  /** Issue 19: the device's own web interfaces through the cloud, for the person who opens it. */
  openRemote: (siteId: string, serial: string) =>
    request<Answer<'/api/sites/{siteId}/devices/{serialNumber}/remote', 'post', 201>>(
      'POST',
      `/api/sites/${encodeURIComponent(siteId)}/devices/${encodeURIComponent(serial)}/remote`,
      {},
    ),
};
