import assert from 'node:assert/strict';
import { basic, type Envelope } from '../helpers.ts';

/** The HTTP API account the vendor-API tests create (every privilege, Basic over HTTP). */
export const VENDOR_USER = 'integrator';
export const VENDOR_PASS = 'api-pass-1';
export const VENDOR_AUTH = { authorization: basic(VENDOR_USER, VENDOR_PASS) };

/** Calls a full HTTP API URL as that account; answers status, envelope and headers. */
export async function vendorCall<T = Record<string, unknown>>(url: string, init: RequestInit = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { ...VENDOR_AUTH, ...(init.headers as Record<string, string>) },
  });
  return {
    status: response.status,
    body: (await response.json()) as Envelope<T>,
    headers: response.headers,
  };
}

/** The error of a refused call's envelope. */
export function vendorError(body: Envelope) {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
}
