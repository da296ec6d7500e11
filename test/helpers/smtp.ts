import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { CleanupContext } from './cloud.ts';
import { waitFor } from './wait.ts';

/** A mail as the SMTP listener received it, parsed (mailparser), with who it was sent to. */
export interface ReceivedMail {
  /** RCPT TO of the SMTP envelope, lower-cased. */
  to: string[];
  from: string;
  parsed: ParsedMail;
  raw: Buffer;
  /** The login the cloud used, if any. */
  user: string | null;
}

/** A real SMTP server on a free port of 127.0.0.1 that keeps every mail it receives. */
export interface TestSmtp {
  /** smtp://user:pass@127.0.0.1:port, to give `latchkey serve --smtp`. */
  url: string;
  mails: ReceivedMail[];
  /** Every mail to `address` received so far. */
  mailsTo(address: string): ReceivedMail[];
  /** Waits for the `count`-th mail to `address` and returns it. */
  waitForMail(address: string, count?: number, timeoutMs?: number): Promise<ReceivedMail>;
}

/**
 * Starts the listener (plain SMTP with AUTH PLAIN/LOGIN over the loopback, as a local relay
 * would offer) and closes it when the test ends.
 */
export async function startTestSmtp(
  t: CleanupContext,
  credentials = { user: 'latchkey', pass: 'smtp-secret' },
): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            mails.push({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              parsed,
              raw,
              user: typeof session.user === 'string' ? session.user : null,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const mailsTo = (address: string) => mails.filter((m) => m.to.includes(address.toLowerCase()));
  return {
    url: `smtp://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${port}`,
    mails,
    mailsTo,
    waitForMail: (address, count = 1, timeoutMs = 5000) =>
      waitFor(`mail #${count} to ${address}`, () => mailsTo(address)[count - 1], timeoutMs),
  };
}

/** The first link in the mail's plain-text part that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const text = mail.parsed.text ?? '';
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}\\S*`).exec(text);
  if (!match) throw new Error(`no link starting with ${prefix} in: ${text}`);
  return match[0];
}
