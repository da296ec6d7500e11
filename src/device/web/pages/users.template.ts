import { isCloudManaged, MANAGED_ENTRY_NOTE } from '../../cloud-management.ts';
import type { ApiAccount, DirectoryUser } from '../../config.model.ts';
import { PRIVILEGES } from '../../config.model.ts';
import { newPasswordFields, type FieldErrors } from '../forms.ts';
import { html, type Html } from '../html.ts';
import { BASE, csrfInput, facts, field } from '../layout.ts';

/**
 * The directory, read-only (it is edited through /api/dir/*): entries the cloud manages carry
 * the note that a local change does not last (issue 17).
 */
function directorySection(directory: DirectoryUser[]): Html {
  return html`<h2>Directory</h2>
    ${
      directory.length === 0
        ? html`<p>The directory is empty.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Calls</th>
                <th>Managed by</th>
              </tr>
            </thead>
            <tbody>
              ${directory.map(
                (user) =>
                  html`<tr>
                    <td>${user.name || '(no name)'}</td>
                    <td>${user.callPos.map((p) => p.peer).join(', ') || '–'}</td>
                    <td>
                      ${
                        isCloudManaged(user)
                          ? html`<span class="hint">${MANAGED_ENTRY_NOTE}</span>`
                          : 'Local'
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

export function usersBody(
  csrfToken: string,
  accounts: Array<Omit<ApiAccount, 'passwordHa1'>>,
  form: { username: string; enabled: boolean; privileges: string[] },
  errors: FieldErrors,
  directory: DirectoryUser[] = [],
): Html {
  return html`<h1>Users</h1>
    <h2>Web administration</h2>
    ${facts([['User name', 'admin']])}
    <form method="post" action="${BASE}/system/users/password" novalidate>
      ${csrfInput(csrfToken)}
      ${field({
        id: 'current-password',
        name: 'currentPassword',
        label: 'Current password',
        type: 'password',
        autocomplete: 'current-password',
        error: errors.currentPassword,
      })}
      ${newPasswordFields(errors)}
      <div class="actions"><button type="submit">Change password</button></div>
    </form>
    <h2>HTTP API accounts</h2>
    ${
      accounts.length === 0
        ? html`<p>No HTTP API accounts yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>#</th>
                <th>User name</th>
                <th>Enabled</th>
                <th>Privileges</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${accounts.map(
                (account) =>
                  html`<tr>
                    <td>${account.id}</td>
                    <td>${account.username}</td>
                    <td>${account.enabled ? 'yes' : 'no'}</td>
                    <td>${account.privileges.join(', ') || '–'}</td>
                    <td>
                      <form
                        method="post"
                        action="${BASE}/system/users/api-accounts/${account.id}/delete"
                      >
                        ${csrfInput(csrfToken)}
                        <button type="submit" aria-label="Delete ${account.username}">
                          Delete
                        </button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h3>Add or change an account</h3>
    <form method="post" action="${BASE}/system/users/api-accounts" novalidate>
      ${csrfInput(csrfToken)}
      ${field({
        id: 'api-username',
        name: 'username',
        label: 'Account name',
        value: form.username,
        hint: 'An existing name changes that account.',
        error: errors.username ?? errors.id,
      })}
      ${field({
        id: 'api-password',
        name: 'password',
        label: 'Account password',
        type: 'password',
        autocomplete: 'new-password',
        hint: 'Leave empty to keep the password of an existing account.',
        error: errors.password,
      })}
      <div class="check">
        <input
          type="checkbox"
          id="api-enabled"
          name="enabled"
          value="yes"
          ${form.enabled ? html`checked` : ''}
        />
        <label for="api-enabled">Enabled</label>
      </div>
      <fieldset ${errors.privileges ? html`aria-describedby="api-privileges-error"` : ''}>
        <legend>Privileges</legend>
        ${PRIVILEGES.map(
          (privilege) =>
            html`<div class="check">
              <input
                type="checkbox"
                id="privilege-${privilege}"
                name="privileges"
                value="${privilege}"
                ${form.privileges.includes(privilege) ? html`checked` : ''}
              />
              <label for="privilege-${privilege}">${privilege}</label>
            </div>`,
        )}
        ${
          errors.privileges
            ? html`<p class="error" id="api-privileges-error">${errors.privileges}</p>`
            : ''
        }
      </fieldset>
      <div class="actions"><button type="submit">Save account</button></div>
    </form>
    ${directorySection(directory)}`;
}
