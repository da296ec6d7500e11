import type { AuditEvent } from './api.ts';
import { auditLabel } from './audit-actions.ts';
import { formatDateTime } from './format.ts';

/** The site's audit log, newest first (shown to those allowed to read it). */
export function SiteAudit({ audit }: { audit: AuditEvent[] }) {
  return (
    <section aria-labelledby="audit-title" id="audit">
      <h2 id="audit-title">Audit log</h2>
      {audit.length === 0 ? (
        <p>Nothing happened in this site yet.</p>
      ) : (
        <table className="stack">
          <caption className="visually-hidden">Audit log of this site, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Device</th>
              <th scope="col">Result</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {audit.map((entry) => (
              <tr key={entry.id}>
                <td data-label="When">
                  <time dateTime={entry.createdAt}>{formatDateTime(entry.createdAt)}</time>
                </td>
                <td data-label="Who">{entry.actor ?? 'the device'}</td>
                <td data-label="What">{auditLabel(entry.action)}</td>
                <td data-label="Device" className="code">
                  {entry.serialNumber ?? ''}
                </td>
                <td data-label="Result">
                  {entry.outcome === 'success' ? (
                    'Done'
                  ) : (
                    <>
                      Refused
                      {entry.errorCode && (
                        <>
                          {' '}
                          <span className="code">({entry.errorCode})</span>
                        </>
                      )}
                    </>
                  )}
                </td>
                <td data-label="From" className="code">
                  {entry.ip ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
