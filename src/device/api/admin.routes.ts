import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AdminSession } from '../accounts.service.ts';
import { AUTH_METHODS, PRIVILEGES, SERVICE_NAMES, type ServiceName } from '../config.model.ts';
import type { Device } from '../device.ts';
import { DeviceError } from '../device.errors.ts';
import { FIRMWARE_UPLOAD, RESTORE_UPLOAD } from '../maintenance.service.ts';
import { isBodyStream, receiveBody, receiveMultipart } from '../upload.request.ts';
import { registerFrontPanelAdminApi } from './admin/front-panel.routes.ts';

export const SESSION_COOKIE = 'lk_device_session';
export const CSRF_HEADER = 'x-csrf-token';

type AdminError = {
  status: number;
  code: string;
  message: string;
  field?: string;
  reason?: string;
};

function sendAdminError(reply: FastifyReply, error: AdminError) {
  return reply.code(error.status).send({
    error: {
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
      ...(error.reason ? { reason: error.reason } : {}),
    },
  });
}

function fromDeviceError(error: DeviceError): AdminError {
  return {
    status: error.code === 13 ? 413 : error.code === 15 ? 409 : 400,
    code: error.code === 13 ? 'TOO_BIG' : 'VALIDATION_FAILED',
    message: error.hint,
    field: error.param,
    reason: error.reason,
  };
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeviceError(
      12,
      `${issue.path.join('.') || 'body'}: ${issue.message}.`,
      issue.path.join('.'),
    );
  }
  return parsed.data;
}

const loginSchema = z.object({ username: z.string().max(64), password: z.string().max(256) });
const passwordSchema = z.object({
  currentPassword: z.string().max(256),
  newPassword: z.string().max(256),
});
const backupSchema = z.object({ password: z.string().max(256).optional() });
const resetSchema = z.object({ networkSettingsAndCertificates: z.boolean().default(false) });
const serviceSchema = z.object({
  enabled: z.boolean().optional(),
  connection: z.enum(['http', 'https']).optional(),
  auth: z.enum(AUTH_METHODS).optional(),
});
const accountSchema = z.object({
  username: z.string(),
  password: z.string().optional(),
  enabled: z.boolean().optional(),
  privileges: z.array(z.enum(PRIVILEGES)).optional(),
});
const networkSchema = z.object({
  dhcp: z.boolean(),
  ipAddress: z.string().default(''),
  netmask: z.string().default(''),
  gateway: z.string().default(''),
  dns1: z.string().default(''),
  dns2: z.string().default(''),
});
const switchSchema = z.object({
  enabled: z.boolean().optional(),
  mode: z.enum(['monostable', 'bistable']).optional(),
  switchOnDuration: z.number().int().min(1).max(3600).optional(),
  type: z.enum(['normal', 'security']).optional(),
});
const inputSchema = z.object({ port: z.string(), active: z.boolean() });
const directoryEntrySchema = z.object({
  name: z.string().max(256),
  email: z.string().max(256).default(''),
  peer: z.string().max(256).default(''),
});

