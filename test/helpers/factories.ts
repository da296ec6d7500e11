import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { components, paths } from '../../src/client/cloud.openapi.ts';
import type { RunningCloud } from '../../src/cloud/cloud.ts';
import type { MintedDevice } from '../../src/cloud/services/registry.service.ts';
import { deriveSecurityCode, formatSecurityCode } from '../../src/core/security-code.rules.ts';
import { ApiClient, type ApiClientOptions } from './http.ts';

export const DEFAULT_PASSWORD = 'correct horse battery staple';

let accountCounter = 0;

/** A unique e-mail address for a new account. */
export function uniqueEmail(prefix = 'person'): string {
  accountCounter += 1;
  return `${prefix}-${accountCounter}-${randomBytes(4).toString('hex')}@example.com`;
}

/** What POST /api/auth/register answers (the generated types, src/client/cloud.openapi.ts). */
type Registered =
  paths['/api/auth/register']['post']['responses'][201]['content']['application/json'];

export interface Account {
  client: ApiClient;
  email: string;
  password: string;
  user: Registered['user'];
  /** Always set here: a registration without an invitation makes its own company. */
  company: NonNullable<Registered['company']>;
}

/** Registers an account over HTTP and returns a client signed in as it. */
export async function registerAccount(
  cloud: Pick<RunningCloud, 'url'>,
  overrides: { email?: string; password?: string; name?: string } = {},
  clientOptions: ApiClientOptions = {},
): Promise<Account> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const client = new ApiClient(cloud.url, clientOptions);
  const response = await client.post<Registered>('/api/auth/register', {
    email,
    password,
    name: overrides.name ?? `Person ${email.split('@')[0]}`,
  });
  assert.equal(response.status, 201, response.text);
  assert.ok(client.session, 'register sets the session cookie');
  const { user, company } = response.body;
  assert.ok(company, 'register creates a company');
  return { client, email, password, user, company };
}

export type Site = components['schemas']['Site'];

/** Creates a site over HTTP. */
export async function createSite(client: ApiClient, name = 'Main entrance'): Promise<Site> {
  const response = await client.post<Site>('/api/sites', { name });
  assert.equal(response.status, 201, response.text);
  return response.body;
}

/** Mints devices into the cloud's registry (as `latchkey mint` does). */
export function mintDevices(cloud: RunningCloud, count: number): Promise<MintedDevice[]> {
  return cloud.services.registry.mint({ count, model: '2N IP Verso' });
}

/** The identity a code is computed from: what `identity.json` holds. */
export interface DeviceIdentity {
  serialNumber: string;
  secret: Buffer;
}

/** The formatted security code of a generation, as the device shows it. */
export function codeFor(device: DeviceIdentity, generation: number): string {
  return formatSecurityCode(
    deriveSecurityCode(device.secret, device.serialNumber as never, generation),
  );
}

/** What *Generate New* on a device at `generation` shows: the code of `generation + 1`. */
export function nextCode(device: DeviceIdentity, generation: number): string {
  return codeFor(device, generation + 1);
}

/** Adds a device to a site over HTTP; returns the answer without asserting it. */
export function claim(
  client: ApiClient,
  siteId: string,
  serialNumber: string,
  securityCode: string,
) {
  return client.post(`/api/sites/${siteId}/devices`, { serialNumber, securityCode });
}

/**
 * Makes `account` a member of `companyId` with `role` and, for a member, grants on sites: the
 * rows an accepted invitation writes, straight into the database (fixtures for role tests).
 */
export async function joinCompany(
  cloud: RunningCloud,
  account: Pick<Account, 'user'>,
  companyId: string,
  role: 'admin' | 'member',
  sites: { siteId: string; role: 'site-admin' | 'viewer' }[] = [],
): Promise<void> {
  const now = new Date().toISOString();
  await cloud.store.db
    .insertInto('memberships')
    .values({ user_id: account.user.id, company_id: companyId, role, created_at: now })
    .execute();
  for (const site of sites) {
    await cloud.store.db
      .insertInto('site_memberships')
      .values({
        user_id: account.user.id,
        site_id: site.siteId,
        company_id: companyId,
        role: site.role,
        created_at: now,
      })
      .execute();
  }
}
