import { html, type Html } from '../html.ts';
import { BASE } from '../layout.ts';

/** The System tab's side menu, as on the vendor's classic web interface. */
export const SYSTEM_SECTIONS = [
  { slug: 'auto-provisioning', label: 'Auto Provisioning', about: 'My2N Security Code' },
  { slug: 'network', label: 'Network', about: 'DHCP or a static address' },
  { slug: 'date-time', label: 'Date & Time', about: 'the device clock' },
  { slug: 'certificates', label: 'Certificates', about: "the device's HTTPS certificate" },
  { slug: 'users', label: 'Users', about: 'web administration and HTTP API accounts' },
] as const;
export type SystemSection = (typeof SYSTEM_SECTIONS)[number]['slug'];

export function systemSections(current: SystemSection | null) {
  return SYSTEM_SECTIONS.map((section) => ({
    href: `${BASE}/system/${section.slug}`,
    label: section.label,
    current: section.slug === current,
  }));
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
