import { createHash, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminSession } from '../accounts.service.ts';
import { SESSION_COOKIE } from '../api/admin.routes.ts';
import type { Privilege } from '../config.model.ts';
import type { Device } from '../device.ts';
import { DeviceError } from '../device.errors.ts';
import { FIRMWARE_UPLOAD, RESTORE_UPLOAD } from '../maintenance.service.ts';
import { receiveMultipart } from '../upload.request.ts';
import type { Upload, UploadLimit } from '../upload.store.ts';
import { NetworkService } from '../network.service.ts';
import {
  autoProvisioningBody,
  certificatesBody,
  confirmation,
  dateTimeBody,
  forcedPasswordBody,
  loginBody,
  maintenanceBody,
  networkBody,
  systemOverviewBody,
  systemSections,
  usersBody,
  type FieldErrors,
  type MaintenanceErrors,
  type SystemSection,
} from './classic.pages.ts';
import { frontPanelSection, registerFrontPanelClassic } from './front-panel.classic.ts';
import { html, type Html } from './html.ts';
import { BASE, CSRF_FIELD, facts, page, STYLESHEET, type Notice, type Tab } from './layout.ts';

/** Double-submit token of the login form (there is no session yet to tie it to). */
const LOGIN_COOKIE = 'lk_classic_login';

/** Messages after a redirect (Post/Redirect/Get): the query names one, the text is fixed here. */
const DONE: Record<string, string> = {
  password: 'The new password is saved.',
  'code-generated':
    'A new My2N Security Code was generated. The old My2N Security Code is no longer valid.',
  network: 'The network settings are saved.',
  time: 'The device time is set.',
  'admin-password': 'The administrator password is changed.',
  'account-saved': 'The HTTP API account is saved.',
  'account-deleted': 'The HTTP API account is deleted.',
  restored: 'The configuration was loaded from the backup.',
  'firmware-rejected': 'The uploaded firmware was discarded; nothing changed.',
};

const LOGIN_MESSAGES: Record<string, (device: Device) => Notice> = {
  expired: (device) => ({
    kind: 'info',
    text: `Your session ended after ${Math.round(device.accounts.sessionIdleMs / 60_000) || 1} minutes without activity. Log in again.`,
  }),
  'logged-out': () => ({ kind: 'info', text: 'You are logged out.' }),
  reset: () => ({
    kind: 'success',
    text: 'The configuration was reset to default values. Log in with the default credentials admin / 2n and choose a new password.',
  }),
  'reset-network': () => ({
    kind: 'success',
    text: 'The configuration was reset to default values, including the network settings and certificates. Log in with the default credentials admin / 2n and choose a new password.',
  }),
  restarted: () => ({ kind: 'success', text: 'The device restarted. Log in again.' }),
  upgraded: (device) => ({
    kind: 'success',
    text: `Firmware ${device.maintenance.firmwareVersion} is installed and the device restarted. Log in again.`,
  }),
};

const CSRF_MESSAGE =
  'This form was refused: it did not carry the security token of your session (protection against cross-site request forgery). Open the page again from the menu and repeat the action.';

type Body = Record<string, unknown>;

