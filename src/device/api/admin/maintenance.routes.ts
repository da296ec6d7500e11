import { z } from 'zod';
import { DeviceError } from '../../device.errors.ts';
import { RESTORE_UPLOAD } from '../../maintenance.service.ts';
import { SESSION_COOKIE } from '../../session.guard.ts';
import { noFileChosen, readFileForm } from '../../upload.form.ts';
import { described, validBody, type AdminRoutes } from './admin.http.ts';
import { answers, noContent } from './admin.schemas.ts';

const backupSchema = z.object({ password: z.string().max(256).optional() });
const resetSchema = z.object({ networkSettingsAndCertificates: z.boolean().default(false) });

/**
 * Maintenance as on the vendor's web interface (System → Maintenance): configuration backup and
 * restore, reset to factory defaults (optionally with network settings and certificates), and
 * restart.
 *
 *   POST /admin/api/backup {password?}       file download (.bak encrypted, .xml plain)
 *   POST /admin/api/restore                  multipart: file [+ password]
 *   POST /admin/api/factory-reset {networkSettingsAndCertificates}
 *   POST /admin/api/restart
 */
export const registerMaintenanceAdminApi: AdminRoutes = (app, device, guard) => {
  const { maintenance } = device;

  app.post(
    '/admin/api/backup',
    // The answer is the file itself (.bak encrypted, .xml plain), not JSON.
    described('maintenance', 'Download a configuration backup', {
      body: backupSchema,
      response: answers({
        200: z.string().describe('The backup file (Content-Disposition names it)'),
      }),
    }),
    guard(async (request, reply) => {
      const body = validBody(request, backupSchema);
      const file = await maintenance.backup(body.password || undefined);
      return reply
        .header('Content-Disposition', `attachment; filename="${file.filename}"`)
        .type(file.contentType)
        .send(file.body);
    }),
  );

  app.post(
    '/admin/api/restore',
    // multipart/form-data (file [+ password]), read as a stream by readFileForm: no JSON schema.
    described('maintenance', 'Restore a configuration backup (multipart: file, password?)', {
      response: answers(noContent),
    }),
    guard(async (request, reply) => {
      const form = await readFileForm(device.uploads, request, {
        field: 'file',
        limit: RESTORE_UPLOAD,
        notMultipart: () =>
          new DeviceError(
            11,
            'Send the backup as multipart/form-data with the field "file" (and "password" if it is encrypted).',
            'file',
          ),
      });
      if (!form.file)
        throw noFileChosen('file', 'Choose the backup file to restore (multipart field "file").');
      await maintenance.restore(form.file, form.fields.password || undefined);
      return reply.code(204).send();
    }),
  );

  app.post(
    '/admin/api/factory-reset',
    described('maintenance', 'Reset to factory defaults', {
      body: resetSchema,
      response: answers(noContent),
    }),
    guard(async (request, reply) => {
      const body = validBody(request, resetSchema);
      await maintenance.factoryReset({ network: body.networkSettingsAndCertificates });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    }),
  );

  app.post(
    '/admin/api/restart',
    described('maintenance', 'Restart the device', { response: answers(noContent) }),
    guard((_request, reply) => {
      maintenance.restart('web administration');
      return reply.code(204).send();
    }),
  );
};
