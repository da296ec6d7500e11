import { MIN_ADMIN_PASSWORD_LENGTH } from '../accounts.service.ts';
import type { ApiAccount } from '../config.model.ts';
import { PRIVILEGES } from '../config.model.ts';
import { html, type Html } from './html.ts';
import { BASE, csrfInput, facts, field, type Notice } from './layout.ts';

/** Field errors of a form, by field name. */
export type FieldErrors = Partial<Record<string, string>>;

export const PASSWORD_RULE = `A valid password has ${MIN_ADMIN_PASSWORD_LENGTH} to 128 characters and is not the factory password "2n".`;

export const SYSTEM_SECTIONS = [
  { slug: 'auto-provisioning', label: 'Auto Provisioning', about: 'My2N Security Code' },
  { slug: 'network', label: 'Network', about: 'DHCP or a static address' },
  { slug: 'date-time', label: 'Date & Time', about: 'the device clock' },
  { slug: 'certificates', label: 'Certificates', about: "the device's HTTPS certificate" },
  { slug: 'users', label: 'Users', about: 'web administration and HTTP API accounts' },
] as const;
export type SystemSection = (typeof SYSTEM_SECTIONS)[number]['slug'];

/** The new administrator password, typed twice, with the rule; for the forced change and Users. */
function newPasswordFields(errors: Partial<Record<'newPassword' | 'confirmPassword', string>>) {
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

export function systemSections(current: SystemSection | null) {
  return SYSTEM_SECTIONS.map((section) => ({
    href: `${BASE}/system/${section.slug}`,
    label: section.label,
    current: section.slug === current,
  }));
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

export function systemOverviewBody(): Html {
  return html`<h1>System</h1>
    <ul>
      ${SYSTEM_SECTIONS.map(
        (section) =>
          html`<li>
            <a href="${BASE}/system/${section.slug}">${section.label}</a> – ${section.about}
          </li>`,
      )}
    </ul>`;
}

export function autoProvisioningBody(view: { serialNumber: string; securityCode: string }): Html {
  return html`<h1>Auto Provisioning</h1>
    <h2>My2N</h2>
    ${facts([
      ['Serial number', view.serialNumber],
      ['My2N Security Code', html`<span class="code">${view.securityCode}</span>`],
    ])}
    <p class="hint" id="generate-hint">
      Use the serial number and the My2N Security Code to add this device to a site in My2N. If the
      device is still in someone else's My2N account and they cannot delete it, generate a new code:
      the old code is then no longer valid.
    </p>
    <form method="get" action="${BASE}/system/auto-provisioning/generate-new">
      <button type="submit" class="primary" aria-describedby="generate-hint">Generate New</button>
    </form>`;
}

export function networkBody(
  csrfToken: string,
  values: {
    dhcp: boolean;
    ipAddress: string;
    netmask: string;
    gateway: string;
    dns1: string;
    dns2: string;
    hostname: string;
  },
  errors: FieldErrors,
): Html {
  const input = (name: keyof typeof values & string, label: string, hint?: string) =>
    field({
      id: `network-${name}`,
      name,
      label,
      value: String(values[name]),
      error: errors[name],
      ...(hint ? { hint } : {}),
    });
  return html`<h1>Network</h1>
    ${facts([['Host name', values.hostname]])}
    <form method="post" action="${BASE}/system/network" novalidate>
      ${csrfInput(csrfToken)}
      <fieldset>
        <legend>Address assignment</legend>
        <div class="check">
          <input
            type="radio"
            id="mode-dhcp"
            name="mode"
            value="dhcp"
            ${values.dhcp ? html`checked` : ''}
          />
          <label for="mode-dhcp">DHCP</label>
        </div>
        <div class="check">
          <input
            type="radio"
            id="mode-static"
            name="mode"
            value="static"
            ${values.dhcp ? '' : html`checked`}
          />
          <label for="mode-static">Static address</label>
        </div>
      </fieldset>
      ${input('ipAddress', 'IP address', 'Needed for a static address, e.g. 192.168.1.50.')}
      ${input('netmask', 'Network mask', 'e.g. 255.255.255.0')}
      ${input('gateway', 'Default gateway')} ${input('dns1', 'Primary DNS')}
      ${input('dns2', 'Secondary DNS')}
      <div class="actions"><button type="submit" class="primary">Save</button></div>
    </form>`;
}

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

export function certificatesBody(certificate: {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint: string;
}): Html {
  return html`<h1>Certificates</h1>
    <h2>HTTPS certificate of the device (self-signed)</h2>
    ${facts([
      ['Subject', certificate.subject],
      ['Issuer', certificate.issuer],
      ['Valid from', certificate.validFrom],
      ['Valid to', certificate.validTo],
      ['SHA-256 fingerprint', certificate.fingerprint],
    ])}
    <p class="hint">
      Maintenance → Reset Configuration with "Network Settings and Certificates" makes a new
      certificate.
    </p>`;
}

export function usersBody(
  csrfToken: string,
  accounts: Array<Omit<ApiAccount, 'passwordHa1'>>,
  form: { username: string; enabled: boolean; privileges: string[] },
  errors: FieldErrors,
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
    </form>`;
}

export interface MaintenanceErrors {
  backup?: FieldErrors;
  load?: FieldErrors;
  firmware?: FieldErrors;
}

export function maintenanceBody(
  csrfToken: string,
  firmwareVersion: string,
  errors: MaintenanceErrors,
): Html {
  return html`<h1>Maintenance</h1>
    <section aria-labelledby="backup-heading">
      <h2 id="backup-heading">Backup configuration</h2>
      <p>Download the whole configuration of the device as a file.</p>
      <form method="post" action="${BASE}/maintenance/backup" novalidate>
        ${csrfInput(csrfToken)}
        ${field({
          id: 'backup-password',
          name: 'password',
          label: 'Password (optional)',
          type: 'password',
          autocomplete: 'new-password',
          hint: 'With a password the file is encrypted, and loading it needs the same password.',
          error: errors.backup?.password,
        })}
        <div class="actions"><button type="submit" class="primary">Download</button></div>
      </form>
    </section>
    <section aria-labelledby="load-heading">
      <h2 id="load-heading">Load configuration</h2>
      <p>
        Replace the configuration with a backup of this kind of device. On any error nothing
        changes.
      </p>
      <form
        method="post"
        action="${BASE}/maintenance/load"
        enctype="multipart/form-data"
        novalidate
      >
        ${csrfInput(csrfToken)}
        ${field({
          id: 'load-file',
          name: 'file',
          label: 'Configuration file',
          type: 'file',
          error: errors.load?.file,
        })}
        ${field({
          id: 'load-password',
          name: 'password',
          label: 'Backup password',
          type: 'password',
          autocomplete: 'off',
          hint: 'Only for a backup downloaded with a password.',
          error: errors.load?.password,
        })}
        <div class="actions"><button type="submit">Load configuration</button></div>
      </form>
    </section>
    <section aria-labelledby="reset-heading">
      <h2 id="reset-heading">Reset Configuration</h2>
      <p>Set the configuration to its default values. The My2N Security Code stays as it is.</p>
      <form method="get" action="${BASE}/maintenance/reset">
        <button type="submit" class="danger">Reset Configuration</button>
      </form>
    </section>
    <section aria-labelledby="restart-heading">
      <h2 id="restart-heading">Restart</h2>
      <form method="get" action="${BASE}/maintenance/restart">
        <button type="submit">Restart</button>
      </form>
    </section>
    <section aria-labelledby="firmware-heading">
      <h2 id="firmware-heading">Firmware</h2>
      ${facts([['Firmware version', firmwareVersion]])}
      <form
        method="post"
        action="${BASE}/maintenance/firmware"
        enctype="multipart/form-data"
        novalidate
      >
        ${csrfInput(csrfToken)}
        ${field({
          id: 'firmware-file',
          name: 'file',
          label: 'Firmware file',
          type: 'file',
          error: errors.firmware?.file,
        })}
        <div class="actions"><button type="submit">Upload firmware</button></div>
      </form>
    </section>`;
}
