import type { Executor, FirmwareImagesTable } from '../schema.ts';

/** Issue 19: the firmware catalogue and the bytes of its images, once per digest. */
export function firmwareRepo(db: Executor) {
  return {
    /** Stores the bytes unless an image with this digest is stored already. */
    putBlob: (sha256: string, content: Buffer, now: string) =>
      db
        .insertInto('firmware_blobs')
        .values({ sha256, bytes: content.length, content, created_at: now })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute(),
    blob: async (sha256: string): Promise<Buffer | undefined> => {
      const row = await db
        .selectFrom('firmware_blobs')
        .select('content')
        .where('sha256', '=', sha256)
        .executeTakeFirst();
      return row ? Buffer.from(row.content) : undefined;
    },
    insertImage: (row: FirmwareImagesTable) =>
      db.insertInto('firmware_images').values(row).execute(),
    image: (id: string) =>
      db.selectFrom('firmware_images').selectAll().where('id', '=', id).executeTakeFirst(),
    /** The same file already in the catalogue of `companyId` (null: the operator's). */
    imageByDigest: (companyId: string | null, sha256: string) =>
      db
        .selectFrom('firmware_images')
        .selectAll()
        .where('sha256', '=', sha256)
        .where('company_id', companyId === null ? 'is' : '=', companyId)
        .executeTakeFirst(),
    /** Another file under the same model and version in the catalogue of `companyId`. */
    imageByVersion: (companyId: string | null, model: string, version: string) =>
      db
        .selectFrom('firmware_images')
        .selectAll()
        .where('model', '=', model)
        .where('version', '=', version)
        .where('company_id', companyId === null ? 'is' : '=', companyId)
        .executeTakeFirst(),
    /** What a company may install: the operator's images and its own, newest first. */
    imagesFor: (companyId: string | null) =>
      db
        .selectFrom('firmware_images')
        .selectAll()
        .where((eb) =>
          companyId === null
            ? eb('company_id', 'is', null)
            : eb.or([eb('company_id', 'is', null), eb('company_id', '=', companyId)]),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute(),
  };
}
