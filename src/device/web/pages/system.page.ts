import type { ClassicPage } from '../classic.kit.ts';
import { BASE } from '../layout.ts';
import { systemOverviewBody } from './system.template.ts';

/** System: the list of its sections (each section is its own page module). */
export const systemPage: ClassicPage = (app, kit) => {
  app.get(
    `${BASE}/system`,
    kit.guarded((ctx) =>
      kit.render(ctx, {
        title: 'System',
        tab: 'system',
        section: null,
        body: systemOverviewBody(),
      }),
    ),
  );
};
