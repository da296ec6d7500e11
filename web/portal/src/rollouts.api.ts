import { request } from './api.ts';

/** Issue 19: a firmware image of the catalogue, as GET /api/firmware lists it. */
export interface FirmwareImage {
  id: string;
  model: string;
  version: string;
  bytes: number;
}

export type RolloutState = 'running' | 'done' | 'stopped' | 'cancelled';

export interface RolloutCounts {
  total: number;
  pending: number;
  inProgress: number;
  done: number;
  failed: number;
  skipped: number;
  cancelled: number;
}

export interface RolloutSummary {
  id: string;
  state: RolloutState;
  firmware: { id: string; model: string; version: string };
  concurrency: number;
  stopWhenFailedPercent: number;
  createdAt: string;
  finishedAt: string | null;
  reason: string | null;
  counts: RolloutCounts;
}

export interface RolloutDevice {
  serialNumber: string;
  siteId: string;
  step: string;
  percent?: number;
  error?: string;
  fromVersion: string | null;
}

export interface Rollout extends RolloutSummary {
  devices: RolloutDevice[];
}

export interface StartRollout {
  firmwareId: string;
  siteId?: string;
  serialNumbers?: string[];
  concurrency?: number;
  stopWhenFailedPercent?: number;
  allowDowngrade?: boolean;
}

/** Firmware rollouts (issue 19). */
export const rolloutsApi = {
  firmware: () => request<{ items: FirmwareImage[] }>('GET', '/api/firmware'),
  list: () => request<{ items: RolloutSummary[] }>('GET', '/api/rollouts'),
  get: (id: string) => request<Rollout>('GET', `/api/rollouts/${encodeURIComponent(id)}`),
  start: (body: StartRollout) => request<{ id: string }>('POST', '/api/rollouts', body),
  cancel: (id: string) =>
    request<Rollout>('POST', `/api/rollouts/${encodeURIComponent(id)}/cancel`, {}),
};
