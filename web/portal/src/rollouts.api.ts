import { request, type Answer, type RequestBody } from './api.ts';

/** Issue 19: a firmware image of the catalogue, as GET /api/firmware lists it. */
export type FirmwareImage = Answer<'/api/firmware', 'get'>['items'][number];

export type Rollout = Answer<'/api/rollouts/{id}', 'get'>;
export type RolloutSummary = Answer<'/api/rollouts', 'get'>['items'][number];
export type RolloutState = RolloutSummary['state'];
export type RolloutCounts = RolloutSummary['counts'];
export type RolloutDevice = Rollout['devices'][number];
export type StartRollout = RequestBody<'/api/rollouts', 'post'>;

/** Firmware rollouts (issue 19). */
export const rolloutsApi = {
  firmware: () => request<{ items: FirmwareImage[] }>('GET', '/api/firmware'),
  list: () => request<{ items: RolloutSummary[] }>('GET', '/api/rollouts'),
  get: (id: string) => request<Rollout>('GET', `/api/rollouts/${encodeURIComponent(id)}`),
  start: (body: StartRollout) => request<{ id: string }>('POST', '/api/rollouts', body),
  cancel: (id: string) =>
    request<Rollout>('POST', `/api/rollouts/${encodeURIComponent(id)}/cancel`, {}),
};
