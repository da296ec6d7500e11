import type { SitePageState } from './use-site-page.ts';

/** Renaming the site and offering it to another company (managers only). */
export function SiteRenameForm({ state }: { state: SitePageState }) {
  const { name, setName, cancel, rename } = state.renaming;
  if (name === null) {
    return (
      <div className="actions">
        <button type="button" onClick={() => setName(state.site?.name ?? '')}>
          Rename site
        </button>
        <button type="button" onClick={() => state.setOffering({ kind: 'site' })}>
          Offer site…
        </button>
      </div>
    );
  }
  return (
    <form onSubmit={rename} className="inline-form" aria-label="Rename site">
      <div className="field">
        <label htmlFor="site-new-name">New site name</label>
        <input
          id="site-new-name"
          value={name}
          maxLength={100}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <button type="submit">Save name</button>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </form>
  );
}
