import type { FieldErrors } from '../forms.ts';
import { html, type Html } from '../html.ts';
import { BASE, csrfInput, field, type Notice } from '../layout.ts';

export function loginBody(options: {
  loginToken: string;
  username: string;
  errors: FieldErrors;
  notice: Notice | null;
  deviceName: string;
}): Html {
  return html`<div class="login">
    <h1>Log in to ${options.deviceName}</h1>
    <form method="post" action="${BASE}/login" novalidate>
      ${csrfInput(options.loginToken)}
      ${field({
        id: 'username',
        name: 'username',
        label: 'User name',
        value: options.username,
        autocomplete: 'username',
        error: options.errors.username,
      })}
      ${field({
        id: 'password',
        name: 'password',
        label: 'Password',
        type: 'password',
        autocomplete: 'current-password',
        error: options.errors.password,
        hint: 'A new or reset device uses the user admin with the password 2n.',
      })}
      <div class="actions"><button type="submit" class="primary">Log in</button></div>
    </form>
  </div>`;
}
