/**
 * What the QR code of a certificate of ownership says (src/cloud/certificate.pdf.ts
 * `certificateQrText`): `LATCHKEY:SN=<serial>;CODE=<code>`. Pure, so it is unit-tested without a
 * browser (test/unit/qr-text.test.ts); decoding the picture is qr-scan.ts.
 */

/** The two fields of the add dialog a certificate fills in (issue 18, "for confirmation"). */
export interface CertificateQr {
  serialNumber: string;
  securityCode: string;
}

/** Shown for any QR code that is not one of ours (a Wi-Fi code, a web address, a parcel label). */
export const NOT_A_CERTIFICATE = 'This QR code is not a Latchkey certificate';

const PREFIX = /^LATCHKEY\s*:/i;

/**
 * Reads the text of a QR code as a certificate: any case, spaces around the parts, the fields
 * in either order; other fields are ignored, so a later certificate may carry more. Answers
 * null for anything else, including a Latchkey text whose serial or code has the wrong shape
 * (a damaged or forged code: the person types the fields instead). Only the shape is checked
 * here; the cloud decides whether serial and code are right, as for typed ones.
 */
export function readCertificateQr(text: string): CertificateQr | null {
  const trimmed = text.trim();
  const prefix = PREFIX.exec(trimmed);
  if (!prefix) return null;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(prefix[0].length).split(';')) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    if (equals < 0) return null;
    const key = part.slice(0, equals).trim().toUpperCase();
    // Two serials or two codes: which one would be meant?
    if (fields.has(key)) return null;
    fields.set(key, part.slice(equals + 1).trim());
  }
  const serialNumber = serialOf(fields.get('SN') ?? '');
  const securityCode = codeOf(fields.get('CODE') ?? '');
  return serialNumber && securityCode ? { serialNumber, securityCode } : null;
}

/** Ten digits, shown as printed: `NN-NNNN-NNNN`. */
function serialOf(value: string): string | null {
  const digits = value.replace(/[\s\-./]/g, '');
  if (!/^\d{10}$/.test(digits)) return null;
  return `${digits.slice(0, 2)}-${digits.slice(2, 6)}-${digits.slice(6)}`;
}

/** Sixteen letters and digits, shown as printed: `XXXX-XXXX-XXXX-XXXX`. */
function codeOf(value: string): string | null {
  const compact = value.replace(/[\s-]/g, '').toUpperCase();
  if (!/^[0-9A-Z]{16}$/.test(compact)) return null;
  return compact.match(/.{4}/g)!.join('-');
}
