import { MIN_ADMIN_PASSWORD_LENGTH } from '../accounts.service.ts';
import { html, type Html } from './html.ts';
import { csrfInput, field } from './layout.ts';

/** Field errors of a form, by field name. */
export type FieldErrors = Partial<Record<string, string>>;

export const PASSWORD_RULE = `A valid password has ${MIN_ADMIN_PASSWORD_LENGTH} to 128 characters and is not the factory password "2n".`;

/** The new administrator password, typed twice, with the rule; for the forced change and Users. */
export function newPasswordFields(
  errors: Partial<Record<'newPassword' | 'confirmPassword', string>>,
) {
  return html`${field({
    id: 'new-password',
    name: 'newPassword',
    label: 'New password',
    type: 'password',
    autocomplete: 'new-password',
    hint: PASSWORD_RULE,
    error: errors.newPassword,
  })}
  ${field({
    id: 'confirm-password',
    name: 'confirmPassword',
    label: 'Confirm new password',
    type: 'password',
    autocomplete: 'new-password',
    error: errors.confirmPassword,
  })}`;
}

/** Yes / No confirmation: Yes posts `yesForm` (with the CSRF token), No goes back. */
export function confirmation(options: {
  heading: string;
  text: Html;
  action: string;
  back: string;
  csrfToken: string;
  inside?: Html;
  danger?: boolean;
  /** When No also changes something (e.g. discards an upload): posted, with the token. */
  noAction?: string;
}): Html {
  return html`<h1>${options.heading}</h1>
    ${options.text}
    <form method="post" action="${options.action}" id="confirm-form">
      ${csrfInput(options.csrfToken)} ${options.inside ?? ''}
    </form>
    <div class="actions">
      <button type="submit" form="confirm-form" class="${options.danger ? 'danger' : 'primary'}">
        Yes
      </button>
      ${
        options.noAction
          ? html`<form method="post" action="${options.noAction}">
              ${csrfInput(options.csrfToken)}<button type="submit">No</button>
            </form>`
          : html`<form method="get" action="${options.back}">
              <button type="submit">No</button>
            </form>`
      }
    </div>`;
}
