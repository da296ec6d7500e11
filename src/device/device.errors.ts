/**
 * The vendor's HTTP API error codes (2N HTTP API §2.3 "Replies to Requests"; 18 from §5.17.1).
 * Every argument error (11, 12, 13) names the parameter that is wrong in `param`.
 */
export const API_ERRORS = {
  1: 'function is not supported',
  2: 'invalid request path',
  3: 'invalid request method',
  4: 'function is disabled',
  7: 'connection requires HTTPS',
  8: 'invalid authentication method',
  9: 'authorization required',
  10: 'insufficient user privileges',
  11: 'missing mandatory parameter',
  12: 'invalid parameter value',
  13: 'parameter data too big',
  14: 'request processing error',
  15: 'no data available',
  18: 'access point disabled',
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * A refusal from a device service, carrying the vendor error code and a sentence that says
 * what to do. The HTTP API renders it as the vendor envelope, the admin API as JSON.
 */
export class DeviceError extends Error {
  override name = 'DeviceError';
  readonly code: ApiErrorCode;
  readonly hint: string;
  readonly param?: string;
  /** A machine-readable reason where one code covers several cases (e.g. restore problems). */
  readonly reason?: string;
  constructor(code: ApiErrorCode, hint: string, param?: string, reason?: string) {
    super(`${API_ERRORS[code]}: ${hint}`);
    this.code = code;
    this.hint = hint;
    this.param = param;
    this.reason = reason;
  }
}

export const invalidParam = (param: string, hint: string) => new DeviceError(12, hint, param);
export const missingParam = (param: string, hint?: string) =>
  new DeviceError(11, hint ?? `Add the "${param}" parameter to the request.`, param);
