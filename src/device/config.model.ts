import { z } from 'zod';
import { DEFAULT_TIME } from './time.service.ts';
import { isHolidayDate, MAX_HOLIDAYS } from './holidays.service.ts';

/** The HTTP API services, as the vendor groups its functions (Services → HTTP API). */
export const SERVICE_NAMES = [
  'system',
  'switch',
  'io',
  'audio',
  'camera',
  'display',
  'email',
  'phone',
  'logging',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The privileges an HTTP API account can hold, one per vendor privilege group. */
export const PRIVILEGES = [
  'system.control',
  'switch.monitor',
  'switch.control',
  'io.monitor',
  'io.control',
  'audio.control',
  'camera.monitor',
  'display.control',
  'email.control',
  'phone.monitor',
  'phone.control',
] as const;
export type Privilege = (typeof PRIVILEGES)[number];

/**
 * How a service authenticates. The vendor offers None, Basic and Digest; `basic+digest` is this
 * emulator's setting for integrators (`--api-account`) and accepts either scheme.
 */
export const AUTH_METHODS = ['none', 'basic', 'digest', 'basic+digest'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export const MAX_API_ACCOUNTS = 5;
export const SWITCH_COUNT = 4;
export const MAX_DIRECTORY_USERS = 2000;

const ipv4 = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$|^$/, 'an IPv4 address like 192.168.1.10');
const text = (max: number) => z.string().max(max);

export const serviceSchema = z.object({
  enabled: z.boolean(),
  connection: z.enum(['http', 'https']),
  auth: z.enum(AUTH_METHODS),
});
export type ServiceSettings = z.infer<typeof serviceSchema>;

export const apiAccountSchema = z.object({
  id: z.number().int().min(1).max(MAX_API_ACCOUNTS),
  enabled: z.boolean(),
  username: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,32}$/, '1–32 letters, digits, dots, dashes or underscores'),
  /** MD5(username:realm:password) — enough for Digest and Basic, never the password itself. */
  passwordHa1: z.string().regex(/^[0-9a-f]{32}$/),
  privileges: z.array(z.enum(PRIVILEGES)),
  /**
   * SHA-256(username:realm:password) for Digest with SHA-256 (RFC 7616); absent for an account
   * saved before this existed, until its password is set again (it then answers MD5 only).
   */
  passwordHa1Sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type ApiAccount = z.infer<typeof apiAccountSchema>;

/** Unix time in seconds as the manual's directory writes it; "0" means no limit. */
const unixTime = z.string().regex(/^\d{1,10}$/, 'a Unix time in seconds, "0" for none');
const directoryUuid = z
  .string()
  .regex(
    /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/,
    'a uuid like 01234567-89AB-CDEF-0123-456789ABCDEF',
  );

/** The number of call positions and access points a directory entry holds (2N HTTP API §5.14.1). */
export const CALL_POSITIONS = 3;
export const ACCESS_POINTS = 2;

/**
 * One directory entry (2N HTTP API §5.14.1). Fields added after the first release are optional,
 * so an older config.xml still reads; a missing one has its template default.
 */
export const directoryUserSchema = z.object({
  uuid: directoryUuid,
  timestamp: z.number().int().min(0),
  owner: text(64).optional(),
  name: text(64),
  email: text(128),
  treepath: text(256),
  virtNumber: text(32),
  /** The uuid of the entry that takes this one's calls when it does not answer; "" for none. */
  deputy: z.union([z.literal(''), directoryUuid]).optional(),
  callPos: z
    .array(z.object({ peer: text(128), grouped: z.boolean().optional() }))
    .max(CALL_POSITIONS),
  access: z.object({
    pin: z.string().regex(/^$|^\d{2,15}$/, '2 to 15 digits, or empty'),
    card: z
      .array(z.string().regex(/^[0-9A-Fa-f]{1,32}$/, 'a card id of 1 to 32 hex digits'))
      .max(2),
    code: z.array(z.string().regex(/^$|^\d{2,15}$/, '2 to 15 digits, or empty')).max(4),
    validFrom: unixTime.optional(),
    validTo: unixTime.optional(),
    accessPoints: z
      .array(z.object({ enabled: z.boolean() }))
      .max(ACCESS_POINTS)
      .optional(),
  }),
});
export type DirectoryUser = z.infer<typeof directoryUserSchema>;

export const switchSchema = z.object({
  switch: z.number().int().min(1).max(SWITCH_COUNT),
  enabled: z.boolean(),
  mode: z.enum(['monostable', 'bistable']),
  switchOnDuration: z.number().int().min(1).max(3600),
  type: z.enum(['normal', 'security']),
});
export type SwitchSettings = z.infer<typeof switchSchema>;

/** 2N HTTP API §5.6.3: the intercom's SIP accounts ("1 or 2"). */
export const SIP_ACCOUNT_COUNT = 2;
const port = z
  .string()
  .regex(/^$|^([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/);
const host = z
  .string()
  .regex(/^$|^[A-Za-z0-9](?:[A-Za-z0-9.:-]{0,252})$/, 'a host name or address');
export const sipAccountSchema = z.object({
  account: z.number().int().min(1).max(SIP_ACCOUNT_COUNT),
  enabled: z.boolean(),
  displayName: text(64),
  sipNumber: z.string().regex(/^$|^[A-Za-z0-9.+*#_-]{1,64}$/, 'a SIP user part'),
  domain: host,
  domainPort: port,
  authId: text(64),
  /** Needed to register, so kept as given; never answered by the HTTP API (§5.6.3). */
  password: text(64),
  proxyAddress: host,
  proxyPort: port,
  registrationEnabled: z.boolean(),
  registrarAddress: host,
  registrarPort: port,
  answerMode: z.string().regex(/^\d$/, 'a digit'),
});
export type SipAccount = z.infer<typeof sipAccountSchema>;

/** 2N HTTP API §5.20: how many certificates each store keeps (the emulator's limits). */
export const MAX_CA_CERTIFICATES = 32;
export const MAX_USER_CERTIFICATES = 8;
/** A user-defined certificate id is `@name` (§5.20; `#…` ids are the device's own). */
export const CERT_ID = /^@[A-Za-z0-9._-]{1,32}$/;
const certId = z.string().regex(CERT_ID);

export const deviceConfigSchema = z.object({
  model: text(64).min(1),
  network: z.object({
    dhcp: z.boolean(),
    ipAddress: ipv4,
    netmask: ipv4,
    gateway: ipv4,
    dns1: ipv4,
    dns2: ipv4,
    hostname: z.string().regex(/^[A-Za-z0-9-]{1,63}$/, 'letters, digits and dashes'),
  }),
  certificate: z.object({
    keyPem: z.string().includes('PRIVATE KEY'),
    certPem: z.string().includes('CERTIFICATE'),
  }),
  webServer: z.object({ deviceName: text(64) }),
  admin: z.object({
    username: z.literal('admin'),
    /** scrypt hash; empty means the factory password `2n`, which must be changed first. */
    passwordHash: z
      .string()
      .regex(
        /^$|^scrypt\$1[0-9]\$[1-9]\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/,
        'a password hash made by this device',
      ),
  }),
  httpApi: z.object({
    services: z.object(
      Object.fromEntries(SERVICE_NAMES.map((name) => [name, serviceSchema])) as Record<
        ServiceName,
        typeof serviceSchema
      >,
    ),
    accounts: z.array(apiAccountSchema).max(MAX_API_ACCOUNTS),
  }),
  directory: z.object({
    timestamp: z.number().int().min(0),
    users: z.array(directoryUserSchema).max(MAX_DIRECTORY_USERS),
    /** The timestamp series (2N HTTP API §5.14.6); absent until the first change. */
    series: z
      .string()
      .regex(/^\d{1,20}$/)
      .optional(),
    /** Deleted entries, kept so that dir/query can report them (2N HTTP API §5.14.6). */
    deleted: z
      .array(z.object({ uuid: directoryUuid, timestamp: z.number().int().min(0) }))
      .max(MAX_DIRECTORY_USERS)
      .optional(),
    /**
     * Issue 17: the cloud-managed entries' (owner My2N) site and the version of the cloud's
     * directory last applied; absent in older files and after a factory reset (none held).
     */
    cloud: z
      .object({
        siteId: z.string().min(1).max(64).nullable(),
        version: z.number().int().min(0),
      })
      .optional(),
  }),
  switches: z.array(switchSchema).length(SWITCH_COUNT),
  audio: z.object({
    speakerVolume: z.number().int().min(0).max(10),
    microphoneSensitivity: z.number().int().min(0).max(10),
  }),
  display: z.object({
    brightness: z.number().int().min(0).max(100),
    language: z.string().regex(/^[a-z]{2}$/),
  }),
  /** 2N HTTP API §5.1.5–§5.1.7: time source and time zone. */
  time: z.object({
    automatic: z.boolean(),
    ntpServer: text(253),
    zoneAutomatic: z.boolean(),
    /** An IANA name from system/timezone/caps, or `custom` (then `customZone` applies). */
    zone: text(64).min(1),
    customZone: z.string().regex(/^$|^UTC[+-]\d{2}:\d{2}$/),
  }),
  /** 2N HTTP API §5.6.3: the SIP accounts, one entry per account. */
  phone: z.object({
    accounts: z.array(sipAccountSchema).length(SIP_ACCOUNT_COUNT),
  }),
  /** 2N HTTP API §5.20: uploaded CA and user certificates (the self-signed one is `certificate`). */
  certStore: z.object({
    ca: z
      .array(
        z.object({ id: certId.or(z.literal('')), certPem: z.string().includes('CERTIFICATE') }),
      )
      .max(MAX_CA_CERTIFICATES),
    user: z
      .array(
        z.object({
          id: certId.or(z.literal('')),
          certPem: z.string().includes('CERTIFICATE'),
          keyPem: z.string().includes('PRIVATE KEY'),
        }),
      )
      .max(MAX_USER_CERTIFICATES),
  }),
  /** 2N HTTP API §5.3.3: the bank holidays, DD/MM (every year) or DD/MM/YYYY (that year only). */
  holidays: z.object({
    dates: z
      .array(z.string().refine(isHolidayDate, 'a date DD/MM or DD/MM/YYYY'))
      .max(MAX_HOLIDAYS),
  }),
});
export type DeviceConfig = z.infer<typeof deviceConfigSchema>;

export function hostnameFor(serialNumber: string): string {
  return `2N-IP-${serialNumber.replace(/-/g, '')}`;
}

/**
 * Factory defaults, as a new unit leaves the factory: DHCP, every HTTP API service enabled but
 * HTTPS-only with Digest (as the vendor ships it), no API accounts, admin password `2n`.
 */
export function defaultConfig(
  model: string,
  serialNumber: string,
  certificate: DeviceConfig['certificate'],
): DeviceConfig {
  return {
    model,
    network: {
      dhcp: true,
      ipAddress: '',
      netmask: '',
      gateway: '',
      dns1: '',
      dns2: '',
      hostname: hostnameFor(serialNumber),
    },
    certificate,
    webServer: { deviceName: model },
    admin: { username: 'admin', passwordHash: '' },
    httpApi: {
      services: Object.fromEntries(
        SERVICE_NAMES.map((name) => [name, { enabled: true, connection: 'https', auth: 'digest' }]),
      ) as Record<ServiceName, ServiceSettings>,
      accounts: [],
    },
    directory: { timestamp: 0, users: [] },
    switches: Array.from({ length: SWITCH_COUNT }, (_, index) => ({
      switch: index + 1,
      enabled: index < 2,
      mode: 'monostable' as const,
      switchOnDuration: 5,
      type: 'normal' as const,
    })),
    audio: { speakerVolume: 7, microphoneSensitivity: 5 },
    display: { brightness: 80, language: 'en' },
    time: { ...DEFAULT_TIME },
    phone: { accounts: defaultSipAccounts() },
    certStore: { ca: [], user: [] },
    holidays: { dates: [] },
  };
}

/** Factory SIP accounts: configured nowhere, disabled, answer mode 1 (as §5.6.3 shows). */
export function defaultSipAccounts(): SipAccount[] {
  return Array.from({ length: SIP_ACCOUNT_COUNT }, (_, index) => ({
    account: index + 1,
    enabled: false,
    displayName: '',
    sipNumber: '',
    domain: '',
    domainPort: '',
    authId: '',
    password: '',
    proxyAddress: '',
    proxyPort: '',
    registrationEnabled: false,
    registrarAddress: '',
    registrarPort: '',
    answerMode: '1',
  }));
}
