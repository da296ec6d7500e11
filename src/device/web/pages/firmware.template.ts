import { confirmation } from '../forms.ts';
import { html, type Html } from '../html.ts';
import { BASE } from '../layout.ts';

/** After the upload: install the checked image (Yes) or discard it (No). */
export function installFirmwareBody(options: {
  version: string;
  downgrade: boolean;
  installed: string;
  csrfToken: string;
}): Html {
  return confirmation({
    heading: `Install firmware ${options.version}?`,
    text: html`<p>
      The device has firmware ${options.installed} and restarts after the upgrade.
      ${
        options.downgrade
          ? html`<strong>This is an older version than the installed one (a downgrade).</strong>`
          : ''
      }
    </p>`,
    action: `${BASE}/maintenance/firmware/apply`,
    back: `${BASE}/maintenance`,
    noAction: `${BASE}/maintenance/firmware/reject`,
    csrfToken: options.csrfToken,
  });
}
