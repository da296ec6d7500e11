// The typed client for integrators, published as `latchkey/client` (package.json "exports",
// built to dist/client by tsconfig.client.json). The types are generated from the OpenAPI
// documents (scripts/openapi-client.ts); the transport is openapi-fetch.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
// Type-only, so erased at run time; `.js` because the built declarations (dist/client/*.d.ts)
// keep the specifier as written, and an integrator's compiler finds cloud.openapi.d.ts from it.
import type { paths as CloudPaths } from './cloud.openapi.js';
import type { paths as DeviceAdminPaths } from './device-admin.openapi.js';

export type { components, operations, paths } from './cloud.openapi.js';
export type {
  components as DeviceAdminComponents,
  operations as DeviceAdminOperations,
  paths as DeviceAdminPaths,
} from './device-admin.openapi.js';

export interface LatchkeyClientOptions {
  /** The cloud's address, e.g. `https://latchkey.example.com` (no trailing `/api`). */
  baseUrl: string;
  /** An API token (`POST /api/tokens`, or the portal's Account page), sent as a bearer token. */
  token?: string;
  /** Another fetch (a proxy agent, a test double); defaults to the global one. */
  fetch?: (input: Request) => Promise<Response>;
}

export type LatchkeyClient = Client<CloudPaths>;

/**
 * A client of the cloud's REST API, typed by its OpenAPI document: every path, parameter,
 * body and answer (errors are `{error: {code, message, cause, hints}}`).
 */
export function createLatchkeyClient(options: LatchkeyClientOptions): LatchkeyClient {
  return createClient<CloudPaths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // RFC 6750 §2.1: the bearer token in the Authorization header.
    ...(options.token ? { headers: { Authorization: `Bearer ${options.token}` } } : {}),
  });
}

export interface DeviceAdminClientOptions {
  /** The device's address, e.g. `http://192.168.1.50`. */
  baseUrl: string;
  fetch?: (input: Request) => Promise<Response>;
}

export type DeviceAdminClient = Client<DeviceAdminPaths>;

const LOGIN_PATH = '/admin/api/login';

/**
 * Keeps the admin session a login opens: the session cookie (outside a browser, where fetch
 * keeps none) and the CSRF token every change must carry in X-CSRF-Token.
 */
function adminSession(): Middleware {
  let cookie = '';
  let csrfToken = '';
  return {
    onRequest({ request }) {
      if (cookie && !request.headers.has('Cookie')) request.headers.set('Cookie', cookie);
      if (csrfToken && request.method !== 'GET') request.headers.set('X-CSRF-Token', csrfToken);
      return request;
    },
    async onResponse({ request, response }) {
      if (!response.ok || !new URL(request.url).pathname.endsWith(LOGIN_PATH)) return response;
      // RFC 6265 §5.4: only the name=value pair goes back in Cookie.
      const cookies = response.headers.getSetCookie().map((line) => line.split(';', 1)[0]);
      if (cookies.length > 0) cookie = cookies.join('; ');
      const body = (await response.clone().json()) as { csrfToken?: string };
      csrfToken = body.csrfToken ?? '';
      return response;
    },
  };
}

/**
 * A client of the device's admin JSON API (/admin/api), typed by its /admin/openapi.json.
 * After `POST /admin/api/login` it sends the session cookie and CSRF token by itself.
 */
export function createDeviceAdminClient(options: DeviceAdminClientOptions): DeviceAdminClient {
  const client = createClient<DeviceAdminPaths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(adminSession());
  return client;
}
