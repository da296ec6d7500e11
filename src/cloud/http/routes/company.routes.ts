import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CompanyService } from '../../services/company.service.ts';
import { actorOf } from '../auth.hooks.ts';
import { errorResponses, NameField } from '../schemas.ts';

const CompanySettingsSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  requireTwoFactor: z.boolean(),
});

/** The current company (X-Company-Id) and its settings. */
export function companyRoutes(company: CompanyService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/company',
      {
        schema: {
          tags: ['company'],
          summary: 'The current company (X-Company-Id), your role in it and its settings.',
          response: { 200: CompanySettingsSchema, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => company.get(actorOf(request)),
    );

    app.patch(
      '/api/company',
      {
        schema: {
          tags: ['company'],
          summary: "Change the company's name or require two-factor sign-in of everyone (admins).",
          body: z.strictObject({
            name: NameField.optional(),
            requireTwoFactor: z.boolean().optional(),
          }),
          response: { 200: CompanySettingsSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request) => company.update(actorOf(request), request.body),
    );
  };
}
