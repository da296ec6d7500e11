/** Links to the parts of a site's page (a long page on a phone: jump, do not scroll). */
export function SiteSections({ audit }: { audit: boolean }) {
  const sections: { id: string; label: string }[] = [
    { id: 'devices', label: 'Devices' },
    { id: 'residents', label: 'Residents' },
    { id: 'access-log', label: 'Access log' },
    ...(audit ? [{ id: 'audit', label: 'Audit log' }] : []),
  ];
  return (
    <nav aria-label="Parts of this site" className="site-sections">
      <ul>
        {sections.map(({ id, label }) => (
          <li key={id}>
            <a href={`#${id}`}>{label}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
