import { confirmation } from '../forms.ts';
import { html, type Html } from '../html.ts';
import { BASE, facts } from '../layout.ts';

export function autoProvisioningBody(view: {
  serialNumber: string;
  securityCode: string;
  configurationMode: string;
}): Html {
  return html`<h1>Auto Provisioning</h1>
    <h2>My2N</h2>
    ${facts([
      ['Serial number', view.serialNumber],
      ['My2N Security Code', html`<span class="code">${view.securityCode}</span>`],
      ['Configuration mode', html`<span id="configuration-mode">${view.configurationMode}</span>`],
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

/** The confirmation before Generate New: the current code stops working at once. */
export function generateNewBody(currentCode: string, csrfToken: string): Html {
  return confirmation({
    heading: 'Generate a new My2N Security Code?',
    text: html`<p>
        The current code <strong class="code">${currentCode}</strong> stops working at once: the old
        My2N Security Code is then no longer valid, and nobody can add this device to My2N with it.
      </p>
      <p>The new code is shown right after; use it to add the device to your site.</p>`,
    action: `${BASE}/system/auto-provisioning/generate-new`,
    back: `${BASE}/system/auto-provisioning`,
    csrfToken,
  });
}
