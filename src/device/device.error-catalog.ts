import type { DeviceError } from './device.errors.ts';

/**
 * The device's own error catalog: every error the web administration answers, both the admin
 * JSON API under /admin/api (`{error: {code, message, field?, reason?}}`) and the classic pages
 * under /classic (an HTML page with the same status, or a redirect). The vendor HTTP API under
 * /api keeps the manual's numbered errors (device.errors.ts). docs/device-errors.md is
 * generated from this table (`npm run docs:device-errors`); test/device/error-catalog.test.ts
 * keeps the two in step and checks live answers against the patterns.
 */
export interface DeviceCatalogEntry {
  status: number;
  /**
   * The message, or its pattern: `{name}` stands for a value filled in when answering
   * (`{hint}` is the sentence of the service that refused, saying what to change).
   */
  message: string;
  /** When the device answers it. */
  cause: string;
  /** What the classic interface shows instead of the JSON body. */
  classic: string;
}

export const deviceErrorCatalog = {
  LOGIN_REQUIRED: {
    status: 401,
    message: 'Log in to the device first (POST /admin/api/login with user admin).',
    cause:
      'The request has no session cookie, or its session ended (15 minutes idle, restart, logout).',
    classic: 'A redirect (303) to /classic/login; an ended session adds ?m=expired.',
  },
  LOGIN_FAILED: {
    status: 401,
    message:
      'The user name or password is wrong. A new or reset device uses admin / 2n; if the password is lost, reset the device to factory settings.',
    cause: 'No administrator matches the user name and password.',
    classic: 'The login page again (401), the message under the password field.',
  },
  LOGIN_BLOCKED: {
    status: 429,
    message:
      'Too many wrong passwords; logins are blocked for {seconds} more seconds. Wait, then try again with the right password.',
    cause:
      'Five wrong passwords within a minute from one address; the Retry-After header says how long.',
    classic: 'The login page again (429), the message under the password field.',
  },
  CSRF_TOKEN_INVALID: {
    status: 403,
    message: 'Send the csrfToken from the login reply in the X-CSRF-Token header.',
    cause:
      "A change (any method but GET) without the session's CSRF token: the X-CSRF-Token header for the admin API, the hidden _csrf field for classic forms.",
    classic:
      'A "Refused" page (403) that asks to open the page again from the menu; an upload is refused before its file is stored.',
  },
  PASSWORD_CHANGE_REQUIRED: {
    status: 403,
    message:
      'The administrator still has the factory password "2n". Change it first (POST /admin/api/password); every other action is refused until then.',
    cause:
      'The factory password is still set; only login, logout, session and the password change are allowed.',
    classic: 'A redirect (303) to /classic/password, the forced change.',
  },
  VALIDATION_FAILED: {
    status: 400,
    message: '{hint}',
    cause:
      'A field is missing or its value is refused; "field" names it (e.g. ipAddress, netmask, switchOnDuration), "reason" says which of several cases applies (restore: wrong-password, corrupted, …). Nothing was changed.',
    classic:
      'The same page again (400) with the message beside the named field and the values typed.',
  },
  NOTHING_PENDING: {
    status: 409,
    message: '{hint}',
    cause:
      'The action needs something that is not there, e.g. applying or rejecting firmware when none is waiting.',
    classic: 'The page again (409) with the message.',
  },
  TOO_BIG: {
    status: 413,
    message: '{hint}',
    cause: 'A request body or an uploaded file is larger than the device accepts for it.',
    classic: 'The page again (413) with the message beside the file field.',
  },
  BAD_REQUEST: {
    status: 400,
    message: 'The request could not be read ({detail}); check its format.',
    cause: 'The body is not valid JSON, form data or multipart data.',
    classic: 'An error page (400): "The device could not read the form."',
  },
  NOT_FOUND: {
    status: 404,
    message:
      'Nothing at {method} {path}; the HTTP API is under /api/, the administration under /admin/api/, the classic web interface under /classic/.',
    cause: 'No route has this path and method.',
    classic: 'The same JSON answer (there is no classic page at an unknown address).',
  },
  INTERNAL: {
    status: 500,
    message: 'The device could not process the request; try again.',
    cause: 'An unexpected failure; the device log has the details.',
    classic: 'An error page (500) with the same sentence.',
  },
} as const satisfies Record<string, DeviceCatalogEntry>;

export type DeviceErrorCode = keyof typeof deviceErrorCatalog;

/** The JSON body of an admin API error. */
export interface DeviceErrorBody {
  error: { code: DeviceErrorCode; message: string; field?: string; reason?: string };
}

/** Fills a catalog pattern; a placeholder without a value stays visible rather than vanish. */
export function catalogMessage(code: DeviceErrorCode, values: Record<string, string> = {}): string {
  return deviceErrorCatalog[code].message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name]! : whole,
  );
}

/** A regular expression that matches every message the pattern of `code` can produce. */
export function catalogPattern(code: DeviceErrorCode): RegExp {
  const parts = deviceErrorCatalog[code].message.split(/\{\w+\}/);
  const escaped = parts.map((part) => part.replace(/[.*+?^$()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[\\s\\S]+')}$`);
}

export interface CatalogAnswer {
  code: DeviceErrorCode;
  status: number;
  body: DeviceErrorBody;
}

/** The answer for a catalog code, with the values of its pattern and the optional details. */
export function catalogAnswer(
  code: DeviceErrorCode,
  values: Record<string, string> = {},
  details: { field?: string | undefined; reason?: string | undefined } = {},
): CatalogAnswer {
  return {
    code,
    status: deviceErrorCatalog[code].status,
    body: {
      error: {
        code,
        message: catalogMessage(code, values),
        ...(details.field ? { field: details.field } : {}),
        ...(details.reason ? { reason: details.reason } : {}),
      },
    },
  };
}

/** Which catalog code a service refusal (a vendor-coded DeviceError) becomes. */
export function catalogCodeOf(error: DeviceError): DeviceErrorCode {
  if (error.code === 13) return 'TOO_BIG';
  if (error.code === 15) return 'NOTHING_PENDING';
  return 'VALIDATION_FAILED';
}

/** A service refusal as the web administration answers it: the hint, the field, the reason. */
export function answerFor(error: DeviceError): CatalogAnswer {
  return catalogAnswer(
    catalogCodeOf(error),
    { hint: error.hint },
    { field: error.param, reason: error.reason },
  );
}
