import { z } from 'zod';
import { described, validBody, type AdminRoutes } from './admin.http.ts';
import { answers, directoryView, noContent, writtenEntry } from './admin.schemas.ts';

const directoryEntrySchema = z.object({
  name: z.string().max(256),
  email: z.string().max(256).default(''),
  peer: z.string().max(256).default(''),
});

/**
 * The new interface's Directory, over DirectoryService with vendor-shaped entries, the same
 * rules as the HTTP API's dir/* functions (manual §5.14: dir/query, dir/create, dir/delete).
 *
 *   GET    /admin/api/directory                 the directory (as dir/query)
 *   POST   /admin/api/directory {name, email?, peer?}
 *   DELETE /admin/api/directory/:uuid
 */
export const registerDirectoryAdminApi: AdminRoutes = (app, device, guard) => {
  app.get(
    '/admin/api/directory',
    described('directory', 'The directory (as dir/query)', {
      response: answers({ 200: directoryView }),
    }),
    guard(() => device.directory.query(0)),
  );

  app.post(
    '/admin/api/directory',
    described('directory', 'Add a directory entry', {
      body: directoryEntrySchema,
      response: answers({ 201: writtenEntry }),
    }),
    guard(async (request, reply) => {
      const body = validBody(request, directoryEntrySchema);
      const [created] = await device.directory.create(
        [{ name: body.name, email: body.email, callPos: body.peer ? [{ peer: body.peer }] : [] }],
        false,
      );
      return reply.code(201).send(created);
    }),
  );

  app.delete(
    '/admin/api/directory/:uuid',
    described('directory', 'Delete a directory entry', {
      params: z.object({ uuid: z.string() }),
      response: answers(noContent),
    }),
    guard(async (request, reply) => {
      await device.directory.delete([{ uuid: (request.params as { uuid: string }).uuid }]);
      return reply.code(204).send();
    }),
  );
};
