import type { FieldErrors } from '../forms.ts';
import { html, type Html } from '../html.ts';
import { BASE, csrfInput, facts, field } from '../layout.ts';

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
