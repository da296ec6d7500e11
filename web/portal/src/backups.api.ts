import { request, type Answer } from './api.ts';

/** Issue 19: a stored configuration backup of a device in one site. */
export type Backup = Answer<
  '/api/sites/{siteId}/devices/{serialNumber}/backups',
  'get'
>['items'][number];

export type BackupSettings = Answer<'/api/sites/{siteId}/backup-settings', 'get'>;

const backupsPath = (siteId: string, serial: string) =>
  `/api/sites/${encodeURIComponent(siteId)}/devices/${encodeURIComponent(serial)}/backups`;
const settingsPath = (siteId: string) => `/api/sites/${encodeURIComponent(siteId)}/backup-settings`;

/** Configuration backups kept in the cloud (issue 19). */
export const backupsApi = {
  list: (siteId: string, serial: string) =>
    request<{ items: Backup[] }>('GET', backupsPath(siteId, serial)),
  backUp: (siteId: string, serial: string) => request<Backup>('POST', backupsPath(siteId, serial)),
  restore: (siteId: string, serial: string, id: string) =>
    request<{ restored: Backup }>(
      'POST',
      `${backupsPath(siteId, serial)}/${encodeURIComponent(id)}/restore`,
    ),
  settings: (siteId: string) => request<BackupSettings>('GET', settingsPath(siteId)),
  saveSettings: (siteId: string, change: Partial<BackupSettings>) =>
    request<BackupSettings>('PATCH', settingsPath(siteId), change),
};
