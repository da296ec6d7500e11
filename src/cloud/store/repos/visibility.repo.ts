import type { CompanyRole } from '../../../core/access.rules.ts';
import type { Executor } from '../schema.ts';

/** A person's role in one company and the sites granted to them there (raw; the rule is core's). */
export interface CompanyStanding {
  role: CompanyRole;
  siteIds: string[];
}

/**
 * The person's standing in each of their companies (`companyIds`: only these; null: all), in
 * two statements whatever the number of companies: for the live-update streams, which read
 * it once when they open and again when the membership changes.
 */
export async function standingsOf(
  db: Executor,
  userId: string,
  companyIds: readonly string[] | null = null,
): Promise<Map<string, CompanyStanding>> {
  const standings = new Map<string, CompanyStanding>();
  if (companyIds !== null && companyIds.length === 0) return standings;
  let memberships = db
    .selectFrom('memberships')
    .select(['company_id', 'role'])
    .where('user_id', '=', userId);
  if (companyIds !== null) memberships = memberships.where('company_id', 'in', companyIds);
  const members = await memberships.execute();
  for (const m of members) standings.set(m.company_id, { role: m.role, siteIds: [] });
  // Admins need no grants (core/access.rules.ts): only members' are read.
  const granted = members.filter((m) => m.role !== 'admin').map((m) => m.company_id);
  if (granted.length > 0) {
    const grants = await db
      .selectFrom('site_memberships')
      .select(['company_id', 'site_id'])
      .where('user_id', '=', userId)
      .where('company_id', 'in', granted)
      .execute();
    for (const g of grants) standings.get(g.company_id)?.siteIds.push(g.site_id);
  }
  return standings;
}
