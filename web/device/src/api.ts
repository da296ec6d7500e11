/** The device's admin JSON API (/admin/api): session cookie + X-CSRF-Token on every change. */
import type { components } from '../../../src/client/device-admin.openapi.ts';

// The answers' types come from the device's own OpenAPI document (/admin/openapi.json,
// generated into src/client by `npm run build:client`), so they cannot drift from the routes.
type Schemas = components['schemas'];

export type Session = Schemas['Session'];
export type CloudLink = Schemas['CloudLink'];
export type SystemInfo = Schemas['SystemInfo'];
export type SecurityCodeView = Schemas['SecurityCodeView'];
export type NetworkSettings = Schemas['NetworkSettings'];
export type ApiAccountView = Schemas['ApiAccountView'];
export type DeviceConfigView = Schemas['DeviceConfigView'];
export type SwitchView = Schemas['SwitchView'];
export type DirectoryUser = Schemas['DirectoryUser'];
/** A call session as /api/call/status and the front panel show it. */
export type CallSessionView = Schemas['CallSessionView'];
/** GET /admin/api/front-panel: the emulator's front panel and what it caused lately. */
export type FrontPanelView = Schemas['FrontPanelView'];
/** The answer to a code or card at the front panel. */
export type CredentialResult = Schemas['CredentialResult'];
export type FirmwareUpload = Schemas['FirmwareUpload'];

/** An answer `{error: {code, message, field?}}` of the admin API. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onLoggedOut: (message: string) => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when the device answers 401 (session ended: restart, reset, idle timeout). */
export function setLoggedOutHandler(handler: (message: string) => void): void {
  onLoggedOut = handler;
}

async function toError(response: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string; field?: string } } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // Not JSON (a proxy, a cut connection): the status says enough.
  }
  const error = new ApiError(
    response.status,
    body.error?.code ?? 'HTTP_' + response.status,
    body.error?.message ?? `The device answered ${response.status}; try again.`,
    body.error?.field,
  );
  if (response.status === 401 && error.code === 'LOGIN_REQUIRED') {
    onLoggedOut('Your session ended. Log in again.');
  }
  return error;
}

async function send(method: string, path: string, body?: unknown | FormData): Promise<Response> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response: Response;
  try {
    // Relative to the document base, so the interface works at / and under a prefix
    // (the cloud's remote configuration, /remote/<token>/, issue 19).
    response = await fetch(`admin/api/${path}`, {
      method,
      headers,
      body: payload,
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The device did not answer; check the connection.');
  }
  if (!response.ok) throw await toError(response);
  return response;
}

export async function api<T = void>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A POST that answers a file (the backup): its bytes and the name the device gave it. */
export async function download(
  path: string,
  body: unknown,
): Promise<{ blob: Blob; filename: string }> {
  const response = await send('POST', path, body);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'backup';
  return { blob: await response.blob(), filename };
}

export function postForm(path: string, form: FormData): Promise<Response> {
  return send('POST', path, form);
}

/** PUT of a file with upload progress (fetch has none): XMLHttpRequest's upload events. */
export function uploadWithProgress<T>(
  path: string,
  file: Blob,
  onProgress: (loaded: number, total: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `admin/api/${path}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'NETWORK', 'The upload was cut off; check the connection.'));
    xhr.onload = () => {
      let body: { error?: { code?: string; message?: string; field?: string } } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // handled below
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve(body as T);
      } else {
        if (xhr.status === 401) onLoggedOut('Your session ended. Log in again.');
        reject(
          new ApiError(
            xhr.status,
            body.error?.code ?? 'HTTP_' + xhr.status,
            body.error?.message ?? `The device answered ${xhr.status}; try again.`,
            body.error?.field,
          ),
        );
      }
    };
    xhr.send(file);
  });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
