import { sql, type SelectQueryBuilder } from 'kysely';

/** Opaque list cursors (`nextCursor`): the sort key of the last row, base64url JSON. */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Reads a cursor back; null when it is not one of ours (the route turns that into a 400). */
export function decodeCursor(cursor: string, parts: number): string[] | null {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // No NUL: a key is compared in SQL, and PostgreSQL refuses NUL in text (a 500, not a 400).
    const valid = (k: unknown) => typeof k === 'string' && !k.includes('\u0000');
    if (Array.isArray(key) && key.length === parts && key.every(valid)) {
      return key as string[];
    }
  } catch {
    // falls through: not a cursor we issued
  }
  return null;
}

/** A page of rows and the cursor of the next page, if any. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Cuts `limit + 1` fetched rows into a page. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => string[],
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null,
  };
}

/**
 * Newest first, after the cursor `[created_at, id]` of the previous page, `limit + 1` rows (so
 * toPage can tell whether there is a next page); for tables keyed by creation time and id.
 */
export function newestFirst<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  after: [string, string] | null,
  limit: number,
): SelectQueryBuilder<DB, TB, O> {
  const page = after
    ? query.where(
        sql<boolean>`(created_at < ${after[0]} or (created_at = ${after[0]} and id < ${after[1]}))`,
      )
    : query;
  return page.orderBy(sql`created_at desc, id desc`).limit(limit + 1);
}
