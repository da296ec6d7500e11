import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  CERT_ID,
  MAX_CA_CERTIFICATES,
  MAX_USER_CERTIFICATES,
  type DeviceConfig,
} from './config.model.ts';
import type { ConfigStore } from './config.store.ts';
import { DeviceError, invalidParam, missingParam } from './device.errors.ts';

export type CertStoreName = 'ca' | 'user';

/** §5.20 GET: one certificate as the device describes it (never its private key). */
export interface CertificateInfo {
  fingerprint: string;
  subject: Record<string, string>;
  issuer: Record<string, string>;
  id: string;
  /** UNIX seconds, as the HTTP API gives every time. */
  startDate: number;
  endDate: number;
  protected: boolean;
  systemUseOnly: boolean;
}

/** The id of the device's own (self-signed) certificate; `#` ids cannot be deleted (§5.20). */
export const SELF_SIGNED_ID = '#self-signed';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** "CN=a\nO=b" → {CN: "a", O: "b"}, the dictionary §5.20 answers. */
function nameParts(name: string): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const line of name.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) parts[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return parts;
}

function describe(pem: string, id: string, isProtected: boolean): CertificateInfo {
  const cert = new X509Certificate(pem);
  const fingerprint = cert.fingerprint.replace(/:/g, '').toLowerCase();
  return {
    fingerprint,
    subject: nameParts(cert.subject),
    issuer: nameParts(cert.issuer),
    id: id || fingerprint,
    startDate: Math.floor(cert.validFromDate.getTime() / 1000),
    endDate: Math.floor(cert.validToDate.getTime() / 1000),
    protected: isProtected,
    systemUseOnly: false,
  };
}

/**
 * Reads an uploaded certificate file: PEM (one or more blocks, a CA bundle) or one DER
 * certificate. Anything else is refused with `param`, before anything is stored.
 */
export function readCertificates(file: Buffer, param: string): string[] {
  const text = file.toString('latin1');
  const blocks = text.includes('-----BEGIN') ? (text.match(PEM_BLOCK) ?? []) : [file];
  if (blocks.length === 0)
    throw invalidParam(
      param,
      'The file holds no certificate; upload a PEM or DER X.509 certificate.',
    );
  return blocks.map((block) => {
    try {
      return new X509Certificate(block).toString().trim();
    } catch {
      throw invalidParam(
        param,
        'The file is not a valid X.509 certificate; upload a PEM or DER certificate file.',
      );
    }
  });
}

function normalizeId(id: string | undefined): string {
  if (id === undefined || id === '') return '';
  // Integrations send the user-defined id with or without its "@".
  const withAt = id.startsWith('@') ? id : `@${id}`;
  if (!CERT_ID.test(withAt))
    throw invalidParam(
      'id',
      'Use an id of 1–32 letters, digits, dots, dashes or underscores (e.g. @door).',
    );
  return withAt;
}

/**
 * The certificate stores of 2N HTTP API §5.20: CA certificates (trusted peers) and user
 * certificates (with their private keys, for client authentication). Uploads are validated
 * whole (X.509, key match, limits) before one configuration update.
 */
export class CertificatesService {
  private readonly config: ConfigStore;
  constructor(config: ConfigStore) {
    this.config = config;
  }

  list(store: CertStoreName, id?: string): CertificateInfo[] {
    const all = this.#entries(store);
    if (id === undefined || id === '') return all;
    const found = all.filter(
      (c) => c.id === id || c.fingerprint === id.toLowerCase() || c.id === `@${id}`,
    );
    if (found.length === 0)
      throw invalidParam(
        'id',
        `There is no ${store === 'ca' ? 'CA' : 'user'} certificate "${id}".`,
      );
    return found;
  }

