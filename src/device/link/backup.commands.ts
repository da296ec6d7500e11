import { Readable } from 'node:stream';
import { openForDevice, sealToSite } from '../../core/backup-seal.ts';
import type { ReplyMessage } from '../../core/link.protocol.ts';
import { DeviceError } from '../device.errors.ts';
import type { Device } from '../device.ts';
import { MAX_RESTORE_BYTES, restoreTooBig, RESTORE_UPLOAD } from '../maintenance.service.ts';

/** How long one transfer of a backup may take: the cloud waits 30 s for the reply. */
export const BACKUP_TRANSFER_TIMEOUT_MS = 20_000;
/** A restore's sealed bytes: the largest backup the device accepts and the seal's 33 bytes. */
const MAX_SEALED_RESTORE_BYTES = MAX_RESTORE_BYTES + 33;

const refuse = (id: string, error: string): ReplyMessage => ({ id, ok: false, error });

/** Only the cloud's own single-use URLs: http(s), nothing the device would read as a file. */
function transferUrl(value: unknown): URL | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/**
 * Issue 19 `backup-upload {backupId, url, sitePublicKey}`: the same backup Maintenance → Backup
 * makes (the configuration XML, no password), sealed to the site's public key so that the
 * device never holds anything that opens it, and PUT to the cloud's single-use URL. The reply
 * comes once the PUT is answered.
 */
export async function backupUpload(
  device: Device,
  id: string,
  args: Record<string, unknown>,
): Promise<ReplyMessage> {
  const url = transferUrl(args.url);
  const { backupId, sitePublicKey } = args;
  if (!url || typeof backupId !== 'string' || typeof sitePublicKey !== 'string') {
    return refuse(id, 'bad-args');
  }
  const file = await device.maintenance.backup();
  const sealed = sealToSite(file.body, sitePublicKey);
  if (!sealed.ok) return refuse(id, sealed.message);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(sealed.value),
      signal: AbortSignal.timeout(BACKUP_TRANSFER_TIMEOUT_MS),
    });
    await response.arrayBuffer();
  } catch (error) {
    return refuse(id, `the cloud could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) return refuse(id, `the cloud refused the backup (HTTP ${response.status})`);
  return { id, ok: true, result: { backupId, bytes: sealed.value.length } };
}

/** Reads at most `max` bytes of a response body; null when it is longer. */
async function boundedBody(response: Response, max: number): Promise<Buffer | null> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > max) {
    await response.body?.cancel();
    return null;
  }
  const chunks: Buffer[] = [];
  let length = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body) {
    length += chunk.length;
    if (length > max) {
      await response.body.cancel().catch(() => {});
      return null;
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * Issue 19 `backup-restore {url}`: fetches a backup the cloud sealed for this device alone,
 * opens it with the device secret, and restores it through the same path as the web
 * interfaces (an upload validated as a whole, then one atomic write, `config-restored`).
 * Bytes sealed for another device, or changed on the way, change nothing.
 */
export async function backupRestore(
  device: Device,
  id: string,
  args: Record<string, unknown>,
): Promise<ReplyMessage> {
  const url = transferUrl(args.url);
  if (!url) return refuse(id, 'bad-args');
  let sealed: Buffer | null;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(BACKUP_TRANSFER_TIMEOUT_MS) });
    if (!response.ok) {
      await response.body?.cancel();
      return refuse(id, `the cloud refused the download (HTTP ${response.status})`);
    }
    sealed = await boundedBody(response, MAX_SEALED_RESTORE_BYTES);
  } catch (error) {
    return refuse(id, `the cloud could not be reached (${(error as Error).message})`);
  }
  if (!sealed) return refuse(id, restoreTooBig().hint);
  const { secret, serialNumber } = device.identity;
  const opened = openForDevice(sealed, secret, serialNumber);
  if (!opened.ok) return refuse(id, `${opened.message}; nothing was changed`);
  try {
    const upload = await device.uploads.receive(Readable.from([opened.value]), RESTORE_UPLOAD);
    await device.maintenance.restore(upload);
  } catch (error) {
    if (error instanceof DeviceError) return refuse(id, error.hint);
    throw error;
  }
  return { id, ok: true, result: {} };
}