/**
 * The device's web administration as a small JSON API under /admin/api (the classic and new
 * interfaces are thin pages over it): session login with the admin password, a session cookie
 * plus X-CSRF-Token on every change, and the forced change of the factory password.
 *
 *   POST   /admin/api/login {username, password}     → {csrfToken, mustChangePassword} + cookie
 *   POST   /admin/api/logout                          · GET /admin/api/session
 *   POST   /admin/api/password {currentPassword, newPassword}
 *   GET    /admin/api/system                          serial, model, MAC, firmware, cloud link
 *   GET    /admin/api/security-code                   {serialNumber, securityCode, generation}
 *   POST   /admin/api/security-code/generate          Generate New
 *   POST   /admin/api/backup {password?}              file download (.bak encrypted, .xml plain)
 *   POST   /admin/api/restore  multipart file [+ password]
 *   POST   /admin/api/factory-reset {networkSettingsAndCertificates}
 *   POST   /admin/api/restart
 *   GET    /admin/api/config                          the configuration without secrets
 *   PUT    /admin/api/network {dhcp, ipAddress, netmask, gateway, dns1, dns2}
 *   PUT    /admin/api/http-api/services/:service {enabled?, connection?, auth?}
 *   PUT    /admin/api/http-api/accounts/:id {username, password?, enabled?, privileges?}
 *   DELETE /admin/api/http-api/accounts/:id
 *   PUT    /admin/api/switches/:switch {enabled?, mode?, switchOnDuration?, type?}
 *   POST   /admin/api/simulate/input {port, active}   emulator only: a wired input changes
 *   GET    /admin/api/switches                        settings and state of every switch
 *   POST   /admin/api/switches/:switch/trigger        test trigger (as /api/switch/ctrl action=trigger)
 *   GET    /admin/api/directory                       the directory (as /api/dir/query)
 *   POST   /admin/api/directory {name, email?, peer?} · DELETE /admin/api/directory/:uuid
 *   PUT    /admin/api/firmware  raw image (application/octet-stream) → {version, downgrade}
 *   POST   /admin/api/firmware/apply · POST /admin/api/firmware/reject
 *
 * Errors are `{error: {code, message, field?, reason?}}`; until the factory password is
 * changed every route except login, logout, session and password answers 403
 * PASSWORD_CHANGE_REQUIRED.
 */
