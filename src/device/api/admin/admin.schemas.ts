import { z } from 'zod';

/**
 * Answers the admin API shares, for its OpenAPI document (/admin/openapi.json) and the typed
 * client generated from it. Answers are loose objects: the serializer checks the fields named
 * here and passes the rest through, so a field the services add is never silently dropped.
 */

/**
 * The document's named schemas, in a registry of the device's own: zod's global registry also
 * holds the cloud's, and a process may load both (the CLI, the generator, tests).
 */
export const adminSchemas = z.registry<{ id: string }>();

function named<S extends z.ZodType>(id: string, schema: S): S {
  adminSchemas.add(schema, { id });
  return schema;
}

/** `{error: {code, message, field?, reason?}}` from the device error catalog (docs/device-errors.md). */
export const deviceErrorBody = named(
  'DeviceErrorBody',
  z.object({
    error: z.looseObject({
      code: z.string(),
      message: z.string(),
      field: z.string().optional(),
      reason: z.string().optional(),
    }),
  }),
);

const refusals = {
  400: deviceErrorBody,
  401: deviceErrorBody,
  403: deviceErrorBody,
  404: deviceErrorBody,
  409: deviceErrorBody,
  413: deviceErrorBody,
  415: deviceErrorBody,
  429: deviceErrorBody,
};

/** Every admin answer: `ok` under its status (204 for none), the catalog's errors for the rest. */
export function answers<A extends Record<number, z.ZodType>>(ok: A) {
  return { ...refusals, ...ok };
}

/** 204 No Content. */
export const noContent = { 204: z.null().describe('No content') };

export const sessionView = named(
  'Session',
  z.looseObject({ csrfToken: z.string(), mustChangePassword: z.boolean() }),
);

export const securityCodeView = named(
  'SecurityCodeView',
  z.looseObject({ serialNumber: z.string(), securityCode: z.string(), generation: z.number() }),
);

export const cloudLinkView = named(
  'CloudLink',
  z.looseObject({
    state: z.enum(['disconnected', 'connecting', 'connected']),
    site: z.string().nullable(),
    // Issue 17: the Auto Provisioning mode the cloud set; null while the device is in no site.
    configurationMode: z.enum(['automatic', 'manual']).nullable(),
  }),
);

export const systemView = named(
  'SystemInfo',
  z.looseObject({
    serialNumber: z.string(),
    model: z.string(),
    macAddress: z.string(),
    firmwareVersion: z.string(),
    upTime: z.number(),
    cloud: cloudLinkView,
  }),
);

export const networkSettings = named(
  'NetworkSettings',
  z.looseObject({
    dhcp: z.boolean(),
    ipAddress: z.string(),
    netmask: z.string(),
    gateway: z.string(),
    dns1: z.string(),
    dns2: z.string(),
  }),
);

export const apiAccountView = named(
  'ApiAccountView',
  z.looseObject({
    id: z.number(),
    enabled: z.boolean(),
    username: z.string(),
    privileges: z.array(z.string()),
  }),
);

export const configView = named(
  'DeviceConfigView',
  z.looseObject({
    network: networkSettings,
    httpApi: z.looseObject({
      services: z.record(z.string(), z.unknown()),
      accounts: z.array(apiAccountView),
      privileges: z.array(z.string()),
    }),
  }),
);

export const switchView = named(
  'SwitchView',
  z.looseObject({
    switch: z.number(),
    enabled: z.boolean(),
    mode: z.enum(['monostable', 'bistable']),
    switchOnDuration: z.number(),
    type: z.string(),
    active: z.boolean(),
    locked: z.boolean(),
    held: z.boolean(),
  }),
);

export const directoryUser = named(
  'DirectoryUser',
  z.looseObject({
    uuid: z.string(),
    /** 'My2N' on the entries the cloud manages (issue 17). */
    owner: z.string().optional(),
    name: z.string(),
    email: z.string(),
    callPos: z.array(z.looseObject({ peer: z.string() })),
  }),
);

export const directoryView = z.looseObject({
  series: z.union([z.string(), z.number()]),
  iterator: z.looseObject({ timestamp: z.number() }),
  users: z.array(directoryUser),
});

export const writtenEntry = z.looseObject({ uuid: z.string(), timestamp: z.number() });

export const callSessionView = named(
  'CallSessionView',
  z.looseObject({
    session: z.number(),
    direction: z.enum(['incoming', 'outgoing']),
    state: z.enum(['connecting', 'ringing', 'connected']),
    calls: z.array(z.looseObject({ id: z.number(), peer: z.string(), state: z.string() })),
  }),
);

export const callLimits = named(
  'CallLimits',
  z.looseObject({ ringSeconds: z.number(), talkSeconds: z.number() }),
);

export const frontPanelView = named(
  'FrontPanelView',
  z.looseObject({
    door: z.enum(['opened', 'closed']),
    tamper: z.boolean(),
    motion: z.boolean(),
    buttons: z.array(
      z.looseObject({
        button: z.number(),
        key: z.string(),
        uuid: z.string(),
        name: z.string(),
        peer: z.string(),
      }),
    ),
    calls: z.array(callSessionView),
    callLimits,
    accessPoints: z.array(
      z.looseObject({
        accessPoint: z.number(),
        failedAttempts: z.number(),
        limitedForSeconds: z.number(),
      }),
    ),
    recentEvents: z.array(
      z.looseObject({
        utcTime: z.number(),
        event: z.string(),
        params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
      }),
    ),
  }),
);

export const credentialResult = named(
  'CredentialResult',
  z.looseObject({
    valid: z.boolean(),
    user: z.string().nullable(),
    switches: z.array(z.number()),
    /** Set when the access point refuses everyone for a while after failed attempts. */
    accessLimitedFor: z.number().optional(),
  }),
);

export const firmwareUpload = named(
  'FirmwareUpload',
  z.looseObject({
    fileId: z.string(),
    version: z.string(),
    downgrade: z.boolean(),
    note: z.string(),
  }),
);

/** The one call session an action started. */
export const startedSession = z.looseObject({ session: z.number().optional() });
