import { randomUUID } from 'node:crypto';
import { insertApartment, insertResident } from '../../helpers/buildings.ts';
import {
  manageSite,
  readSite,
  withSuccess,
  type RoleFixture,
  type RouteRule,
} from './role-rules.ts';

/** A fresh apartment of site A (each request of the table needs its own). */
const apartmentOf = (f: RoleFixture) =>
  insertApartment(f.cloud, f.siteA.id, randomUUID().slice(0, 8));

/** Apartments, residents and the import (issue 17): viewers read, managers write. */
export const buildingRules: RouteRule[] = [
  {
    route: 'GET /api/sites/{siteId}/apartments',
    send: (f, _role, client) => client.get(`/api/sites/${f.siteA.id}/apartments`),
    expect: readSite,
  },
  {
    route: 'POST /api/sites/{siteId}/apartments',
    send: (f, _role, client) =>
      client.post(`/api/sites/${f.siteA.id}/apartments`, { name: randomUUID().slice(0, 8) }),
    expect: withSuccess(manageSite, 201),
  },
  {
    route: 'PATCH /api/sites/{siteId}/apartments/{id}',
    send: async (f, _role, client) => {
      const apartment = await apartmentOf(f);
      return client.patch(`/api/sites/${f.siteA.id}/apartments/${apartment.id}`, { floor: '2' });
    },
    expect: manageSite,
  },
  {
    route: 'DELETE /api/sites/{siteId}/apartments/{id}',
    send: async (f, _role, client) => {
      const apartment = await apartmentOf(f);
      return client.delete(`/api/sites/${f.siteA.id}/apartments/${apartment.id}`);
    },
    expect: withSuccess(manageSite, 204),
  },
  {
    route: 'GET /api/sites/{siteId}/residents',
    send: (f, _role, client) => client.get(`/api/sites/${f.siteA.id}/residents`),
    expect: readSite,
  },
  {
    route: 'POST /api/sites/{siteId}/residents',
    send: async (f, _role, client) => {
      const apartment = await apartmentOf(f);
      return client.post(`/api/sites/${f.siteA.id}/residents`, {
        name: 'Role table',
        apartmentId: apartment.id,
      });
    },
    expect: withSuccess(manageSite, 201),
  },
  {
    route: 'PATCH /api/sites/{siteId}/residents/{id}',
    send: async (f, _role, client) => {
      const resident = await insertResident(f.cloud, f.siteA.id, {
        apartmentId: (await apartmentOf(f)).id,
      });
      return client.patch(`/api/sites/${f.siteA.id}/residents/${resident.id}`, { name: 'Renamed' });
    },
    expect: manageSite,
  },
  {
    route: 'DELETE /api/sites/{siteId}/residents/{id}',
    send: async (f, _role, client) => {
      const resident = await insertResident(f.cloud, f.siteA.id, {
        apartmentId: (await apartmentOf(f)).id,
      });
      return client.delete(`/api/sites/${f.siteA.id}/residents/${resident.id}`);
    },
    expect: withSuccess(manageSite, 204),
  },
  {
    route: 'POST /api/sites/{siteId}/residents/import',
    send: (f, _role, client) =>
      client.request('POST', `/api/sites/${f.siteA.id}/residents/import`, {
        body: `apartment,name\n${randomUUID().slice(0, 8)},Imported\n`,
        headers: { 'content-type': 'text/csv' },
      }),
    expect: manageSite,
  },
];
