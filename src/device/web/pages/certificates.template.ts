import { html, type Html } from '../html.ts';
import { facts } from '../layout.ts';

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