function text(body: unknown, name: string): string {
  const value = (body as Body | null | undefined)?.[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return '';
}

function list(body: unknown, name: string): string[] {
  const value = (body as Body | null | undefined)?.[name];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function sameToken(given: unknown, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** A multipart form without the session's CSRF token, refused before its file is stored. */
class CsrfRefused extends Error {
  override name = 'CsrfRefused';
}

function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return `${days > 0 ? `${days} d ` : ''}${hours} h ${minutes} min ${rest} s`;
}

function fieldErrorsOf(error: DeviceError, fallback: string): FieldErrors {
  return { [error.param ?? fallback]: error.hint };
}

interface Ctx {
  request: FastifyRequest;
  reply: FastifyReply;
  session: AdminSession;
}

/**
 * The classic web administration under /classic/: server-rendered pages that work without
 * JavaScript, over the same services (and the same admin sessions) as the admin JSON API.
 */
export function classicWeb(device: Device) {
  const { accounts, maintenance } = device;
  const network = new NetworkService(device.config);

  return async function plugin(app: FastifyInstance): Promise<void> {
    const deviceName = () => device.config.current.webServer.deviceName;

    const send = (reply: FastifyReply, body: Html, status = 200) =>
      reply
        .code(status)
        .header('Content-Type', 'text/html; charset=utf-8')
        .header('Cache-Control', 'no-store')
        .header(
          'Content-Security-Policy',
          "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
        .header('X-Frame-Options', 'DENY')
        .header('X-Content-Type-Options', 'nosniff')
        .header('Referrer-Policy', 'no-referrer')
        .send(body.value);

    const redirect = (reply: FastifyReply, location: string) =>
      reply.code(303).header('Location', location).header('Cache-Control', 'no-store').send();

    const doneNotice = (request: FastifyRequest): Notice | null => {
      const key = (request.query as Record<string, unknown>)?.done;
      return typeof key === 'string' && DONE[key] ? { kind: 'success', text: DONE[key] } : null;
    };

    const render = (
      ctx: Ctx,
      options: {
        title: string;
        tab: Tab;
        body: Html;
        section?: SystemSection | null;
        notice?: Notice | null;
        status?: number;
      },
    ) =>
      send(
        ctx.reply,
        page({
          title: options.title,
          deviceName: deviceName(),
          csrfToken: ctx.session.csrfToken,
          tab: options.tab,
          ...(options.section !== undefined ? { sections: systemSections(options.section) } : {}),
          notice: options.notice ?? doneNotice(ctx.request),
          body: options.body,
        }),
        options.status,
      );

    const csrfRefused = (ctx: Ctx) =>
      render(ctx, {
        title: 'Refused',
        tab: 'home',
        notice: { kind: 'error', text: CSRF_MESSAGE },
        body: html`<p><a href="${BASE}/">Back to Home</a></p>`,
        status: 403,
      });

    /** Needs a session; POSTs need the session's CSRF token; the forced change comes first. */
    const guarded =
      (
        handler: (ctx: Ctx) => unknown,
        options: { beforeChange?: boolean; multipart?: boolean } = {},
      ) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const cookie = request.cookies[SESSION_COOKIE];
        const session = accounts.session(cookie);
        if (!session) {
          if (cookie) reply.clearCookie(SESSION_COOKIE, { path: '/' });
          return redirect(reply, `${BASE}/login${cookie ? '?m=expired' : ''}`);
        }
        const ctx: Ctx = { request, reply, session };
        if (
          request.method === 'POST' &&
          !options.multipart &&
          !sameToken(text(request.body, CSRF_FIELD), session.csrfToken)
        ) {
          return csrfRefused(ctx);
        }
        if (!options.beforeChange && accounts.mustChangePassword) {
          return redirect(reply, `${BASE}/password`);
        }
        return handler(ctx);
      };

    /**
     * Reads a multipart form with one file field "file", streamed to disk. The CSRF token
     * field comes first in the form, so a forged upload is refused before its file is stored.
     */
    async function readUploadForm(
      ctx: Ctx,
      limit: UploadLimit,
    ): Promise<{ fields: Record<string, string>; file: Upload | null }> {
      if (!ctx.request.isMultipart()) throw new CsrfRefused();
      const form = await receiveMultipart(device.uploads, ctx.request, {
        limitFor: (field) => (field === 'file' ? limit : undefined),
        beforeFile: (fields) => {
          if (!sameToken(fields[CSRF_FIELD], ctx.session.csrfToken)) throw new CsrfRefused();
        },
        maxFiles: 1,
      });
      if (!sameToken(form.fields[CSRF_FIELD], ctx.session.csrfToken)) {
        await device.uploads.discard(form.files.get('file'));
        throw new CsrfRefused();
      }
      return { fields: form.fields, file: form.files.get('file') ?? null };
    }

    app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
      const tooBig = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413;
      const status = tooBig ? 413 : (error.statusCode ?? 500);
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      const message = tooBig
        ? 'The form was too big for the device. Check the file you chose and try again.'
        : status >= 500
          ? 'The device could not process the request; try again.'
          : 'The device could not read the form. Open the page again and repeat.';
      return send(
        reply,
        page({
          title: 'Error',
          deviceName: deviceName(),
          notice: { kind: 'error', text: message },
          body: html`<p><a href="${BASE}/">Back to Home</a></p>`,
        }),
        status,
      );
    });

    app.get(`${BASE}/classic.css`, (_request, reply) =>
      reply
        .type('text/css; charset=utf-8')
        .header('Cache-Control', 'max-age=3600')
        .send(STYLESHEET),
    );

    app.get(BASE, (_request, reply) => redirect(reply, `${BASE}/`));

    // ---- Login, forced password change, logout -------------------------------------------

    const renderLogin = (
      reply: FastifyReply,
      options: { username?: string; errors?: FieldErrors; notice?: Notice | null; status?: number },
    ) => {
      const loginToken = randomBytes(24).toString('base64url');
      reply.setCookie(LOGIN_COOKIE, loginToken, {
        path: BASE,
        httpOnly: true,
        sameSite: 'strict',
      });
      return send(
        reply,
        page({
          title: 'Log in',
          deviceName: deviceName(),
          body: loginBody({
            loginToken,
            username: options.username ?? '',
            errors: options.errors ?? {},
            notice: null,
            deviceName: deviceName(),
          }),
          notice: options.notice ?? null,
        }),
        options.status,
      );
    };

    app.get(`${BASE}/login`, (request, reply) => {
      if (accounts.session(request.cookies[SESSION_COOKIE])) return redirect(reply, `${BASE}/`);
      const key = (request.query as Record<string, unknown>)?.m;
      const message = typeof key === 'string' ? LOGIN_MESSAGES[key] : undefined;
      return renderLogin(reply, { notice: message ? message(device) : null });
    });

    app.post(`${BASE}/login`, async (request, reply) => {
      const username = text(request.body, 'username');
      if (!sameToken(text(request.body, CSRF_FIELD), request.cookies[LOGIN_COOKIE])) {
        return renderLogin(reply, {
          username,
          status: 403,
          notice: {
            kind: 'error',
            text: 'The login form had expired or did not come from this device. Log in again on this page.',
          },
        });
      }
      const password = text(request.body, 'password');
      if (username === '') {
        return renderLogin(reply, {
          status: 400,
          errors: { username: 'Enter the user name (admin).' },
        });
      }
      const attempt = await accounts.login(username, password, request.ip);
      if (!attempt.session) {
        const blocked = 'blockedForSeconds' in attempt ? attempt.blockedForSeconds : undefined;
        if (blocked !== undefined) reply.header('Retry-After', String(blocked));
        return renderLogin(reply, {
          username,
          status: blocked !== undefined ? 429 : 401,
          errors: {
            password:
              blocked !== undefined
                ? `Too many wrong passwords: logins are blocked for ${blocked} more seconds. Wait, then try again with the right password.`
                : 'The user name or password is wrong. A new or reset device uses admin / 2n; if the password is lost, reset the device to factory settings.',
          },
        });
      }
      reply.clearCookie(LOGIN_COOKIE, { path: BASE });
      reply.setCookie(SESSION_COOKIE, attempt.session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
      });
      return redirect(reply, accounts.mustChangePassword ? `${BASE}/password` : `${BASE}/`);
    });

    app.post(
      `${BASE}/logout`,
      guarded(
        ({ reply, session }) => {
          accounts.logout(session.token);
          reply.clearCookie(SESSION_COOKIE, { path: '/' });
          return redirect(reply, `${BASE}/login?m=logged-out`);
        },
        { beforeChange: true },
      ),
    );

    const renderForced = (ctx: Ctx, errors: FieldErrors = {}, status = 200) =>
      send(
        ctx.reply,
        page({
          title: 'Choose a new password',
          deviceName: deviceName(),
          csrfToken: ctx.session.csrfToken,
          body: forcedPasswordBody(ctx.session.csrfToken, errors),
        }),
        status,
      );

    app.get(
      `${BASE}/password`,
      guarded(
        (ctx) =>
          accounts.mustChangePassword
            ? renderForced(ctx)
            : redirect(ctx.reply, `${BASE}/system/users`),
        { beforeChange: true },
      ),
    );

    app.post(
      `${BASE}/password`,
      guarded(
        async (ctx) => {
          const newPassword = text(ctx.request.body, 'newPassword');
          if (newPassword !== text(ctx.request.body, 'confirmPassword')) {
            return renderForced(
              ctx,
              { confirmPassword: 'The two passwords differ; type the same new password twice.' },
              400,
            );
          }
          try {
            await accounts.chooseInitialPassword(newPassword, ctx.session.token);
          } catch (error) {
            if (error instanceof DeviceError)
              return renderForced(ctx, fieldErrorsOf(error, 'newPassword'), 400);
            throw error;
          }
          return redirect(ctx.reply, `${BASE}/?done=password`);
        },
        { beforeChange: true },
      ),
    );

    // ---- Home --------------------------------------------------------------------------

    app.get(
      `${BASE}/`,
      guarded((ctx) => {
        const config = device.config.current;
        const local = (ctx.request.socket.localAddress ?? '').replace(/^::ffff:/, '');
        const cloud = device.cloud;
        const cloudText =
          cloud.state === 'connected'
            ? cloud.site
              ? `connected, in site ${cloud.site}`
              : 'connected, not in a site yet'
            : cloud.state === 'connecting'
              ? 'connecting'
              : 'not connected';
        return render(ctx, {
          title: 'Home',
          tab: 'home',
          body: html`<h1>Home</h1>
            <h2>Device status</h2>
            ${facts([
              ['Device name', config.webServer.deviceName],
              ['Model', device.identity.model],
              ['Serial number', device.identity.serialNumber],
              ['Firmware version', maintenance.firmwareVersion],
              ['MAC address', device.identity.macAddress],
              [
                'IP address',
                config.network.dhcp
                  ? `${local || 'not assigned yet'} (DHCP)`
                  : `${config.network.ipAddress} (static)`,
              ],
              ['Uptime', formatUptime(device.upTime())],
              ['My2N cloud', cloudText],
            ])}
            ${frontPanelSection(device, ctx.session.csrfToken, ctx.request.query)}`,
        });
      }),
    );
    registerFrontPanelClassic(app, device, guarded);

    // ---- System ------------------------------------------------------------------------

    app.get(
      `${BASE}/system`,
      guarded((ctx) =>
        render(ctx, { title: 'System', tab: 'system', section: null, body: systemOverviewBody() }),
      ),
    );

    app.get(
      `${BASE}/system/auto-provisioning`,
      guarded((ctx) =>
        render(ctx, {
          title: 'Auto Provisioning',
          tab: 'system',
          section: 'auto-provisioning',
          body: autoProvisioningBody(device.securityCode.current()),
        }),
      ),
    );

    app.get(
      `${BASE}/system/auto-provisioning/generate-new`,
      guarded((ctx) =>
        render(ctx, {
          title: 'Generate New',
          tab: 'system',
          section: 'auto-provisioning',
          body: confirmation({
            heading: 'Generate a new My2N Security Code?',
            text: html`<p>
                The current code
                <strong class="code">${device.securityCode.current().securityCode}</strong> stops
                working at once: the old My2N Security Code is then no longer valid, and nobody can
                add this device to My2N with it.
              </p>
              <p>The new code is shown right after; use it to add the device to your site.</p>`,
            action: `${BASE}/system/auto-provisioning/generate-new`,
            back: `${BASE}/system/auto-provisioning`,
            csrfToken: ctx.session.csrfToken,
          }),
        }),
      ),
    );

    app.post(
      `${BASE}/system/auto-provisioning/generate-new`,
      guarded(async ({ reply }) => {
        await device.securityCode.generateNew();
        return redirect(reply, `${BASE}/system/auto-provisioning?done=code-generated`);
      }),
    );

    const renderNetwork = (
      ctx: Ctx,
      values = network.current(),
      errors: FieldErrors = {},
      status = 200,
    ) =>
      render(ctx, {
        title: 'Network',
        tab: 'system',
        section: 'network',
        body: networkBody(ctx.session.csrfToken, values, errors),
        status,
      });

    app.get(
      `${BASE}/system/network`,
      guarded((ctx) => renderNetwork(ctx)),
    );
    app.post(
      `${BASE}/system/network`,
      guarded(async (ctx) => {
        const body = ctx.request.body;
        const input = {
          dhcp: text(body, 'mode') !== 'static',
          ipAddress: text(body, 'ipAddress'),
          netmask: text(body, 'netmask'),
          gateway: text(body, 'gateway'),
          dns1: text(body, 'dns1'),
          dns2: text(body, 'dns2'),
        };
        try {
          await network.save(input);
        } catch (error) {
          if (error instanceof DeviceError) {
            return renderNetwork(
              ctx,
              { ...input, hostname: network.current().hostname },
              fieldErrorsOf(error, 'ipAddress'),
              400,
            );
          }
          throw error;
        }
        return redirect(ctx.reply, `${BASE}/system/network?done=network`);
      }),
    );

    const renderDateTime = (ctx: Ctx, value = '', errors: FieldErrors = {}, status = 200) =>
      render(ctx, {
        title: 'Date & Time',
        tab: 'system',
        section: 'date-time',
        body: dateTimeBody(ctx.session.csrfToken, new Date(device.utcTime() * 1000), value, errors),
        status,
      });

    app.get(
      `${BASE}/system/date-time`,
      guarded((ctx) => renderDateTime(ctx)),
    );
    app.post(
      `${BASE}/system/date-time`,
      guarded((ctx) => {
        const value = text(ctx.request.body, 'utcTime').trim();
        const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?$/.exec(value);
        const millis = match ? Date.parse(`${match[1]}T${match[2]}${match[3] ?? ':00'}Z`) : NaN;
        if (!Number.isFinite(millis) || millis < 0 || millis > 4_102_444_800_000) {
          return renderDateTime(
            ctx,
            value,
            {
              utcTime:
                'Write the date and time as YYYY-MM-DD HH:MM:SS (UTC), between 1970 and 2100.',
            },
            400,
          );
        }
        device.setUtcTime(Math.floor(millis / 1000));
        return redirect(ctx.reply, `${BASE}/system/date-time?done=time`);
      }),
    );

    app.get(
      `${BASE}/system/certificates`,
      guarded((ctx) => {
        const certificate = new X509Certificate(device.config.current.certificate.certPem);
        return render(ctx, {
          title: 'Certificates',
          tab: 'system',
          section: 'certificates',
          body: certificatesBody({
            subject: certificate.subject.replace(/\n/g, ', '),
            issuer: certificate.issuer.replace(/\n/g, ', '),
            validFrom: certificate.validFrom,
            validTo: certificate.validTo,
            fingerprint: certificate.fingerprint256,
          }),
        });
      }),
    );

    const renderUsers = (
      ctx: Ctx,
      form = { username: '', enabled: true, privileges: [] as string[] },
      errors: FieldErrors = {},
      status = 200,
    ) =>
      render(ctx, {
        title: 'Users',
        tab: 'system',
        section: 'users',
        body: usersBody(ctx.session.csrfToken, accounts.apiAccounts(), form, errors),
        status,
      });

    app.get(
      `${BASE}/system/users`,
      guarded((ctx) => renderUsers(ctx)),
    );

    app.post(
      `${BASE}/system/users/password`,
      guarded(async (ctx) => {
        const body = ctx.request.body;
        const newPassword = text(body, 'newPassword');
        if (newPassword !== text(body, 'confirmPassword')) {
          return renderUsers(
            ctx,
            undefined,
            { confirmPassword: 'The two passwords differ; type the same new password twice.' },
            400,
          );
        }
        try {
          await accounts.changeAdminPassword(
            text(body, 'currentPassword'),
            newPassword,
            ctx.session.token,
          );
        } catch (error) {
          if (error instanceof DeviceError)
            return renderUsers(ctx, undefined, fieldErrorsOf(error, 'newPassword'), 400);
          throw error;
        }
        return redirect(ctx.reply, `${BASE}/system/users?done=admin-password`);
      }),
    );

    app.post(
      `${BASE}/system/users/api-accounts`,
      guarded(async (ctx) => {
        const body = ctx.request.body;
        const form = {
          username: text(body, 'username').trim(),
          enabled: text(body, 'enabled') === 'yes',
          privileges: list(body, 'privileges'),
        };
        const password = text(body, 'password');
        try {
          await accounts.saveApiAccount({
            username: form.username,
            enabled: form.enabled,
            privileges: form.privileges as Privilege[],
            ...(password !== '' ? { password } : {}),
          });
        } catch (error) {
          if (error instanceof DeviceError)
            return renderUsers(ctx, form, fieldErrorsOf(error, 'username'), 400);
          throw error;
        }
        return redirect(ctx.reply, `${BASE}/system/users?done=account-saved`);
      }),
    );

    app.post(
      `${BASE}/system/users/api-accounts/:id/delete`,
      guarded(async (ctx) => {
        try {
          await accounts.deleteApiAccount(Number((ctx.request.params as { id: string }).id));
        } catch (error) {
          if (error instanceof DeviceError)
            return renderUsers(ctx, undefined, fieldErrorsOf(error, 'id'), 400);
          throw error;
        }
        return redirect(ctx.reply, `${BASE}/system/users?done=account-deleted`);
      }),
    );

    // ---- Maintenance -------------------------------------------------------------------

    const renderMaintenance = (ctx: Ctx, errors: MaintenanceErrors = {}, status = 200) =>
      render(ctx, {
        title: 'Maintenance',
        tab: 'maintenance',
        body: maintenanceBody(ctx.session.csrfToken, maintenance.firmwareVersion, errors),
        status,
        ...(status >= 400
          ? { notice: { kind: 'error', text: 'Nothing was changed; see the message below.' } }
          : {}),
      });

    app.get(
      `${BASE}/maintenance`,
      guarded((ctx) => renderMaintenance(ctx)),
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
          const fail = (error: DeviceError) =>
            renderMaintenance(
              ctx,
              { load: { [error.param === 'password' ? 'password' : 'file']: error.hint } },
              error.code === 13 ? 413 : 400,
            );
          try {
            const form = await readUploadForm(ctx, RESTORE_UPLOAD);
            if (!form.file) {
              return renderMaintenance(
                ctx,
                { load: { file: 'Choose the configuration file to load (a downloaded backup).' } },
                400,
              );
            }
            await maintenance.restore(form.file, form.fields.password || undefined);
          } catch (error) {
            if (error instanceof CsrfRefused) return csrfRefused(ctx);
            if (error instanceof DeviceError) return fail(error);
            throw error;
          }
          return redirect(ctx.reply, `${BASE}/maintenance?done=restored`);
        },
        { multipart: true },
      ),
    );

    app.get(
      `${BASE}/maintenance/reset`,
      guarded((ctx) =>
        render(ctx, {
          title: 'Reset Configuration',
          tab: 'maintenance',
          body: confirmation({
            heading: 'Reset Configuration',
            text: html`<p>
              Reset the configuration of the device to default values? The administrator password
              becomes admin / 2n again and every session ends. The My2N Security Code stays as it
              is.
            </p>`,
            inside: html`<div class="check">
                <input
                  type="checkbox"
                  id="reset-network"
                  name="networkSettingsAndCertificates"
                  value="yes"
                  aria-describedby="reset-network-hint"
                />
                <label for="reset-network">Network Settings and Certificates</label>
              </div>
              <p class="hint" id="reset-network-hint">
                Also reset the network settings (back to DHCP) and make a new certificate. Without
                it they are kept.
              </p>`,
            action: `${BASE}/maintenance/reset`,
            back: `${BASE}/maintenance`,
            csrfToken: ctx.session.csrfToken,
            danger: true,
          }),
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
          body: confirmation({
            heading: 'Restart',
            text: html`<p>Restart the device now? Every session ends; log in again after.</p>`,
            action: `${BASE}/maintenance/restart`,
            back: `${BASE}/maintenance`,
            csrfToken: ctx.session.csrfToken,
          }),
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

    app.post(
      `${BASE}/maintenance/firmware`,
      guarded(
        async (ctx) => {
          let uploaded: { version: string; downgrade: boolean };
          try {
            const form = await readUploadForm(ctx, FIRMWARE_UPLOAD);
            if (!form.file) {
              return renderMaintenance(
                ctx,
                { firmware: { file: 'Choose the firmware file to upload.' } },
                400,
              );
            }
            uploaded = await maintenance.uploadFirmware(form.file);
          } catch (error) {
            if (error instanceof CsrfRefused) return csrfRefused(ctx);
            if (error instanceof DeviceError)
              return renderMaintenance(
                ctx,
                { firmware: { file: error.hint } },
                error.code === 13 ? 413 : 400,
              );
            throw error;
          }
          return render(ctx, {
            title: 'Firmware',
            tab: 'maintenance',
            body: confirmation({
              heading: `Install firmware ${uploaded.version}?`,
              text: html`<p>
                The device has firmware ${maintenance.firmwareVersion} and restarts after the
                upgrade.
                ${
                  uploaded.downgrade
                    ? html`<strong
                        >This is an older version than the installed one (a downgrade).</strong
                      >`
                    : ''
                }
              </p>`,
              action: `${BASE}/maintenance/firmware/apply`,
              back: `${BASE}/maintenance`,
              noAction: `${BASE}/maintenance/firmware/reject`,
              csrfToken: ctx.session.csrfToken,
            }),
          });
        },
        { multipart: true },
      ),
    );

    app.post(
      `${BASE}/maintenance/firmware/apply`,
      guarded(async (ctx) => {
        try {
          await maintenance.applyFirmware();
        } catch (error) {
          if (error instanceof DeviceError)
            return renderMaintenance(ctx, { firmware: { file: error.hint } }, 409);
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
}
