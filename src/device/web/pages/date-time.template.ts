import type { FieldErrors } from '../forms.ts';
import { html, type Html } from '../html.ts';
import { BASE, csrfInput, facts, field } from '../layout.ts';

export function dateTimeBody(
  csrfToken: string,
  now: Date,
  value: string,
  errors: FieldErrors,
): Html {
  return html`<h1>Date &amp; Time</h1>
    ${facts([
      ['Device time (UTC)', now.toISOString().replace('T', ' ').slice(0, 19)],
      ['Time source', 'Set manually'],
    ])}
    <form method="post" action="${BASE}/system/date-time" novalidate>
      ${csrfInput(csrfToken)}
      ${field({
        id: 'utc-time',
        name: 'utcTime',
        label: 'Set date and time (UTC)',
        value,
        hint: 'Write it as YYYY-MM-DD HH:MM:SS, e.g. 2026-01-31 08:30:00.',
        error: errors.utcTime,
      })}
      <div class="actions"><button type="submit" class="primary">Set time</button></div>
    </form>`;
}
