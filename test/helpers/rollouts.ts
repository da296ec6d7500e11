import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { makeFirmwareImage } from '../../src/core/firmware.format.ts';
import type { RunningCloud } from '../../src/cloud/cloud.ts';
import { firmwareRepo } from '../../src/cloud/store/repos/firmware.repo.ts';

/** Adds an image to the operator's catalogue (as `latchkey firmware add --data` does). */
export async function addOperatorFirmware(
  cloud: RunningCloud,
  version: string,
  options: { model?: string; payloadBytes?: number; companyId?: string | null } = {},
) {
  const model = options.model ?? '2N IP Verso';
  const content = makeFirmwareImage(
    { model, version },
    randomBytes(options.payloadBytes ?? 64 * 1024),
  );
  const sha256 = createHash('sha256').update(content).digest('hex');
  const now = new Date().toISOString();
  const repo = firmwareRepo(cloud.store.db);
  await repo.putBlob(sha256, content, now);
  const id = randomUUID();
  await repo.insertImage({
    id,
    company_id: options.companyId ?? null,
    model,
    version,
    sha256,
    bytes: content.length,
    filename: `verso-${version}.bin`,
    added_by: null,
    created_at: now,
  });
  return { id, sha256, content, version, model };
}

/** Flips one byte of the stored image, as a disk or a transfer might. */
export async function corruptStoredFirmware(cloud: RunningCloud, sha256: string) {
  const row = await cloud.store.db
    .selectFrom('firmware_blobs')
    .select('content')
    .where('sha256', '=', sha256)
    .executeTakeFirstOrThrow();
  const content = Buffer.from(row.content);
  content[content.length - 10]! ^= 0xff;
  await cloud.store.db
    .updateTable('firmware_blobs')
    .set({ content })
    .where('sha256', '=', sha256)
    .execute();
}
