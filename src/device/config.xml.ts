import { createPrivateKey, X509Certificate } from 'node:crypto';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { fail, ok, type Result } from '../core/result.ts';
import { DEFAULT_TIME } from './time.service.ts';
import {
  defaultSipAccounts,
  deviceConfigSchema,
  SERVICE_NAMES,
  type DeviceConfig,
  type ServiceName,
} from './config.model.ts';

/**
 * The configuration as the vendor's XML: `<DeviceDatabase Version="4" Model="…">` with one
 * section per area (Network, Certificates, Services, Users, Directory, Switches, Audio, Display, …, Holidays).
 * This is what `GET /api/config` and the backup download return, and what a restore reads.
 */
export const DATABASE_VERSION = '4';

const LISTS = new Set([
  'DeviceDatabase.Services.HttpApi.Service',
  'DeviceDatabase.Users.ApiAccount',
  'DeviceDatabase.Directory.User',
  'DeviceDatabase.Directory.User.CallPos',
  'DeviceDatabase.Directory.User.Access.Card',
  'DeviceDatabase.Directory.User.Access.Code',
  'DeviceDatabase.Directory.User.Access.AccessPoint',
  'DeviceDatabase.Directory.Deleted',
  'DeviceDatabase.Switches.Switch',
  'DeviceDatabase.Phone.SipAccount',
  'DeviceDatabase.CertStore.Ca',
  'DeviceDatabase.CertStore.User',
  'DeviceDatabase.Holidays.Date',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (_name, jpath) => LISTS.has(String(jpath)),
});

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: false,
});

const flag = (value: boolean) => (value ? '1' : '0');

/** `{[key]: value}` when the value is there, `{}` when not: optional fields stay absent. */
function optional<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: String(value) } as Record<K, string>);
}

type DirectoryUser = DeviceConfig['directory']['users'][number];

// 2N HTTP API §5.14.1: the fields added after the first release are written only when set.
function directoryUserToXml(user: DirectoryUser) {
  const access = user.access;
  return {
    '@_Uuid': user.uuid,
    '@_Timestamp': String(user.timestamp),
    ...optional('@_Owner', user.owner),
    ...optional('@_Deputy', user.deputy),
    Name: user.name,
    Email: user.email,
    TreePath: user.treepath,
    VirtNumber: user.virtNumber,
    CallPos: user.callPos.map((position) => ({
      '@_Peer': position.peer,
      ...optional('@_Grouped', position.grouped === undefined ? undefined : flag(position.grouped)),
    })),
    Access: {
      '@_Pin': access.pin,
      ...optional('@_ValidFrom', access.validFrom),
      ...optional('@_ValidTo', access.validTo),
      Card: access.card,
      Code: access.code,
      ...(access.accessPoints === undefined
        ? {}
        : { AccessPoint: access.accessPoints.map((ap) => ({ '@_Enabled': flag(ap.enabled) })) }),
    },
  };
}

function directoryUserFromXml(user: Record<string, unknown>) {
  const access = node(user.Access);
  return {
    uuid: str(user['@_Uuid']),
    timestamp: int(user['@_Timestamp']),
    ...optional('owner', user['@_Owner']),
    ...optional('deputy', user['@_Deputy']),
    name: str(user.Name),
    email: str(user.Email),
    treepath: str(user.TreePath),
    virtNumber: str(user.VirtNumber),
    callPos: list(user.CallPos)
      .map(node)
      .map((position) => ({
        peer: str(position['@_Peer']),
        ...(position['@_Grouped'] === undefined ? {} : { grouped: bool(position['@_Grouped']) }),
      })),
    access: {
      pin: str(access['@_Pin']),
      card: list(access.Card).map(str),
      code: list(access.Code).map(str),
      ...optional('validFrom', access['@_ValidFrom']),
      ...optional('validTo', access['@_ValidTo']),
      ...(access.AccessPoint === undefined
        ? {}
        : {
            accessPoints: list(access.AccessPoint)
              .map(node)
              .map((ap) => ({ enabled: bool(ap['@_Enabled']) })),
          }),
    },
  };
}

