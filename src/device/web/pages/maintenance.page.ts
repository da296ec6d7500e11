import { deviceErrorCatalog } from '../../device.error-catalog.ts';
import { DeviceError } from '../../device.errors.ts';
import { RESTORE_UPLOAD } from '../../maintenance.service.ts';
import { SESSION_COOKIE } from '../../session.guard.ts';
import {
  isCsrfRefused,
  text,
  type ClassicKit,
  type ClassicPage,
  type Ctx,
} from '../classic.kit.ts';
import { BASE } from '../layout.ts';
import {
  maintenanceBody,
  resetBody,
  restartBody,
  type MaintenanceErrors,
} from './maintenance.template.ts';

const DONE = {
  restored: 'The configuration was loaded from the backup.',
  'firmware-rejected': 'The uploaded firmware was discarded; nothing changed.',
};

/** The Maintenance page with the messages of a refused form; also used by firmware.page.ts. */
export function renderMaintenance(
  kit: ClassicKit,
  ctx: Ctx,
  errors: MaintenanceErrors = {},
  status = 200,
) {
  return kit.render(ctx, {
    title: 'Maintenance',
    tab: 'maintenance',
    done: DONE,
    body: maintenanceBody(ctx.session.csrfToken, kit.device.maintenance.firmwareVersion, errors),
    status,
    ...(status >= 400
      ? { notice: { kind: 'error', text: 'Nothing was changed; see the message below.' } }
      : {}),
  });
}

/** The status a service refusal gets on a classic page: the catalog's, as the admin API. */
export function refusalStatus(error: DeviceError): number {
  return error.code === 13 ? deviceErrorCatalog.TOO_BIG.status : 400;
}

/**
 * Maintenance, as on the vendor's web interface: configuration backup (optionally encrypted)
 * and load, Reset Configuration (optionally with network settings and certificates, as the
 * HTTP API's config/factoryreset, manual §5.3.2), and Restart (manual §5.1.3 system/restart).
 * The firmware section is firmware.page.ts.
 */
export const maintenancePage: ClassicPage = (app, kit) => {
  const { device, guarded, render, redirect } = kit;
  const { maintenance } = device;

  app.get(
    `${BASE}/maintenance`,
    guarded((ctx) => renderMaintenance(kit, ctx)),
  );

  app.post(
    `${BASE}/maintenance/backup`,
    guarded(async ({ request, reply }) => {
      const file = await maintenance.backup(text(request.body, 'password') || undefined);
      return reply
        .header('Content-Disposition', `attachment; filename="${file.filename}"`)
        .header('Cache-Control', 'no-store')
        .type(file.contentType)
        .send(file.body);
    }),
  );

  app.post(
    `${BASE}/maintenance/load`,
    guarded(
      async (ctx) => {
        try {
          const form = await kit.readUploadForm(ctx, RESTORE_UPLOAD);
          if (!form.file) {
            return renderMaintenance(
              kit,
              ctx,
              { load: { file: 'Choose the configuration file to load (a downloaded backup).' } },
              400,
            );
          }
          await maintenance.restore(form.file, form.fields.password || undefined);
        } catch (error) {
          if (isCsrfRefused(error)) return kit.csrfRefused(ctx);
          if (error instanceof DeviceError)
            return renderMaintenance(
              kit,
              ctx,
              { load: { [error.param === 'password' ? 'password' : 'file']: error.hint } },
              refusalStatus(error),
            );
          throw error;
        }
        return redirect(ctx.reply, `${BASE}/maintenance?done=restored`);
      },
      { csrfInForm: true },
    ),
  );

  app.get(
    `${BASE}/maintenance/reset`,
    guarded((ctx) =>
      render(ctx, {
        title: 'Reset Configuration',
        tab: 'maintenance',
        body: resetBody(ctx.session.csrfToken),
      }),
    ),
  );

  app.post(
    `${BASE}/maintenance/reset`,
    guarded(async ({ request, reply }) => {
      const withNetwork = text(request.body, 'networkSettingsAndCertificates') === 'yes';
      await maintenance.factoryReset({ network: withNetwork });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return redirect(reply, `${BASE}/login?m=${withNetwork ? 'reset-network' : 'reset'}`);
    }),
  );

  app.get(
    `${BASE}/maintenance/restart`,
    guarded((ctx) =>
      render(ctx, {
        title: 'Restart',
        tab: 'maintenance',
        body: restartBody(ctx.session.csrfToken),
      }),
    ),
  );

  app.post(
    `${BASE}/maintenance/restart`,
    guarded(({ reply }) => {
      maintenance.restart('web administration');
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return redirect(reply, `${BASE}/login?m=restarted`);
    }),
  );
};
