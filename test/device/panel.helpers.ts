import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { AdminClient, basic, startTestDevice, type Envelope } from './helpers.ts';

export const PANEL_USER = 'integrator';
export const PANEL_PASS = 'api-pass-1';
export const PANEL_ADMIN_PASSWORD = 'installer-pass-1';

export interface LogEntry {
  event: string;
  params: Record<string, unknown>;
}

/**
 * A device for front-panel and call tests: an HTTP API account with every privilege, the admin
 * signed in (the panel and the remote party live in the admin API), and log/subscribe + pull.
 */
export async function startPanelDevice(t: TestContext) {
  const running = await startTestDevice(t, {
    apiAccounts: [{ username: PANEL_USER, password: PANEL_PASS }],
    adminPassword: PANEL_ADMIN_PASSWORD,
  });
  const admin = new AdminClient(running.url);
  await admin.login(PANEL_ADMIN_PASSWORD);
  /** The vendor envelope of `/api/<path>`, success or not. */
  const envelope = async <T = Record<string, unknown>>(path: string) => {
    const response = await fetch(`${running.url}/api/${path}`, {
      headers: { authorization: basic(PANEL_USER, PANEL_PASS) },
    });
    return (await response.json()) as Envelope<T>;
  };
  /** The result of `/api/<path>`, which must succeed. */
  const api = async <T = Record<string, unknown>>(path: string) => {
    const body = await envelope<T>(path);
    assert.equal(body.success, true, JSON.stringify(body));
    return (body as { result: T }).result;
  };
  /** Subscribes to the log (optionally filtered); the pull returns what happened since. */
  const subscribe = async (filter?: string) => {
    const { id } = await api<{ id: number }>(
      `log/subscribe?include=new${filter ? `&filter=${filter}` : ''}`,
    );
    return async () =>
      (await api<{ events: LogEntry[] }>(`log/pull?id=${id}&timeout=0`)).events.map((e) => ({
        event: e.event,
        params: e.params,
      }));
  };
  return { ...running, admin, envelope, api, subscribe };
}