export function registerAdminApi(app: FastifyInstance, device: Device): void {
  const { accounts } = device;

  const session = (request: FastifyRequest): AdminSession | null =>
    accounts.session(request.cookies[SESSION_COOKIE]);

  /** Wraps a handler: needs a session, a CSRF token on changes, and (unless `beforeChange`) a changed password. */
  const guarded =
    (
      handler: (
        request: FastifyRequest,
        reply: FastifyReply,
        session: AdminSession,
      ) => Promise<unknown> | unknown,
      options: { beforeChange?: boolean } = {},
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const current = session(request);
      if (!current) {
        return sendAdminError(reply, {
          status: 401,
          code: 'LOGIN_REQUIRED',
          message: 'Log in to the device first (POST /admin/api/login with user admin).',
        });
      }
      if (request.method !== 'GET' && request.headers[CSRF_HEADER] !== current.csrfToken) {
        return sendAdminError(reply, {
          status: 403,
          code: 'CSRF_TOKEN_INVALID',
          message: 'Send the csrfToken from the login reply in the X-CSRF-Token header.',
        });
      }
      if (!options.beforeChange && accounts.mustChangePassword) {
        return sendAdminError(reply, {
          status: 403,
          code: 'PASSWORD_CHANGE_REQUIRED',
          message:
            'The administrator still has the factory password "2n". Change it first (POST /admin/api/password); every other action is refused until then.',
        });
      }
      try {
        return await handler(request, reply, current);
      } catch (error) {
        if (error instanceof DeviceError) return sendAdminError(reply, fromDeviceError(error));
        throw error;
      }
    };

  app.post('/admin/api/login', async (request, reply) => {
    let body: z.infer<typeof loginSchema>;
    try {
      body = parseBody(loginSchema, request.body);
    } catch (error) {
      return sendAdminError(reply, fromDeviceError(error as DeviceError));
    }
    const attempt = await accounts.login(body.username, body.password, request.ip);
    if (attempt.session === null && attempt.blockedForSeconds !== undefined) {
      reply.header('Retry-After', String(attempt.blockedForSeconds));
      return sendAdminError(reply, {
        status: 429,
        code: 'LOGIN_BLOCKED',
        message: `Too many wrong passwords; logins are blocked for ${attempt.blockedForSeconds} more seconds. Wait, then try again with the right password.`,
      });
    }
    const created = attempt.session;
    if (!created) {
      return sendAdminError(reply, {
        status: 401,
        code: 'LOGIN_FAILED',
        message:
          'The user name or password is wrong. A new or reset device uses admin / 2n; if the password is lost, reset the device to factory settings.',
      });
    }
    reply.setCookie(SESSION_COOKIE, created.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
    });
    return { csrfToken: created.csrfToken, mustChangePassword: accounts.mustChangePassword };
  });

  app.post(
    '/admin/api/logout',
    guarded(
      (request, reply, current) => {
        accounts.logout(current.token);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send();
      },
      { beforeChange: true },
    ),
  );

  app.get(
    '/admin/api/session',
    guarded(
      (_request, _reply, current) => ({
        csrfToken: current.csrfToken,
        mustChangePassword: accounts.mustChangePassword,
      }),
      { beforeChange: true },
    ),
  );

  app.post(
    '/admin/api/password',
    guarded(
      async (request, reply, current) => {
        const body = parseBody(passwordSchema, request.body);
        await accounts.changeAdminPassword(body.currentPassword, body.newPassword, current.token);
        return reply.code(204).send();
      },
      { beforeChange: true },
    ),
  );

  app.get(
    '/admin/api/system',
    guarded(() => ({
      serialNumber: device.identity.serialNumber,
      model: device.identity.model,
      macAddress: device.identity.macAddress,
      firmwareVersion: device.maintenance.firmwareVersion,
      upTime: device.upTime(),
      cloud: device.cloud,
    })),
  );

  app.get(
    '/admin/api/security-code',
    guarded(() => device.securityCode.current()),
  );
  app.post(
    '/admin/api/security-code/generate',
    guarded(() => device.securityCode.generateNew()),
  );

  app.post(
    '/admin/api/backup',
    guarded(async (request, reply) => {
      const body = parseBody(backupSchema, request.body);
      const file = await device.maintenance.backup(body.password || undefined);
      return reply
        .header('Content-Disposition', `attachment; filename="${file.filename}"`)
        .type(file.contentType)
        .send(file.body);
    }),
  );

  app.post(
    '/admin/api/restore',
    guarded(async (request, reply) => {
      if (!request.isMultipart()) {
        throw new DeviceError(
          11,
          'Send the backup as multipart/form-data with the field "file" (and "password" if it is encrypted).',
          'file',
        );
      }
      const form = await receiveMultipart(device.uploads, request, {
        limitFor: (field) => (field === 'file' ? RESTORE_UPLOAD : undefined),
        maxFiles: 1,
      });
      const file = form.files.get('file');
      if (!file)
        throw new DeviceError(
          11,
          'Choose the backup file to restore (multipart field "file").',
          'file',
        );
      await device.maintenance.restore(file, form.fields.password || undefined);
      return reply.code(204).send();
    }),
  );

  app.post(
    '/admin/api/factory-reset',
    guarded(async (request, reply) => {
      const body = parseBody(resetSchema, request.body);
      await device.maintenance.factoryReset({ network: body.networkSettingsAndCertificates });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    }),
  );

  app.post(
    '/admin/api/restart',
    guarded((_request, reply) => {
      device.maintenance.restart('web administration');
      return reply.code(204).send();
    }),
  );

  app.get(
    '/admin/api/config',
    guarded(() => {
      const config = device.config.current;
      return {
        network: config.network,
        webServer: config.webServer,
        httpApi: {
          services: config.httpApi.services,
          accounts: accounts.apiAccounts(),
          privileges: PRIVILEGES,
        },
        switches: config.switches,
        audio: config.audio,
        display: config.display,
        directoryEntries: config.directory.users.length,
        certificate: { certPem: config.certificate.certPem },
      };
    }),
  );

  app.put(
    '/admin/api/network',
    guarded(async (request, reply) => {
      const body = parseBody(networkSchema, request.body);
      try {
        await device.config.update('network settings changed', (draft) => {
          draft.network = { ...draft.network, ...body };
        });
      } catch (error) {
        if (error instanceof z.ZodError)
          throw new DeviceError(
            12,
            `Check the network settings: ${error.issues[0]?.message ?? 'invalid value'}.`,
            'network',
          );
        throw error;
      }
      return reply.code(204).send();
    }),
  );

  app.put<{ Params: { service: string } }>(
    '/admin/api/http-api/services/:service',
    guarded(async (request, reply) => {
      const name = (request.params as { service: string }).service;
      if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
        throw new DeviceError(
          12,
          `There is no service "${name}"; use one of ${SERVICE_NAMES.join(', ')}.`,
          'service',
        );
      }
      const body = parseBody(serviceSchema, request.body);
      await device.config.update(`HTTP API service ${name} changed`, (draft) => {
        Object.assign(draft.httpApi.services[name as ServiceName], body);
      });
      return reply.code(204).send();
    }),
  );

  app.put(
    '/admin/api/http-api/accounts/:id',
    guarded(async (request) => {
      const id = Number((request.params as { id: string }).id);
      if (!Number.isInteger(id) || id < 1) {
        throw new DeviceError(12, 'Give the account number (1 to 5) in the path.', 'id');
      }
      const body = parseBody(accountSchema, request.body);
      return accounts.saveApiAccount({ id, ...body });
    }),
  );

  app.delete(
    '/admin/api/http-api/accounts/:id',
    guarded(async (request, reply) => {
      await accounts.deleteApiAccount(Number((request.params as { id: string }).id));
      return reply.code(204).send();
    }),
  );

  app.put(
    '/admin/api/switches/:switch',
    guarded(async (request, reply) => {
      const number = Number((request.params as { switch: string }).switch);
      device.switches.checkSwitchNumber(number);
      const body = parseBody(switchSchema, request.body);
      await device.config.update(`switch ${number} settings changed`, (draft) => {
        Object.assign(draft.switches[number - 1]!, body);
      });
      return reply.code(204).send();
    }),
  );

  /** Emulator only: what a wired contact would do to an input. */
  app.post(
    '/admin/api/simulate/input',
    guarded((request, reply) => {
      const body = parseBody(inputSchema, request.body);
      device.io.simulateInput(body.port, body.active);
      return reply.code(204).send();
    }),
  );

  // The new web interface's Hardware → Switches, Directory and firmware upload: the same
  // services as the HTTP API's /api/switch/*, /api/dir/* and /api/firmware.
  app.get(
    '/admin/api/switches',
    guarded(() => {
      const status = device.switches.status();
      return {
        switches: device.config.current.switches.map((settings) => ({
          ...settings,
          ...status.find((s) => s.switch === settings.switch),
        })),
      };
    }),
  );

  app.post(
    '/admin/api/switches/:switch/trigger',
    guarded((request, reply) => {
      const number = Number((request.params as { switch: string }).switch);
      device.switches.control(number, 'trigger');
      return reply.code(204).send();
    }),
  );

  app.get(
    '/admin/api/directory',
    guarded(() => device.directory.query(0)),
  );

  app.post(
    '/admin/api/directory',
    guarded(async (request, reply) => {
      const body = parseBody(directoryEntrySchema, request.body);
      const [created] = await device.directory.create(
        [{ name: body.name, email: body.email, callPos: body.peer ? [{ peer: body.peer }] : [] }],
        false,
      );
      return reply.code(201).send(created);
    }),
  );

  app.delete(
    '/admin/api/directory/:uuid',
    guarded(async (request, reply) => {
      await device.directory.delete([{ uuid: (request.params as { uuid: string }).uuid }]);
      return reply.code(204).send();
    }),
  );

  app.put(
    '/admin/api/firmware',
    guarded(async (request) => {
      if (!isBodyStream(request.body)) {
        throw new DeviceError(
          11,
          'Send the firmware image as the request body (Content-Type: application/octet-stream).',
          'blob-fw',
        );
      }
      const image = await receiveBody(device.uploads, request, FIRMWARE_UPLOAD);
      return device.maintenance.uploadFirmware(image);
    }),
  );

  app.post(
    '/admin/api/firmware/apply',
    guarded(async (_request, reply) => {
      await device.maintenance.applyFirmware();
      return reply.code(204).send();
    }),
  );

  app.post(
    '/admin/api/firmware/reject',
    guarded(async (_request, reply) => {
      await device.maintenance.rejectFirmware();
      return reply.code(204).send();
    }),
  );

  registerFrontPanelAdminApi(app, device, guarded);
}
