import { z } from 'zod';
import { answerFor } from '../../device.error-catalog.ts';
import { DeviceError } from '../../device.errors.ts';
import { SESSION_COOKIE } from '../../session.guard.ts';
import {
  described,
  sendAnswer,
  sendCatalogError,
  validBody,
  type AdminRoutes,
} from './admin.http.ts';
import { answers, noContent, sessionView } from './admin.schemas.ts';

const loginSchema = z.object({ username: z.string().max(64), password: z.string().max(256) });
const passwordSchema = z.object({
  currentPassword: z.string().max(256),
  newPassword: z.string().max(256),
});

/**
 * Login, logout, the session, and the administrator password. As on the vendor's web
 * interface, the first login with the factory password admin / 2n must choose a new one.
 *
 *   POST /admin/api/login {username, password}  → {csrfToken, mustChangePassword} + cookie
 *   POST /admin/api/logout · GET /admin/api/session
 *   POST /admin/api/password {currentPassword, newPassword}
 */
export const registerSessionAdminApi: AdminRoutes = (app, device, guard) => {
  const { accounts } = device;

  app.post(
    '/admin/api/login',
    described('session', 'Log in: the session cookie, and the CSRF token for changes', {
      body: loginSchema,
      response: answers({ 200: sessionView }),
      security: [],
    }),
    async (request, reply) => {
      let body: z.infer<typeof loginSchema>;
      try {
        body = validBody(request, loginSchema);
      } catch (error) {
        if (error instanceof DeviceError) return sendAnswer(reply, answerFor(error));
        throw error;
      }
      const attempt = await accounts.login(body.username, body.password, request.ip);
      if (attempt.session === null && attempt.blockedForSeconds !== undefined) {
        reply.header('Retry-After', String(attempt.blockedForSeconds));
        return sendCatalogError(reply, 'LOGIN_BLOCKED', {
          seconds: String(attempt.blockedForSeconds),
        });
      }
      const created = attempt.session;
      if (!created) return sendCatalogError(reply, 'LOGIN_FAILED');
      reply.setCookie(SESSION_COOKIE, created.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
      });
      return { csrfToken: created.csrfToken, mustChangePassword: accounts.mustChangePassword };
    },
  );

  app.post(
    '/admin/api/logout',
    described('session', 'Log out', { response: answers(noContent) }),
    guard(
      (_request, reply, current) => {
        accounts.logout(current.token);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send();
      },
      { beforeChange: true },
    ),
  );

  app.get(
    '/admin/api/session',
    described('session', 'The current session and its CSRF token', {
      response: answers({ 200: sessionView }),
    }),
    guard(
      (_request, _reply, current) => ({
        csrfToken: current.csrfToken,
        mustChangePassword: accounts.mustChangePassword,
      }),
      { beforeChange: true },
    ),
  );

  app.post(
    '/admin/api/password',
    described('session', 'Change the administrator password', {
      body: passwordSchema,
      response: answers(noContent),
    }),
    guard(
      async (request, reply, current) => {
        const body = validBody(request, passwordSchema);
        await accounts.changeAdminPassword(body.currentPassword, body.newPassword, current.token);
        return reply.code(204).send();
      },
      { beforeChange: true },
    ),
  );
};