export function configToXml(config: DeviceConfig): string {
  const tree = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    DeviceDatabase: {
      '@_Version': DATABASE_VERSION,
      '@_Model': config.model,
      Network: {
        Dhcp: flag(config.network.dhcp),
        IpAddress: config.network.ipAddress,
        Netmask: config.network.netmask,
        Gateway: config.network.gateway,
        Dns1: config.network.dns1,
        Dns2: config.network.dns2,
        HostName: config.network.hostname,
      },
      Certificates: {
        Certificate: {
          '@_Id': 'self-signed',
          PrivateKey: config.certificate.keyPem,
          Certificate: config.certificate.certPem,
        },
      },
      Services: {
        WebServer: { DeviceName: config.webServer.deviceName },
        HttpApi: {
          Service: SERVICE_NAMES.map((name) => ({
            '@_Name': name,
            '@_Enabled': flag(config.httpApi.services[name].enabled),
            '@_Connection': config.httpApi.services[name].connection,
            '@_Auth': config.httpApi.services[name].auth,
          })),
        },
      },
      Users: {
        Admin: { '@_Name': config.admin.username, '@_PasswordHash': config.admin.passwordHash },
        ApiAccount: config.httpApi.accounts.map((account) => ({
          '@_Id': String(account.id),
          '@_Enabled': flag(account.enabled),
          '@_Name': account.username,
          '@_PasswordHa1': account.passwordHa1,
          '@_Privileges': account.privileges.join(','),
          ...(account.passwordHa1Sha256
            ? { '@_PasswordHa1Sha256': account.passwordHa1Sha256 }
            : {}),
        })),
      },
      Directory: {
        '@_Timestamp': String(config.directory.timestamp),
        ...optional('@_Series', config.directory.series),
        ...(config.directory.cloud
          ? {
              '@_CloudSite': config.directory.cloud.siteId ?? '',
              '@_CloudVersion': String(config.directory.cloud.version),
            }
          : {}),
        User: config.directory.users.map(directoryUserToXml),
        Deleted: (config.directory.deleted ?? []).map((entry) => ({
          '@_Uuid': entry.uuid,
          '@_Timestamp': String(entry.timestamp),
        })),
      },
      Switches: {
        Switch: config.switches.map((sw) => ({
          '@_Id': String(sw.switch),
          '@_Enabled': flag(sw.enabled),
          '@_Mode': sw.mode,
          '@_Duration': String(sw.switchOnDuration),
          '@_Type': sw.type,
        })),
      },
      Audio: {
        SpeakerVolume: String(config.audio.speakerVolume),
        MicrophoneSensitivity: String(config.audio.microphoneSensitivity),
      },
      Display: {
        Brightness: String(config.display.brightness),
        Language: config.display.language,
      },
      Time: {
        '@_Automatic': flag(config.time.automatic),
        '@_NtpServer': config.time.ntpServer,
        '@_ZoneAutomatic': flag(config.time.zoneAutomatic),
        '@_Zone': config.time.zone,
        '@_CustomZone': config.time.customZone,
      },
      Phone: {
        SipAccount: config.phone.accounts.map((account) => ({
          '@_Id': String(account.account),
          '@_Enabled': flag(account.enabled),
          '@_DisplayName': account.displayName,
          '@_SipNumber': account.sipNumber,
          '@_Domain': account.domain,
          '@_DomainPort': account.domainPort,
          '@_AuthId': account.authId,
          '@_Password': account.password,
          '@_ProxyAddress': account.proxyAddress,
          '@_ProxyPort': account.proxyPort,
          '@_RegistrationEnabled': flag(account.registrationEnabled),
          '@_RegistrarAddress': account.registrarAddress,
          '@_RegistrarPort': account.registrarPort,
          '@_AnswerMode': account.answerMode,
        })),
      },
      CertStore: {
        Ca: config.certStore.ca.map((entry) => ({
          '@_Id': entry.id,
          Certificate: entry.certPem,
        })),
        User: config.certStore.user.map((entry) => ({
          '@_Id': entry.id,
          Certificate: entry.certPem,
          PrivateKey: entry.keyPem,
        })),
      },
      Holidays: { Date: config.holidays.dates },
    },
  };
  return builder.build(tree) as string;
}

type Node = Record<string, unknown>;

const node = (value: unknown): Node =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && '#text' in value) {
    return String((value as Node)['#text']);
  }
  return '';
};
const bool = (value: unknown): boolean => str(value) === '1' || str(value) === 'true';
const int = (value: unknown): number => (/^-?\d+$/.test(str(value)) ? Number(str(value)) : NaN);

/** The deepest configuration element is 5 levels down; anything far deeper is not a configuration. */
export const MAX_XML_DEPTH = 16;
const MAX_XML_CHARS = 1024 * 1024;
/** Names that would reach Object.prototype once the parser turns elements into object keys. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const TAG = /<(\/?)([^\s/>!?]+)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
const ATTRIBUTE_NAME = /([^\s=]+)\s*=/g;

/**
 * Checks size, nesting depth and element/attribute names on the raw text, before any parser
 * builds objects from it, so a forged file can neither pollute prototypes nor exhaust the stack.
 */
