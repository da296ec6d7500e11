import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { errorCatalog } from '../../src/core/errors.ts';
import { build } from '../../src/cloud/http/app.ts';
import { openCloud } from '../../src/cloud/cloud.ts';
import { sqliteTestDialect } from '../helpers/databases.ts';
import { renderErrorsDoc } from '../helpers/errors-doc.ts';

describe('error catalog, OpenAPI document and docs stay in step', () => {
  it('gives every error a status, a message, a cause and at least one hint', () => {
    for (const [code, entry] of Object.entries(errorCatalog)) {
      assert.ok(entry.status >= 400 && entry.status < 600, code);
      assert.ok(entry.message.length > 0 && entry.cause.length > 0, code);
      assert.ok(entry.hints.length > 0, `${code} has no hint`);
    }
  });

  it('documents every catalog code in docs/errors.md as generated', () => {
    const committed = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    assert.equal(committed, renderErrorsDoc(), 'run "npm run docs:errors" and commit the result');
  });

  it('lists every catalog code in the OpenAPI error schema', async (t) => {
    const database = await sqliteTestDialect.create();
    const { store, services } = await openCloud({ dataDir: database.dataDir });
    const app = await build({ services });
    t.after(async () => {
      await app.close();
      await store.close();
      await database.drop();
    });
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    const document = response.json() as {
      components: {
        schemas: Record<
          string,
          { properties: { error: { properties: { code: { enum: string[] } } } } }
        >;
      };
    };
    const schema = Object.entries(document.components.schemas).find(([name]) =>
      name.startsWith('ErrorBody'),
    );
    assert.ok(schema, 'the document has an ErrorBody schema');
    assert.deepEqual(
      [...schema[1].properties.error.properties.code.enum].sort(),
      Object.keys(errorCatalog).sort(),
    );
  });
});
