// Writes docs/errors.md from the error catalog (src/core/errors.ts); test/unit/error-catalog
// checks that the committed file matches, so the catalog and the docs cannot drift apart.
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../test/helpers/errors-doc.ts';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
console.log('wrote docs/errors.md');