  /** §5.20.1 PUT: one or more CA certificates, under `id` when one certificate is given. */
  async uploadCa(file: Buffer, id?: string): Promise<CertificateInfo[]> {
    const pems = readCertificates(file, 'blob-cert');
    const wanted = normalizeId(id);
    if (wanted && pems.length > 1)
      throw invalidParam('id', 'An id names one certificate; upload a bundle without id.');
    const updated = await this.config.update('CA certificate uploaded', (draft) => {
      for (const certPem of pems) {
        const kept = draft.certStore.ca.filter(
          (entry) =>
            (wanted === '' || entry.id !== wanted) && !sameCertificate(entry.certPem, certPem),
        );
        draft.certStore.ca = [...kept, { id: wanted, certPem }];
      }
      if (draft.certStore.ca.length > MAX_CA_CERTIFICATES)
        throw new DeviceError(
          13,
          `The device keeps at most ${MAX_CA_CERTIFICATES} CA certificates; delete some first.`,
          'blob-cert',
        );
    });
    return pems.map((pem) => this.#find(updated, 'ca', pem));
  }

  /** §5.20.2 PUT: a user certificate with its private key (`blob-pk`), under `id`. */
  async uploadUser(
    certFile: Buffer,
    keyFile: Buffer | undefined,
    id?: string,
  ): Promise<CertificateInfo> {
    const pems = readCertificates(certFile, 'blob-cert');
    if (pems.length !== 1)
      throw invalidParam('blob-cert', 'Upload one user certificate (its chain is not needed).');
    if (!keyFile) throw missingParam('blob-pk', "Upload the certificate's private key as blob-pk.");
    let keyPem: string;
    try {
      const key = createPrivateKey(keyFile);
      if (!new X509Certificate(pems[0]!).checkPrivateKey(key))
        throw invalidParam('blob-pk', 'This private key does not belong to the certificate.');
      keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
    } catch (error) {
      if (error instanceof DeviceError) throw error;
      throw invalidParam(
        'blob-pk',
        'The private key cannot be read; upload it unencrypted, as PEM or DER.',
      );
    }
    const wanted = normalizeId(id);
    const certPem = pems[0]!;
    const updated = await this.config.update('user certificate uploaded', (draft) => {
      const kept = draft.certStore.user.filter(
        (entry) =>
          (wanted === '' || entry.id !== wanted) && !sameCertificate(entry.certPem, certPem),
      );
      draft.certStore.user = [...kept, { id: wanted, certPem, keyPem }];
      if (draft.certStore.user.length > MAX_USER_CERTIFICATES)
        throw new DeviceError(
          13,
          `The device keeps at most ${MAX_USER_CERTIFICATES} user certificates; delete one first.`,
          'blob-cert',
        );
    });
    return this.#find(updated, 'user', certPem);
  }

  /** §5.20 DELETE: one certificate by id or fingerprint; the device's own (`#…`) stay. */
  async delete(store: CertStoreName, id: string | undefined): Promise<void> {
    if (id === undefined || id === '')
      throw missingParam('id', 'Give the id or fingerprint of the certificate to delete.');
    const [target] = this.list(store, id);
    if (target!.protected)
      throw invalidParam(
        'id',
        `The certificate ${target!.id} is the device's own and cannot be deleted.`,
      );
    await this.config.update(`${store === 'ca' ? 'CA' : 'user'} certificate deleted`, (draft) => {
      const other = (entry: { certPem: string }) =>
        describe(entry.certPem, '', false).fingerprint !== target!.fingerprint;
      if (store === 'ca') draft.certStore.ca = draft.certStore.ca.filter(other);
      else draft.certStore.user = draft.certStore.user.filter(other);
    });
  }

  #entries(store: CertStoreName, config = this.config.current): CertificateInfo[] {
    const uploaded = config.certStore[store].map((entry) =>
      describe(entry.certPem, entry.id, false),
    );
    // The device's self-signed certificate (the HTTPS one) is listed as a protected user one.
    return store === 'user'
      ? [describe(config.certificate.certPem, SELF_SIGNED_ID, true), ...uploaded]
      : uploaded;
  }

  #find(config: DeviceConfig, store: CertStoreName, pem: string): CertificateInfo {
    const fingerprint = describe(pem, '', false).fingerprint;
    return this.#entries(store, config).find((c) => c.fingerprint === fingerprint && !c.protected)!;
  }
}

function sameCertificate(a: string, b: string): boolean {
  return new X509Certificate(a).fingerprint256 === new X509Certificate(b).fingerprint256;
}
