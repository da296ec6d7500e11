/**
 * Who may do what (issue 16). A company admin may do everything in the company; a member
 * sees only the sites granted to them, as site-admin (manage) or viewer (read only).
 * Pure: the access service feeds it the person's grants and asks it.
 */

export const COMPANY_ROLES = ['admin', 'member'] as const;
export type CompanyRole = (typeof COMPANY_ROLES)[number];

export const SITE_ROLES = ['site-admin', 'viewer'] as const;
export type SiteRole = (typeof SITE_ROLES)[number];

/** What a use case asks for before it runs. */
export type CompanyAction =
  /** Lists of the company (its sites as the person sees them, notifications). */
  | 'company:read'
  /** Members, invitations, the company audit, company settings, new sites. */
  | 'company:admin'
  /** Leaving the company: any member, even one a required second factor keeps out. */
  | 'company:leave';

export type SiteAction =
  /** The site, its devices. */
  | 'site:read'
  /** Rename, add and delete devices, transfers, residents. */
  | 'site:manage'
  /** The site's audit log. */
  | 'site:audit';

export type Action = CompanyAction | SiteAction;

/** What one person holds in one company, and on one site of it when a site is asked about. */
export interface Grant {
  companyRole: CompanyRole;
  /** The member's role on the site; null when they have none (admins never need one). */
  siteRole: SiteRole | null;
}

const SITE_ROLE_ALLOWS: Record<SiteRole, readonly SiteAction[]> = {
  'site-admin': ['site:read', 'site:manage', 'site:audit'],
  viewer: ['site:read'],
};

/** Whether the site is visible at all: a member without a grant must not learn it exists. */
export const seesSite = (grant: Grant): boolean =>
  grant.companyRole === 'admin' || grant.siteRole !== null;

/** Whether the action needs the second factor a company may require (leaving gives nothing away). */
export const needsRequiredSecondFactor = (action: Action): boolean => action !== 'company:leave';

/** Whether the grant allows the action (visibility is asked first, with `seesSite`). */
export function allows(grant: Grant, action: Action): boolean {
  if (grant.companyRole === 'admin') return true;
  if (action === 'company:read' || action === 'company:leave') return true;
  if (action === 'company:admin') return false;
  return grant.siteRole !== null && SITE_ROLE_ALLOWS[grant.siteRole].includes(action);
}

/** Whether the company keeps an admin after `userId`'s change (a company always keeps one). */
export function keepsAnAdmin(
  admins: readonly string[],
  userId: string,
  newRole: CompanyRole | null,
): boolean {
  return admins.some((id) => id !== userId) || newRole === 'admin';
}

/** What a person sees of one company: every site (an admin), or the sites granted to them. */
export type CompanyView = { all: true } | { all: false; siteIds: ReadonlySet<string> };

/** The view of a person with `role` and grants on `grantedSiteIds` (any site role reads). */
export const companyView = (role: CompanyRole, grantedSiteIds: Iterable<string>): CompanyView =>
  role === 'admin' ? { all: true } : { all: false, siteIds: new Set(grantedSiteIds) };

/** Whether the view shows the site: `seesSite` for a view read once (live updates). */
export const viewShows = (view: CompanyView, siteId: string): boolean =>
  view.all || view.siteIds.has(siteId);
