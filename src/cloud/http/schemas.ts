import { CONFIGURATION_MODES, SYNC_STATES } from '../../core/building.model.ts';
import { z } from 'zod';
import { SITE_TYPES } from '../../core/building.model.ts';
import { errorCatalog, type ErrorCode } from '../../core/errors.ts';
import { parseSecurityCode } from '../../core/security-code.rules.ts';
import { parseSerialNumber } from '../../core/serial.rules.ts';
import type { Result } from '../../core/result.ts';

const errorCodes = Object.keys(errorCatalog) as [ErrorCode, ...ErrorCode[]];

/** DESIGN.md: every error answer is `{error: {code, message, cause, hints}}`. */
export const ErrorBodySchema = z
  // Loose: an answer may carry more beside `error` (a residents import's rows, issue 17).
  .looseObject({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      cause: z.string(),
      hints: z.array(z.string()),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'ErrorBody' });

/** The error answers a route may give, for its OpenAPI responses. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBodySchema]));
}

/** A string field read through one of core's tolerant parsers. */
function parsed<T>(parse: (input: string) => Result<T>, description: string) {
  return z
    .string()
    .max(100)
    .describe(description)
    .transform((value, ctx) => {
      const result = parse(value);
      if (!result.ok) {
        ctx.addIssue({ code: 'custom', message: result.message });
        return z.NEVER;
      }
      return result.value;
    });
}

export const SerialNumberField = parsed(
  parseSerialNumber,
  'Serial number NN-NNNN-NNNN; dashes, spaces and dots between groups are optional.',
);
export const SecurityCodeField = parsed(
  parseSecurityCode,
  'Security code XXXX-XXXX-XXXX-XXXX, in any case, with or without dashes or spaces.',
);

export const NameField = z.string().trim().min(1, 'Enter a name.').max(100);
export const EmailField = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter an e-mail address such as anna@example.com.');

export const PageQuery = z.strictObject({
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  createdAt: z.string(),
});

export const SiteSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(SITE_TYPES),
    companyId: z.string(),
    companyName: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Site' });

export const DeviceSchema = z
  .object({
    serialNumber: z.string(),
    model: z.string(),
    firmware: z.string().nullable(),
    online: z.boolean(),
    lastSeenAt: z.string().nullable(),
    addedAt: z.string(),
    name: z.string().nullable(),
    location: z.string().nullable(),
    configurationMode: z.enum(CONFIGURATION_MODES),
    sync: z.object({
      state: z.enum(SYNC_STATES),
      version: z.number(),
      since: z.string(),
      reason: z.string().optional(),
    }),
  })
  .meta({ id: 'Device' });

export const SiteIdParams = z.strictObject({ siteId: z.string().max(100) });
