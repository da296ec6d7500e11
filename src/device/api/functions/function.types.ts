import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { ApiAccount, Privilege, ServiceName } from '../../config.model.ts';
import type { Device } from '../../device.ts';
import type { UploadLimit } from '../../upload.store.ts';
import type { Params } from '../params.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiContext {
  device: Device;
  /** The authenticated HTTP API account; null when the service needs no authentication. */
  account: ApiAccount | null;
  params: Params;
  body: unknown;
  request: FastifyRequest;
  signal: AbortSignal;
}

export type ApiOutput =
  | { kind: 'result'; result?: unknown }
  | { kind: 'file'; body: Buffer; contentType: string; filename?: string }
  /** A body sent as it is produced, until the client closes (camera/snapshot's server push). */
  | { kind: 'stream'; body: Readable; contentType: string };

/**
 * How far the emulator follows the manual for one function; docs/http-api.md is generated
 * from this. `missing` says, for a partly supported function, what it does not do.
 */
export interface ManualEntry {
  /** The manual's section, e.g. "5.7.2" (2N IP HTTP API manual, EN 3.x). */
  section: string;
  support: 'full' | 'partial';
  missing?: string;
}

export interface ApiFunction {
  methods: Method[];
  service: ServiceName;
  /**
   * Privilege an account needs; none means any authenticated account may call it. A list
   * means any one of them, where manual versions name different groups for one function.
   */
  privilege?: Privilege | readonly Privilege[];
  /**
   * The file the function takes (multipart field or raw body), streamed to disk with its cap;
   * `alsoFields` are further multipart file fields with the same cap (a certificate's key).
   */
  upload?: { field: string; limit: UploadLimit; alsoFields?: string[] };
  manual?: ManualEntry;
  handle(ctx: ApiContext): Promise<ApiOutput> | ApiOutput;
}

export const result = (value?: unknown): ApiOutput => ({ kind: 'result', result: value });
export const READ: Method[] = ['GET', 'POST'];

/**
 * The answer of a control function (switch/ctrl §5.4.3, io/ctrl §5.5.3): with `response`, that
 * text (maybe empty) as text/plain instead of the JSON envelope, for devices that call URLs.
 */
export function controlAnswer(params: Params): ApiOutput {
  const response = params.string('response');
  if (response === undefined) return result();
  return {
    kind: 'file',
    body: Buffer.from(response, 'utf8'),
    contentType: 'text/plain; charset=utf-8',
  };
}
