import {
  BULK_CONCURRENCY,
  bulkFailureBudget,
  checkBulkRow,
  countsTowardLimit,
  readBulkCsv,
  readBulkJson,
  type BulkFile,
  type BulkRow,
} from '../../core/bulk-claim.rules.ts';
import { errorBody, LatchkeyError, type ErrorBody } from '../../core/errors.ts';
import { attemptsRepo } from '../store/repos/attempts.repo.ts';
import type { Store } from '../store/store.ts';
import type { AccessService } from './access.service.ts';
import type { Actor } from './actor.ts';
import { claimScopes, type ClaimService } from './claim.service.ts';
import { GUESS_FAILURES } from './claim.plan.ts';
import { iso, type Clock } from './clock.ts';
import { windowStart, type RateLimitPolicy } from './rate-limit.ts';

/** One row's answer (api-contract "Bulk add"): an outcome, or the single add's error. */
export interface BulkResult {
  row: number;
  serialNumber: string;
  outcome?: 'added' | 'moved';
  error?: ErrorBody['error'];
}

export type BulkInput =
  { csv: string } | { rows: { serialNumber: string; securityCode: string }[] };

const BUDGET_SPENT =
  'Too many rows of this file had a wrong serial number or security code, so the rest of it was not tried (a file of guesses stops early).';

const answer = (row: number, serialNumber: string, error: LatchkeyError): BulkResult => ({
  row,
  serialNumber,
  error: errorBody(error).error,
});

/**
 * Runs `work` on every item with at most `limit` in flight, answers in the items' order: the
 * claims of a bulk reach the committer together, which commits them in groups.
 */
async function inOrder<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Bulk add (issue 18): every row of a file is its own claim through the claim rules, so one bad
 * row never undoes the others. The limits rule is docs/decisions/18-bulk.md.
 */
export function createBulkClaimService(deps: {
  access: AccessService;
  claims: ClaimService;
  store: Pick<Store, 'db' | 'dialect'>;
  clock: Clock;
  limits: RateLimitPolicy;
}) {
  const attempts = () => attemptsRepo(deps.store.db, deps.store.dialect);

  /** TOO_MANY_ATTEMPTS when the account or address is limited now: the request tries nothing. */
  async function refuseIfLimited(actor: Actor) {
    const now = deps.clock.now();
    const limiting = await attempts().limitingFailures(
      claimScopes(actor),
      windowStart(deps.limits, now),
      deps.limits.maxFailures,
    );
    const freeAt = Math.max(
      0,
      ...limiting.map((at) => (at === null ? 0 : new Date(at).getTime() + deps.limits.windowMs)),
    );
    if (freeAt > now.getTime()) {
      throw new LatchkeyError('TOO_MANY_ATTEMPTS', {
        retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)),
      });
    }
  }

  return {
    async add(actor: Actor, siteId: string, input: BulkInput): Promise<{ results: BulkResult[] }> {
      const { site } = await deps.access.requireSite(actor, 'site:manage', siteId);
      const file: BulkFile = 'csv' in input ? readBulkCsv(input.csv) : readBulkJson(input.rows);
      if (!file.ok) throw new LatchkeyError(file.code, { cause: file.cause });
      await refuseIfLimited(actor);

      const rows: BulkRow[] = file.rows.map((raw) => checkBulkRow(raw, site));
      const budget = bulkFailureBudget(rows.length, deps.limits.maxFailures);
      let failures = 0;
      // Rows in flight count against the budget too, so a file never makes more failed guesses
      // than its budget, however many rows run at once.
      let inFlight = 0;
      let waiting: (() => void)[] = [];
      const acquire = async () => {
        while (failures + inFlight >= budget && inFlight > 0) {
          await new Promise<void>((resolve) => waiting.push(resolve));
        }
        if (failures >= budget) return false;
        inFlight += 1;
        return true;
      };
      const release = () => {
        inFlight -= 1;
        const woken = waiting;
        waiting = [];
        for (const wake of woken) wake();
      };
      // Rows of one serial run one after the other, in file order: a duplicate row gets the
      // answer its place in the file gives it (usually ALREADY_IN_THIS_SITE).
      const previousOfSerial = new Map<string, Promise<unknown>>();

      const tryRow = async (row: BulkRow & { ok: true }): Promise<BulkResult> => {
        const result = await deps.claims.claimInBulk({
          actor,
          siteId,
          serialNumber: row.serialNumber,
          securityCode: row.securityCode,
        });
        if (!('error' in result)) {
          return { row: row.row, serialNumber: row.serialNumber, outcome: result.outcome };
        }
        if (GUESS_FAILURES.has(result.error.code)) {
          failures += 1;
          if (countsTowardLimit(failures)) {
            await attempts().record(claimScopes(actor), iso(deps.clock.now()));
          }
        }
        return answer(row.row, row.serialNumber, result.error);
      };
      const claimRow = async (row: BulkRow & { ok: true }): Promise<BulkResult> => {
        if (!(await acquire())) {
          return answer(
            row.row,
            row.serialNumber,
            new LatchkeyError('TOO_MANY_ATTEMPTS', { cause: BUDGET_SPENT }),
          );
        }
        try {
          return await tryRow(row);
        } finally {
          release();
        }
      };

      const results = await inOrder(rows, BULK_CONCURRENCY, async (row) => {
        if (!row.ok) {
          return answer(
            row.row,
            row.serialNumber,
            new LatchkeyError(row.code, { fields: row.fields }),
          );
        }
        const previous = previousOfSerial.get(row.serialNumber) ?? Promise.resolve();
        const done = previous.then(() => claimRow(row));
        previousOfSerial.set(row.serialNumber, done);
        return done;
      });
      return { results };
    },
  };
}

export type BulkClaimService = ReturnType<typeof createBulkClaimService>;
