import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Device } from '../../device.ts';
import { deviceErrorCatalog } from '../../device.error-catalog.ts';
import { sameToken, SESSION_COOKIE, sessionOf } from '../../session.guard.ts';
import { text, type ClassicPage } from '../classic.kit.ts';
import type { FieldErrors } from '../forms.ts';
import { BASE, CSRF_FIELD, page, type Notice } from '../layout.ts';
import { loginBody } from './login.template.ts';

/** Double-submit token of the login form (there is no session yet to tie it to). */
const LOGIN_COOKIE = 'lk_classic_login';

/** Messages the login page shows after a redirect: `?m=<key>`. */
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

/**
 * Login and logout of the classic interface, as on the vendor's web interface: user admin, a
 * new or reset device uses the password 2n (then the forced change, password.page.ts). Wrong
 * passwords are counted by AccountsService and block logins for a while (catalog LOGIN_FAILED,
 * LOGIN_BLOCKED).
 */
export const loginPage: ClassicPage = (app, kit) => {
  const { device, send, redirect, guarded } = kit;
  const { accounts } = device;

  const renderLogin = (
    reply: FastifyReply,
    options: { username?: string; errors?: FieldErrors; notice?: Notice | null; status?: number },
  ) => {
    const loginToken = randomBytes(24).toString('base64url');
    reply.setCookie(LOGIN_COOKIE, loginToken, { path: BASE, httpOnly: true, sameSite: 'strict' });
    return send(
      reply,
      page({
        title: 'Log in',
        deviceName: kit.deviceName(),
        body: loginBody({
          loginToken,
          username: options.username ?? '',
          errors: options.errors ?? {},
          notice: null,
          deviceName: kit.deviceName(),
        }),
        notice: options.notice ?? null,
      }),
      options.status,
    );
  };

  app.get(`${BASE}/login`, (request, reply) => {
    if (sessionOf(accounts, request)) return redirect(reply, `${BASE}/`);
    const key = (request.query as Record<string, unknown>)?.m;
    const message = typeof key === 'string' ? LOGIN_MESSAGES[key] : undefined;
    return renderLogin(reply, { notice: message ? message(device) : null });
  });

  app.post(`${BASE}/login`, async (request, reply) => {
    const username = text(request.body, 'username');
    if (!sameToken(text(request.body, CSRF_FIELD), request.cookies[LOGIN_COOKIE])) {
      return renderLogin(reply, {
        username,
        status: deviceErrorCatalog.CSRF_TOKEN_INVALID.status,
        notice: {
          kind: 'error',
          text: 'The login form had expired or did not come from this device. Log in again on this page.',
        },
      });
    }
    const password = text(request.body, 'password');
    if (username === '') {
      return renderLogin(reply, {
        status: deviceErrorCatalog.VALIDATION_FAILED.status,
        errors: { username: 'Enter the user name (admin).' },
      });
    }
    const attempt = await accounts.login(username, password, request.ip);
    if (!attempt.session) {
      const blocked = 'blockedForSeconds' in attempt ? attempt.blockedForSeconds : undefined;
      if (blocked !== undefined) reply.header('Retry-After', String(blocked));
      return renderLogin(reply, {
        username,
        status: deviceErrorCatalog[blocked !== undefined ? 'LOGIN_BLOCKED' : 'LOGIN_FAILED'].status,
        errors: {
          password:
            blocked !== undefined
              ? `Too many wrong passwords: logins are blocked for ${blocked} more seconds. Wait, then try again with the right password.`
              : deviceErrorCatalog.LOGIN_FAILED.message,
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
};
