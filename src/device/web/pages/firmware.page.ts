import { deviceErrorCatalog } from '../../device.error-catalog.ts';
import { DeviceError } from '../../device.errors.ts';
import { FIRMWARE_UPLOAD } from '../../maintenance.service.ts';
import { SESSION_COOKIE } from '../../session.guard.ts';
import { isCsrfRefused, type ClassicPage } from '../classic.kit.ts';
import { BASE } from '../layout.ts';
import { installFirmwareBody } from './firmware.template.ts';
import { refusalStatus, renderMaintenance } from './maintenance.page.ts';

/**
 * Maintenance → Firmware in two steps, as the vendor's web interface and HTTP API do it
 * (manual §5.2.1 firmware, §5.2.2 firmware/apply, §5.2.3 firmware/reject): the upload is
 * checked and its version shown; Yes installs and restarts, No discards it.
 */
export const firmwarePage: ClassicPage = (app, kit) => {
  const { device, guarded, render, redirect } = kit;
  const { maintenance } = device;

  app.post(
    `${BASE}/maintenance/firmware`,
    guarded(
      async (ctx) => {
        let uploaded: { version: string; downgrade: boolean };
        try {
          const form = await kit.readUploadForm(ctx, FIRMWARE_UPLOAD);
          if (!form.file) {
            return renderMaintenance(
              kit,
              ctx,
              { firmware: { file: 'Choose the firmware file to upload.' } },
              400,
            );
          }
          uploaded = await maintenance.uploadFirmware(form.file);
        } catch (error) {
          if (isCsrfRefused(error)) return kit.csrfRefused(ctx);
          if (error instanceof DeviceError)
            return renderMaintenance(
              kit,
              ctx,
              { firmware: { file: error.hint } },
              refusalStatus(error),
            );
          throw error;
        }
        return render(ctx, {
          title: 'Firmware',
          tab: 'maintenance',
          body: installFirmwareBody({
            version: uploaded.version,
            downgrade: uploaded.downgrade,
            installed: maintenance.firmwareVersion,
            csrfToken: ctx.session.csrfToken,
          }),
        });
      },
      { csrfInForm: true },
    ),
  );

  app.post(
    `${BASE}/maintenance/firmware/apply`,
    guarded(async (ctx) => {
      try {
        await maintenance.applyFirmware();
      } catch (error) {
        if (error instanceof DeviceError)
          return renderMaintenance(
            kit,
            ctx,
            { firmware: { file: error.hint } },
            deviceErrorCatalog.NOTHING_PENDING.status,
          );
        throw error;
      }
      ctx.reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return redirect(ctx.reply, `${BASE}/login?m=upgraded`);
    }),
  );

  /** "No" on the firmware confirmation: discards the upload. */
  app.post(
    `${BASE}/maintenance/firmware/reject`,
    guarded(async ({ reply }) => {
      try {
        await maintenance.rejectFirmware();
      } catch (error) {
        if (!(error instanceof DeviceError)) throw error;
      }
      return redirect(reply, `${BASE}/maintenance?done=firmware-rejected`);
    }),
  );
};
