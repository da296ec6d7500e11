import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import type { CameraService } from './camera.service.ts';
import { invalidParam } from './device.errors.ts';

/** The folder in the data folder where the messages the device "sends" are written. */
export const OUTBOX_FOLDER = 'outbox';
/** Messages the outbox keeps; the oldest go first beyond this, so the folder cannot fill a disk. */
export const MAX_OUTBOX_MESSAGES = 100;
/** §5.12.1 pictureCount: 0 to 5 camera pictures. */
export const MAX_PICTURES = 5;
/** Seconds §5.12.1 timeSpan may spread the pictures over; an hour is far past any use. */
export const MAX_TIME_SPAN = 3600;
export const MAX_RECIPIENTS = 10;
export const MAX_ADDRESS_LENGTH = 254;
export const MAX_SUBJECT_LENGTH = 255;
export const MAX_BODY_CHARS = 64 * 1024;

/** user@host: no spaces, no angle brackets, commas or quotes that would change the header. */
const ADDRESS = /^[^\s@<>,;"()[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
/** Control characters (CR and LF among them) would let a subject add headers of its own. */
const CONTROL = /\p{Cc}/u;

export interface EmailRequest {
  to: string;
  subject: string;
  body?: string;
  pictureCount?: number;
  timeSpan?: number;
  width?: number;
  height?: number;
}

export interface EmailSender {
  /** The device name and host name the From header is made of. */
  deviceName: string;
  hostname: string;
}

/**
 * /api/email/send (2N HTTP API §5.12.1) without a mail server: the device has no SMTP
 * settings, so a message is written as an RFC 5322 .eml file into `<data>/outbox/`, where an
 * integrator can see exactly what would have been sent. Nothing of the message is logged.
 */
export class EmailService {
  readonly outbox: string;
  private readonly camera: CameraService;
  constructor(dataDir: string, camera: CameraService) {
    this.outbox = join(dataDir, OUTBOX_FOLDER);
    this.camera = camera;
  }

  /** Validates everything first, so a refused request writes nothing; returns the file name. */
  async send(request: EmailRequest, sender: EmailSender, now = new Date()): Promise<string> {
    const recipients = checkRecipients(request.to);
    const subject = checkSubject(request.subject);
    const body = request.body ?? '';
    if (body.length > MAX_BODY_CHARS) {
      throw invalidParam('body', `Keep the body to ${MAX_BODY_CHARS} characters.`);
    }
    const count = request.pictureCount ?? 0;
    const pictures =
      count > 0
        ? Array.from({ length: count }, () =>
            this.camera.snapshot(request.width ?? 640, request.height ?? 480),
          )
        : [];
    const message = composeMessage({ recipients, subject, body, pictures, sender, now });
    await mkdir(this.outbox, { recursive: true, mode: 0o700 });
    const name = `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.eml`;
    await writeFileAtomic(join(this.outbox, name), message);
    await this.#prune();
    return name;
  }

  /** The outbox's messages, oldest first (their names begin with the time they were written). */
  async messages(): Promise<string[]> {
    try {
      return (await readdir(this.outbox)).filter((name) => name.endsWith('.eml')).sort();
    } catch {
      return [];
    }
  }

  async #prune(): Promise<void> {
    const names = await this.messages();
    for (const name of names.slice(0, Math.max(0, names.length - MAX_OUTBOX_MESSAGES))) {
      await rm(join(this.outbox, name), { force: true });
    }
  }
}

/** §5.12.1 to: one address, or several separated by commas. */
function checkRecipients(to: string): string[] {
  const recipients = to
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
  const bad = recipients.find((a) => a.length > MAX_ADDRESS_LENGTH || !ADDRESS.test(a));
  if (recipients.length === 0 || recipients.length > MAX_RECIPIENTS || bad !== undefined) {
    throw invalidParam(
      'to',
      `Give 1 to ${MAX_RECIPIENTS} e-mail addresses separated by commas, e.g. to=somebody@example.com.`,
    );
  }
  return recipients;
}

function checkSubject(subject: string): string {
  if (subject.length > MAX_SUBJECT_LENGTH || CONTROL.test(subject)) {
    throw invalidParam(
      'subject',
      `Give a subject of at most ${MAX_SUBJECT_LENGTH} characters on one line.`,
    );
  }
  return subject;
}

/** RFC 2047 encoded-word for a header that is not plain ASCII. */
function headerText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
}

/** Base64 in lines of 76 characters, as MIME asks. */
function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

interface Composed {
  recipients: string[];
  subject: string;
  body: string;
  pictures: Buffer[];
  sender: EmailSender;
  now: Date;
}

/** The message as RFC 5322/MIME text: the body as HTML (§5.12.1 allows markup), pictures as JPEGs. */
function composeMessage({ recipients, subject, body, pictures, sender, now }: Composed): string {
  const boundary = `latchkey-${randomBytes(12).toString('hex')}`;
  const from = `${headerText(sender.deviceName.replace(/["\\\r\n]/g, ''))} <intercom@${sender.hostname}>`;
  const headers = [
    `From: ${from}`,
    `To: ${recipients.join(', ')}`,
    `Subject: ${headerText(subject)}`,
    `Date: ${now.toUTCString()}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${sender.hostname}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
  ];
  const parts = [
    [
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(Buffer.from(body, 'utf8')),
    ].join('\r\n'),
    ...pictures.map((jpeg, index) =>
      [
        'Content-Type: image/jpeg',
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="snapshot-${index + 1}.jpg"`,
        '',
        base64Lines(jpeg),
      ].join('\r\n'),
    ),
  ];
  return [
    ...headers,
    '',
    ...parts.map((part) => `--${boundary}\r\n${part}`),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
