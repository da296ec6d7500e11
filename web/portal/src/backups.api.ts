import { request } from './api.ts';

/** Issue 19: a stored configuration backup of a device in one site. */
export interface Backup {
  id: string;
  serialNumber: string;
  reason: 'daily' | 'manual';
  bytes: number;
  createdBy: string | null;
  createdAt: string;
  storedAt: string;
}

export interface BackupSettings {
  daily: boolean;
  keep: number;
}

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