function screenXml(text: string): string | undefined {
  if (text.length > MAX_XML_CHARS) {
    return `The configuration is larger than ${MAX_XML_CHARS} characters, far more than a device configuration.`;
  }
  const markup = text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, '');
  let depth = 0;
  for (const [, closing, name, attributes, selfClosing] of markup.matchAll(TAG)) {
    const names = [name!, ...[...attributes!.matchAll(ATTRIBUTE_NAME)].map((m) => m[1]!)];
    const forbidden = names.find((n) => FORBIDDEN_NAMES.has(n.replace(/^@_/, '')));
    if (forbidden !== undefined) {
      return `The configuration contains the name "${forbidden}", which no device configuration has.`;
    }
    if (closing) depth -= 1;
    else if (!selfClosing) depth += 1;
    if (depth > MAX_XML_DEPTH) {
      return `The configuration nests elements deeper than ${MAX_XML_DEPTH} levels, which no device configuration does.`;
    }
  }
  return undefined;
}

/**
 * Reads and validates a whole configuration. Nothing partial is ever returned: either every
 * section is present and valid, or the message says what is wrong.
 */
export function parseConfigXml(text: string): Result<DeviceConfig> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    return fail(
      'The configuration contains a DOCTYPE or entity declaration, which a device configuration never has.',
    );
  }
  const screened = screenXml(text);
  if (screened !== undefined) return fail(screened);
  const wellFormed = XMLValidator.validate(text);
  if (wellFormed !== true) {
    return fail(
      `The configuration is not well-formed XML (line ${wellFormed.err.line}: ${wellFormed.err.msg}).`,
    );
  }
  try {
    return readDatabase(node(parser.parse(text) as unknown));
  } catch (error) {
    // The screen above should make this unreachable; a parser surprise must still say "damaged".
    return fail(`The configuration could not be read (${(error as Error).message}).`);
  }
}

/** <Time>; a configuration written before it existed gets the factory time settings. */
function readTime(value: unknown): DeviceConfig['time'] {
  if (value === undefined) return { ...DEFAULT_TIME };
  const time = node(value);
  return {
    automatic: bool(time['@_Automatic']),
    ntpServer: str(time['@_NtpServer']),
    zoneAutomatic: bool(time['@_ZoneAutomatic']),
    zone: str(time['@_Zone']),
    customZone: str(time['@_CustomZone']),
  };
}

/** <Phone>; a configuration written before it existed gets the factory SIP accounts. */
function readPhone(value: unknown): DeviceConfig['phone'] {
  if (value === undefined) return { accounts: defaultSipAccounts() };
  const accounts = list(node(value).SipAccount)
    .map(node)
    .map((account) => ({
      account: int(account['@_Id']),
      enabled: bool(account['@_Enabled']),
      displayName: str(account['@_DisplayName']),
      sipNumber: str(account['@_SipNumber']),
      domain: str(account['@_Domain']),
      domainPort: str(account['@_DomainPort']),
      authId: str(account['@_AuthId']),
      password: str(account['@_Password']),
      proxyAddress: str(account['@_ProxyAddress']),
      proxyPort: str(account['@_ProxyPort']),
      registrationEnabled: bool(account['@_RegistrationEnabled']),
      registrarAddress: str(account['@_RegistrarAddress']),
      registrarPort: str(account['@_RegistrarPort']),
      answerMode: str(account['@_AnswerMode']),
    }))
    .sort((a, b) => a.account - b.account);
  return { accounts };
}

/** <Holidays>; a configuration written before it existed gets an empty calendar. */
function readHolidays(value: unknown): DeviceConfig['holidays'] {
  return { dates: list(node(value).Date).map(str) };
}

