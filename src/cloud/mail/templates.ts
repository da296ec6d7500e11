import type { MailMessage } from './mailer.ts';

/** Escapes a value for HTML text and double-quoted attributes. */
export const escapeHtml = (value: string): string =>
  value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** Plain text: no line ends smuggled in through a value (a site name, say). */
const oneLine = (value: string): string => value.replace(/[\r\n\u2028\u2029]+/g, ' ');

interface Layout {
  to: string;
  subject: string;
  greeting: string;
  paragraphs: string[];
  action: { label: string; url: string };
  footer: string;
}

/** The one layout every mail uses: text and HTML say the same, every value escaped. */
function render(layout: Layout): MailMessage {
  const subject = oneLine(layout.subject);
  const text = [
    oneLine(layout.greeting),
    '',
    ...layout.paragraphs.flatMap((p) => [oneLine(p), '']),
    `${oneLine(layout.action.label)}: ${layout.action.url}`,
    '',
    '-- ',
    oneLine(layout.footer),
    '',
  ].join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 36em;">
<p>${escapeHtml(layout.greeting)}</p>
${layout.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p><a href="${escapeHtml(layout.action.url)}" style="display: inline-block; padding: 0.5em 1em; background: #1f4fd1; color: #ffffff; text-decoration: none; border-radius: 4px;">${escapeHtml(layout.action.label)}</a></p>
<p style="font-size: 0.9em; color: #555;">${escapeHtml(layout.action.url)}</p>
<hr><p style="font-size: 0.85em; color: #555;">${escapeHtml(layout.footer)}</p>
</body></html>
`;
  return { to: layout.to, subject, text, html };
}

const FOOTER =
  'You receive this mail because you have a Latchkey account. Latchkey never asks for your password by mail.';

/** The password reset mail; `link` carries the token (never logged). */
export function passwordResetMail(input: { to: string; name: string; link: string }): MailMessage {
  return render({
    to: input.to,
    subject: 'Reset your Latchkey password',
    greeting: `Hello ${input.name},`,
    paragraphs: [
      'Someone, hopefully you, asked to reset the password of your Latchkey account. The link below lets you choose a new password. It works once, for one hour; choosing a new password signs you out everywhere.',
      'If you did not ask for this, ignore this mail: your password stays as it is.',
    ],
    action: { label: 'Choose a new password', url: input.link },
    footer: FOOTER,
  });
}

/** A notification (device moved away, new security code) as a mail, linking to the portal. */
export function notificationMail(input: {
  to: string;
  name: string;
  title: string;
  body: string;
  link: string;
}): MailMessage {
  return render({
    to: input.to,
    subject: input.title,
    greeting: `Hello ${input.name},`,
    paragraphs: [input.body],
    action: { label: 'Open the site in the portal', url: input.link },
    footer: `${FOOTER} Every member of your company receives the notices of its devices.`,
  });
}

/**
 * An invitation to join a company; `link` carries the token (never logged). The recipient may
 * have no account yet, so the footer does not say they have one.
 */
export function invitationMail(input: {
  to: string;
  companyName: string;
  invitedBy: string;
  role: string;
  link: string;
}): MailMessage {
  return render({
    to: input.to,
    subject: `Join ${input.companyName} on Latchkey`,
    greeting: 'Hello,',
    paragraphs: [
      `${input.invitedBy} invites you to join ${input.companyName} on Latchkey as ${input.role === 'admin' ? 'an admin' : 'a member'}.`,
      'The link below works once, for seven days. With no Latchkey account yet, you choose your name and a password there; with one, sign in first.',
      'If you did not expect this, ignore this mail: nothing happens unless you open the link and accept.',
    ],
    action: { label: 'Accept the invitation', url: input.link },
    footer:
      'You receive this mail because an admin of a Latchkey company entered your address. Latchkey never asks for your password by mail.',
  });
}
