import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { basic, startTestDevice, type Envelope } from '../helpers.ts';

export const USER = 'integrator';
export const PASS = 'api-pass-1';

/** A device with one HTTP API account (every privilege, HTTP allowed) and a JSON caller. */
export async function apiDevice(t: TestContext) {
  const running = await startTestDevice(t, { apiAccounts: [{ username: USER, password: PASS }] });
  const call = async <T = Record<string, unknown>>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${running.url}/api/${path}`, {
      ...init,
      headers: {
        authorization: basic(USER, PASS),
        ...(init.headers as Record<string, string>),
      },
    });
    return (await response.json()) as Envelope<T>;
  };
  const json = <T = Record<string, unknown>>(method: string, path: string, body: unknown) =>
    call<T>(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return { ...running, call, json };
}

export function resultOf<T>(body: Envelope<T>): T {
  assert.equal(body.success, true, JSON.stringify(body));
  return (body as { result: T }).result;
}

export function errorOf(body: Envelope) {
  assert.equal(body.success, false, JSON.stringify(body));
  return (body as Extract<Envelope, { success: false }>).error;
}
