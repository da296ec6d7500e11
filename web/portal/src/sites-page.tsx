import { useEffect, useState, type FormEvent } from 'react';
import { all, api, ApiError, type Site, type SiteType } from './api.ts';
import { SITE_TYPE_LABELS } from './site-types.ts';
import { useDraft } from './drafts.ts';
import { formatDate } from './format.ts';
import { FieldMessage } from './form-error.tsx';
import { navigate } from './router.ts';
import { useToasts } from './toasts.tsx';

/**
 * The sites of the current company the person can see (an admin: all of them; a member: those
 * given to them), and, for admins, a new one.
 */
export function SitesPage({ canCreate }: { canCreate: boolean }) {
  const [sites, setSites] = useState<Site[] | null>(null);
  const [name, setName, clearName] = useDraft('new-site', '');
  const [type, setType] = useState<SiteType>('other');
  const [error, setError] = useState<ApiError | null>(null);
  const { notifyError, clear } = useToasts();

  useEffect(() => {
    all((cursor) => api.sites(cursor)).then(setSites, (caught: unknown) => {
      if (caught instanceof ApiError) notifyError(caught);
    });
  }, [notifyError]);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const site = await api.createSite(name, type);
      clearName();
      clear('create-site');
      navigate(`/sites/${site.id}`);
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      setError(caught);
      if (caught.code !== 'VALIDATION_FAILED') notifyError(caught, 'create-site');
    }
  }

  return (
    <main>
      <h1>Sites</h1>
      <p>A site is a place — a house, a building — that holds your intercoms.</p>
      {sites === null ? (
        <p role="status">Loading sites…</p>
      ) : sites.length === 0 ? (
        <p>
          {canCreate
            ? 'You have no site yet. Create one below, then add your device to it.'
            : 'No site was given to you in this company yet. Ask a company administrator.'}
        </p>
      ) : (
        <table className="stack">
          <caption className="visually-hidden">Your sites</caption>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Type</th>
              <th scope="col">Company</th>
              <th scope="col">Created on</th>
            </tr>
          </thead>
          <tbody>
            {sites.map((site) => (
              <tr key={site.id}>
                <th scope="row" data-label="Site">
                  <a
                    href={`/sites/${site.id}`}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(`/sites/${site.id}`);
                    }}
                  >
                    {site.name}
                  </a>
                </th>
                <td data-label="Type">{site.type ? SITE_TYPE_LABELS[site.type] : ''}</td>
                <td data-label="Company">{site.companyName}</td>
                <td data-label="Created on" className="nowrap">
                  {formatDate(site.createdAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canCreate && (
        <section aria-labelledby="new-site-title" className="card">
          <h2 id="new-site-title">Create a site</h2>
          <p>Register your device in your own new site.</p>
          <form onSubmit={create} noValidate>
            <div className="field">
              <label htmlFor="new-site-name">Site name</label>
              <input
                id="new-site-name"
                value={name}
                maxLength={100}
                required
                aria-invalid={error?.field('name') ? true : undefined}
                aria-describedby={error?.field('name') ? 'new-site-name-error' : undefined}
                onChange={(event) => setName(event.target.value)}
              />
              <FieldMessage id="new-site-name-error" message={error?.field('name')} />
            </div>
            <div className="field">
              <label htmlFor="new-site-type">Type of site</label>
              <select
                id="new-site-type"
                value={type}
                aria-describedby={`new-site-type-help${error?.field('type') ? ' new-site-type-error' : ''}`}
                onChange={(event) => setType(event.target.value as SiteType)}
              >
                {Object.entries(SITE_TYPE_LABELS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
              <p className="field-help" id="new-site-type-help">
                A family home has one apartment; an apartment building has many. It cannot be
                changed later.
              </p>
              <FieldMessage id="new-site-type-error" message={error?.field('type')} />
            </div>
            <button type="submit">Create site</button>
          </form>
        </section>
      )}
    </main>
  );
}
