import { newPasswordFields, type FieldErrors } from '../forms.ts';
import { html, type Html } from '../html.ts';
import { BASE, csrfInput } from '../layout.ts';

export function forcedPasswordBody(csrfToken: string, errors: FieldErrors): Html {
  return html`<div class="login">
    <h1>Choose a new password</h1>
    <p>
      This device still has the factory password "2n". Choose a new administrator password before
      anything else; you will log in with it from now on.
    </p>
    <form method="post" action="${BASE}/password" novalidate>
      ${csrfInput(csrfToken)} ${newPasswordFields(errors)}
      <div class="actions"><button type="submit" class="primary">Save password</button></div>
    </form>
  </div>`;
}
