import type { Executor } from '../schema.ts';

/**
 * What a person may see in each of their companies (issue 16, access.rules.ts `site:read`):
 * every site where they are an admin, else the sites they hold any grant on (viewers too).
 */
export type CompanyView = { all: true } | { all: false; siteIds: Set<string> };

/** The person's view of each of their companies (`companyIds`: only these; null: all). */
export async function viewsOf(
  db: Executor,
  userId: string,
  companyIds: readonly string[] | null = null,
): Promise<Map<string, CompanyView>> {
  const views = new Map<string, CompanyView>();
  if (companyIds !== null && companyIds.length === 0) return views;
  let memberships = db
    .selectFrom('memberships')
    .select(['company_id', 'role'])
    .where('user_id', '=', userId);
  if (companyIds !== null) memberships = memberships.where('company_id', 'in', companyIds);
  const members = await memberships.execute();
  const granted = members.filter((m) => m.role !== 'admin').map((m) => m.company_id);
  for (const m of members) {
    views.set(
      m.company_id,
      m.role === 'admin' ? { all: true } : { all: false, siteIds: new Set() },
    );
  }
  if (granted.length > 0) {
    const grants = await db
      .selectFrom('site_memberships')
      .select(['company_id', 'site_id'])
      .where('user_id', '=', userId)
      .where('company_id', 'in', granted)
      .execute();
    for (const g of grants) {
      const view = views.get(g.company_id);
      if (view && !view.all) view.siteIds.add(g.site_id);
    }
  }
  return views;
}
