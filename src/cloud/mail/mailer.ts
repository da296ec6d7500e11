import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ensurePrivateFolder, PRIVATE_FILE } from '../file-modes.ts';

/** One mail, already rendered (templates.ts): a plain-text part and an HTML part. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where mail goes: an SMTP server, or the outbox folder when there is none (the port). */
export interface Mailer {
  /** For the startup log; names no password. */
  readonly description: string;
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** The default sender when --mail-from is not given. */
export const DEFAULT_MAIL_FROM = 'Latchkey <latchkey@localhost>';

/** Why an --smtp URL cannot be used, or null when it can (smtp:// or smtps://, a host). */
export function smtpUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it is not a URL';
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    return `it must start with smtp:// or smtps://, not ${parsed.protocol}//`;
  }
  if (!parsed.hostname) return 'it names no host';
  if (parsed.pathname && parsed.pathname !== '/' && parsed.pathname !== '') {
    return 'it must not have a path';
  }
  return null;
}

/** The SMTP URL with its password replaced, for logs. */
export const redactedSmtpUrl = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString().replace(/\/$/, '');
};

/** Sends through an SMTP server (nodemailer; smtps:// is TLS from the start, smtp:// STARTTLS). */
export function createSmtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    description: `mail is sent through ${redactedSmtpUrl(url)} from ${from}`,
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}

/** A file name that sorts by time: 20261202T063000123Z-<random>.eml */
const outboxName = (now: Date) =>
  `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(6).toString('hex')}.eml`;

/**
 * Without SMTP: each mail is written to `folder` as the .eml bytes nodemailer would send over
 * SMTP (its stream transport, CRLF line ends), owner-only like the rest of the data folder.
 */
export function createOutboxMailer(folder: string, from: string): Mailer {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
  });
  return {
    description: `no SMTP server (--smtp): mails are written to ${folder}`,
    async send(message) {
      const info = await transport.sendMail({ from, ...message });
      ensurePrivateFolder(folder);
      writeFileSync(join(folder, outboxName(new Date())), info.message as Buffer, {
        mode: PRIVATE_FILE,
        flag: 'wx',
      });
    },
    close: () => transport.close(),
  };
}

/**
 * Sends in the background: a request never waits for a mail server (nor takes longer when a
 * mail is sent, which would tell whether an address has an account). Failures go to `onError`
 * with the recipient's domain only; `idle()` waits for what is in flight (shutdown, tests).
 */
export class MailQueue {
  readonly mailer: Mailer;
  onError: (error: unknown, toDomain: string) => void = () => undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(mailer: Mailer) {
    this.mailer = mailer;
  }

  send(message: MailMessage): void {
    const sending = this.mailer
      .send(message)
      .catch((error: unknown) => this.onError(error, message.to.replace(/^.*@/, '')))
      .finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
  }

  /** Work that ends in mails (looking up recipients): `idle()` waits for it too. */
  track(work: Promise<void>): void {
    const tracked = work.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    await this.idle();
    this.mailer.close();
  }
}
