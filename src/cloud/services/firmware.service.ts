import { createHash, randomUUID } from 'node:crypto';
import { LatchkeyError } from '../../core/errors.ts';
import { checkFirmwareImage } from '../../core/firmware-catalogue.rules.ts';
import { MAX_FIRMWARE_BYTES } from '../../core/firmware.format.ts';
import { auditRepo } from '../store/repos/audit.repo.ts';
import { firmwareRepo } from '../store/repos/firmware.repo.ts';
import type { FirmwareImagesTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { auditRow } from './audit.service.ts';
import { iso, type Clock } from './clock.ts';
import { BlobCache } from './firmware.cache.ts';

/** The catalogue's entry as rollouts (issue 19, h2) and the API see it. */
export interface FirmwareImage {
  id: string;
  model: string;
  version: string;
  sha256: string;
  bytes: number;
  filename: string;
  /** `operator`: added with `latchkey firmware add`, offered to every company. */
  scope: 'operator' | 'company';
  createdAt: string;
}

/** Who adds an image: the operator (CLI on the cloud's own store) or a person over HTTP. */
export type Uploader = Actor | 'operator';

/** The most recent images' bytes kept in memory, so a rollout's downloads do not each read the database. */
export const CONTENT_CACHE_BYTES = 128 * 1024 * 1024;

const MAX_FILENAME = 200;

const publicImage = (row: FirmwareImagesTable): FirmwareImage => ({
  id: row.id,
  model: row.model,
  version: row.version,
  sha256: row.sha256,
  bytes: row.bytes,
  filename: row.filename,
  scope: row.company_id === null ? 'operator' : 'company',
  createdAt: row.created_at,
});

/** The file's own name, without folders or characters a listing could not show. */
function cleanFilename(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, MAX_FILENAME);
  return clean === '' ? 'firmware.bin' : clean;
}

/**
 * The firmware catalogue (issue 19): images a company may roll out to its devices. The
 * operator's are offered to every company; a company admin's only to that company, and only when
 * the server was started with --firmware-uploads. Bytes are stored once per SHA-256 digest.
 */
export function createFirmwareService(deps: {
  access: AccessService;
  store: Store;
  clock: Clock;
  /** `latchkey serve --firmware-uploads`: company admins may add images over HTTP. */
  uploadsAllowed: boolean;
  cacheBytes?: number;
}) {
  const { store } = deps;
  const cache = new BlobCache(deps.cacheBytes ?? CONTENT_CACHE_BYTES, (sha256) =>
    firmwareRepo(store.db).blob(sha256),
  );

  /** The company the image goes to (null: the operator's), if the uploader may add there. */
  async function catalogueOf(uploader: Uploader): Promise<string | null> {
    if (uploader === 'operator') return null;
    const { companyId } = await deps.access.requireCompany(uploader, 'company:admin');
    if (!deps.uploadsAllowed) throw new LatchkeyError('FIRMWARE_UPLOADS_DISABLED');
    return companyId;
  }

  return {
    /**
     * Whether the person may upload at all; the route asks before it reads a body of up to
     * 32 MiB, so a refused upload costs the server nothing.
     */
    async requireUploader(actor: Actor): Promise<void> {
      await catalogueOf(actor);
    },

    async add(
      uploader: Uploader,
      file: { filename: string; content: Buffer },
    ): Promise<{ created: boolean; image: FirmwareImage }> {
      const companyId = await catalogueOf(uploader);
      if (file.content.length > MAX_FIRMWARE_BYTES) throw new LatchkeyError('FIRMWARE_TOO_LARGE');
      const checked = checkFirmwareImage(file.content);
      if (!checked.ok)
        throw new LatchkeyError('FIRMWARE_IMAGE_INVALID', { cause: checked.problem });
      const { model, version } = checked.header;
      const sha256 = createHash('sha256').update(file.content).digest('hex');
      const actor = uploader === 'operator' ? null : uploader;
      const result = await store.transaction(async (trx) => {
        const repo = firmwareRepo(trx);
        const existing = await repo.imageByDigest(companyId, sha256);
        if (existing) return { created: false, row: existing };
        const clash = await repo.imageByVersion(companyId, model, version);
        if (clash) {
          throw new LatchkeyError('FIRMWARE_VERSION_CONFLICT', {
            cause: `The catalogue holds ${model} ${version} already, as ${clash.filename} with the digest ${clash.sha256}; this file's digest is ${sha256}.`,
          });
        }
        const now = iso(deps.clock.now());
        await repo.putBlob(sha256, file.content, now);
        const row: FirmwareImagesTable = {
          id: randomUUID(),
          company_id: companyId,
          model,
          version,
          sha256,
          bytes: file.content.length,
          filename: cleanFilename(file.filename),
          added_by: actor?.userId ?? null,
          created_at: now,
        };
        await repo.insertImage(row);
        // The operator's images belong to no company, so no company audit holds them; the
        // catalogue entry itself records when it came (docs/decisions/19-firmware.md).
        if (companyId !== null) {
          await auditRepo(trx).insertMany([
            auditRow(
              {
                companyId,
                siteId: null,
                actor,
                action: 'firmware.add',
                outcome: 'success',
                detail: { imageId: row.id, model, version, sha256, bytes: row.bytes },
              },
              now,
            ),
          ]);
        }
        return { created: true, row };
      });
      if (result.created) cache.put(sha256, file.content);
      return { created: result.created, image: publicImage(result.row) };
    },

    /** What the person's company may install: the operator's images and its own. */
    async list(actor: Actor): Promise<{ items: FirmwareImage[]; uploadsAllowed: boolean }> {
      const { companyId, role } = await deps.access.requireCompany(actor, 'company:read');
      const rows = await firmwareRepo(store.db).imagesFor(companyId);
      return {
        items: rows.map(publicImage),
        uploadsAllowed: deps.uploadsAllowed && role === 'admin',
      };
    },

    /** The image `id` when `companyId` may use it, else null (the rollouts service asks). */
    async imageFor(companyId: string, id: string): Promise<FirmwareImage | null> {
      const row = await firmwareRepo(store.db).image(id);
      if (!row || (row.company_id !== null && row.company_id !== companyId)) return null;
      return publicImage(row);
    },

    /** The bytes of an image by digest, for the device-facing download (cached, see BlobCache). */
    content: (sha256: string): Promise<Buffer | undefined> => cache.get(sha256),
  };
}

export type FirmwareService = ReturnType<typeof createFirmwareService>;
