import { errorCatalog, type CatalogEntry } from '../../src/core/errors.ts';

/** The Markdown reference of every error the cloud API answers. */
export function renderErrorsDoc(): string {
  const lines = [
    '# Cloud API errors',
    '',
    'Every error answer of the cloud API has the body',
    '`{"error": {"code", "message", "cause", "hints": [...], "fields"?: [...]}}`.',
    'This page is generated from `src/core/errors.ts` by `npm run docs:errors`; a test keeps it in step.',
    '',
    '| code | HTTP | message |',
    '| --- | --- | --- |',
    ...Object.entries(errorCatalog).map(
      ([code, entry]: [string, CatalogEntry]) =>
        `| \`${code}\` | ${entry.status} | ${entry.message} |`,
    ),
    '',
  ];
  for (const [code, entry] of Object.entries(errorCatalog) as [string, CatalogEntry][]) {
    lines.push(`## ${code}`, '', `HTTP ${entry.status}. **${entry.message}**`, '', entry.cause, '');
    for (const hint of entry.hints) lines.push(`- ${hint}`);
    lines.push('');
  }
  return lines.join('\n');
}