function readDatabase(root: Record<string, unknown>): Result<DeviceConfig> {
  if (!('DeviceDatabase' in root)) {
    return fail('This is not a device configuration: the <DeviceDatabase> element is missing.');
  }
  const db = node(root.DeviceDatabase);
  if (str(db['@_Version']) !== DATABASE_VERSION) {
    return fail(
      `This configuration has database version "${str(db['@_Version'])}"; this device reads version ${DATABASE_VERSION}.`,
    );
  }
  const network = node(db.Network);
  const certificate = node(node(db.Certificates).Certificate);
  const services = node(db.Services);
  const serviceList = list(node(services.HttpApi).Service).map(node);
  const users = node(db.Users);
  const directory = node(db.Directory);
  const audio = node(db.Audio);
  const display = node(db.Display);

  const serviceSettings = Object.fromEntries(
    SERVICE_NAMES.map((name) => {
      const entry = serviceList.find((service) => str(service['@_Name']) === name);
      return [
        name,
        entry
          ? {
              enabled: bool(entry['@_Enabled']),
              connection: str(entry['@_Connection']),
              auth: str(entry['@_Auth']),
            }
          : undefined,
      ];
    }),
  ) as Record<ServiceName, unknown>;

  const candidate = {
    model: str(db['@_Model']),
    network: {
      dhcp: bool(network.Dhcp),
      ipAddress: str(network.IpAddress),
      netmask: str(network.Netmask),
      gateway: str(network.Gateway),
      dns1: str(network.Dns1),
      dns2: str(network.Dns2),
      hostname: str(network.HostName),
    },
    certificate: {
      keyPem: str(certificate.PrivateKey),
      certPem: str(certificate.Certificate),
    },
    webServer: { deviceName: str(node(services.WebServer).DeviceName) },
    admin: {
      username: str(node(users.Admin)['@_Name']),
      passwordHash: str(node(users.Admin)['@_PasswordHash']),
    },
    httpApi: {
      services: serviceSettings,
      accounts: list(users.ApiAccount)
        .map(node)
        .map((account) => ({
          id: int(account['@_Id']),
          enabled: bool(account['@_Enabled']),
          username: str(account['@_Name']),
          passwordHa1: str(account['@_PasswordHa1']),
          privileges: str(account['@_Privileges']).split(',').filter(Boolean),
          // Older files lack it: such an account answers MD5 Digest until its password is set.
          ...(str(account['@_PasswordHa1Sha256'])
            ? { passwordHa1Sha256: str(account['@_PasswordHa1Sha256']) }
            : {}),
        })),
    },
    directory: {
      timestamp: int(directory['@_Timestamp']),
      users: list(directory.User).map(node).map(directoryUserFromXml),
      ...optional('series', directory['@_Series']),
      ...(directory['@_CloudVersion'] === undefined
        ? {}
        : {
            cloud: {
              siteId: str(directory['@_CloudSite']) || null,
              version: int(directory['@_CloudVersion']),
            },
          }),
      ...(directory.Deleted === undefined
        ? {}
        : {
            deleted: list(directory.Deleted)
              .map(node)
              .map((entry) => ({
                uuid: str(entry['@_Uuid']),
                timestamp: int(entry['@_Timestamp']),
              })),
          }),
    },
    switches: list(node(db.Switches).Switch)
      .map(node)
      .map((sw) => ({
        switch: int(sw['@_Id']),
        enabled: bool(sw['@_Enabled']),
        mode: str(sw['@_Mode']),
        switchOnDuration: int(sw['@_Duration']),
        type: str(sw['@_Type']),
      })),
    audio: {
      speakerVolume: int(audio.SpeakerVolume),
      microphoneSensitivity: int(audio.MicrophoneSensitivity),
    },
    display: { brightness: int(display.Brightness), language: str(display.Language) },
    time: readTime(db.Time),
    phone: readPhone(db.Phone),
    certStore: {
      ca: list(node(db.CertStore).Ca)
        .map(node)
        .map((entry) => ({ id: str(entry['@_Id']), certPem: str(entry.Certificate) })),
      user: list(node(db.CertStore).User)
        .map(node)
        .map((entry) => ({
          id: str(entry['@_Id']),
          certPem: str(entry.Certificate),
          keyPem: str(entry.PrivateKey),
        })),
    },
    holidays: readHolidays(db.Holidays),
  };

  const parsed = deviceConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    return fail(`The configuration is not valid (${problems}).`);
  }
  try {
    const certificate = new X509Certificate(parsed.data.certificate.certPem);
    if (!certificate.checkPrivateKey(createPrivateKey(parsed.data.certificate.keyPem))) {
      return fail("The configuration's certificate does not belong to its private key.");
    }
  } catch {
    return fail("The configuration's certificate or private key cannot be read.");
  }
  const ids = parsed.data.switches.map((sw) => sw.switch);
  if (new Set(ids).size !== ids.length) return fail('The configuration lists a switch twice.');
  const sipIds = parsed.data.phone.accounts.map((account) => account.account);
  if (new Set(sipIds).size !== sipIds.length)
    return fail('The configuration lists a SIP account twice.');
  const accountIds = parsed.data.httpApi.accounts.map((account) => account.id);
  if (new Set(accountIds).size !== accountIds.length) {
    return fail('The configuration lists an HTTP API account twice.');
  }
  return ok({
    ...parsed.data,
    switches: [...parsed.data.switches].sort((a, b) => a.switch - b.switch),
  });
}
