import { confirmation, type FieldErrors } from '../forms.ts';
import { html, type Html } from '../html.ts';
import { BASE, csrfInput, facts, field } from '../layout.ts';

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

/** Reset Configuration, with the vendor's option "Network Settings and Certificates". */
export function resetBody(csrfToken: string): Html {
  return confirmation({
    heading: 'Reset Configuration',
    text: html`<p>
      Reset the configuration of the device to default values? The administrator password becomes
      admin / 2n again and every session ends. The My2N Security Code stays as it is.
    </p>`,
    inside: html`<div class="check">
        <input
          type="checkbox"
          id="reset-network"
          name="networkSettingsAndCertificates"
          value="yes"
          aria-describedby="reset-network-hint"
        />
        <label for="reset-network">Network Settings and Certificates</label>
      </div>
      <p class="hint" id="reset-network-hint">
        Also reset the network settings (back to DHCP) and make a new certificate. Without it they
        are kept.
      </p>`,
    action: `${BASE}/maintenance/reset`,
    back: `${BASE}/maintenance`,
    csrfToken,
    danger: true,
  });
}

export function restartBody(csrfToken: string): Html {
  return confirmation({
    heading: 'Restart',
    text: html`<p>Restart the device now? Every session ends; log in again after.</p>`,
    action: `${BASE}/maintenance/restart`,
    back: `${BASE}/maintenance`,
    csrfToken,
  });
}
