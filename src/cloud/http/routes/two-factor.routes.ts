import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TwoFactorService } from '../../services/two-factor.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses } from '../schemas.ts';

const CodeField = z
  .string()
  .max(32)
  .describe('The 6-digit code of the authenticator app, or a recovery code (XXXX-XXXX-XXXX)');

const RecoveryCodesBody = z.object({
  recoveryCodes: z
    .array(z.string())
    .describe('Shown once: each signs in once instead of a code from the app'),
});

/**
 * Two-factor sign-in of the signed-in person (issue 16). Session only, like the other account
 * routes: an API token gets 403 SESSION_REQUIRED.
 */
export function twoFactorRoutes(twoFactor: TwoFactorService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/me/two-factor',
      {
        schema: {
          tags: ['account'],
          summary: 'Whether two-factor sign-in is on, and how many recovery codes are unused.',
          response: {
            200: z.object({ enabled: z.boolean(), recoveryCodesLeft: z.number().int() }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => twoFactor.status(actorOf(request)),
    );

    app.post(
      '/api/me/two-factor/setup',
      {
        schema: {
          tags: ['account'],
          summary:
            'Start (or restart) the setup of two-factor sign-in: a new secret, as text, otpauth:// URI and QR code. Nothing changes until it is confirmed with a code.',
          response: {
            200: z.object({
              secret: z.string().describe('Base32, to type into the app instead of scanning'),
              otpauthUrl: z.string(),
              qrSvg: z.string().describe('The otpauth:// URI as a QR code (SVG)'),
            }),
            ...errorResponses(401, 403, 409),
          },
        },
      },
      async (request) => twoFactor.setup(actorOf(request)),
    );

    app.post(
      '/api/me/two-factor/enable',
      {
        schema: {
          tags: ['account'],
          summary:
            'Confirm the setup with a code from the app: turns two-factor sign-in on and answers 10 recovery codes, shown once.',
          body: z.strictObject({ code: CodeField }),
          response: {
            200: RecoveryCodesBody,
            ...errorResponses(400, 401, 403, 409),
          },
        },
      },
      async (request) => twoFactor.enable(actorOf(request), request.body.code),
    );

    app.post(
      '/api/me/two-factor/disable',
      {
        schema: {
          tags: ['account'],
          summary:
            'Turn two-factor sign-in off, with your password and a code (or a recovery code).',
          body: z.strictObject({ password: z.string().max(256), code: CodeField }),
          response: {
            204: z.null().describe('Off; the secret and the recovery codes are deleted'),
            ...errorResponses(400, 401, 403, 409, 429),
          },
        },
      },
      async (request, reply) => {
        await twoFactor.disable(actorOf(request), request.body);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/me/two-factor/recovery-codes',
      {
        schema: {
          tags: ['account'],
          summary:
            'New recovery codes, for a code (or a recovery code); the old ones stop working.',
          body: z.strictObject({ code: CodeField }),
          response: {
            200: RecoveryCodesBody,
            ...errorResponses(400, 401, 403, 409, 429),
          },
        },
      },
      async (request) => twoFactor.regenerateRecoveryCodes(actorOf(request), request.body.code),
    );
  };
}
