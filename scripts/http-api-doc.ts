// Writes docs/http-api.md from the HTTP API function table and the manual's function list
// (src/device/api/functions); test/device/http-api/manual-table.test.ts checks that the
// committed file matches, so the table and the docs cannot drift apart.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { IMPLEMENTED_FUNCTIONS } from '../src/device/api/functions/index.ts';
import { renderHttpApiDoc } from '../src/device/api/functions/manual.doc.ts';

export const HTTP_API_DOC = fileURLToPath(new URL('../docs/http-api.md', import.meta.url));

/** The document as committed: rendered, then formatted as `npm run format` would. */
export async function httpApiDoc(): Promise<string> {
  const options = (await resolveConfig(HTTP_API_DOC)) ?? {};
  return format(renderHttpApiDoc(IMPLEMENTED_FUNCTIONS), { ...options, parser: 'markdown' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(HTTP_API_DOC, await httpApiDoc());
  console.log('wrote docs/http-api.md');
}
