/**
 * `latchkey_commit_claims`: claims decided on what was read without locks, committed together
 * in one statement, each only if what it was decided on still holds (optimistic concurrency).
 *
 * Why a function: node-postgres sends one socket write per statement and waits for its
 * answer, and on a loaded 2-core machine that write, not PostgreSQL, was the cost of a claim
 * (bench/NOTES.md). A claim in a transaction of its own is eight statements; read and
 * committed this way it is two, and the claims that arrive together share the second and its
 * commit (group commit).
 *
 * Why PL/pgSQL and not one statement with CTEs: every statement of a VOLATILE function takes
 * a new snapshot under READ COMMITTED (PostgreSQL manual §38.7), so what follows a lock sees
 * what the lock's previous holder committed. One statement would keep the snapshot it started
 * with, taken before it waited.
 *
 * Claims are checked and written in order, each seeing what those before it wrote. For each
 * it answers:
 * - `stale`: the device's known generation or owner is not what the claim was decided on;
 * - `limited`: a rate-limit scope is full;
 * - `committed`: the claim's rows are written.
 * A claim not `committed` wrote nothing; the caller runs it again in a transaction of its own,
 * which decides anew under locks.
 *
 * Migration 0003 creates it, 0007_claims_per_serial_notice replaces it (no per-serial limit;
 * the owner's notice) and 0022_claim_webhooks again (the webhook deliveries); a change here reaches existing databases only through a new
 * migration that runs it again (`create or replace`).
 */
export const commitClaimFunction = `
create or replace function latchkey_commit_claims(p_claims jsonb, p_serials text[], p_lock_keys text[])
returns text[]
language plpgsql
volatile
as $$
declare
  v_claim jsonb;
  v_key text;
  v_known integer;
  v_owner_site text;
  v_owner_generation integer;
  v_scopes text[];
  v_scope_keys text[];
  v_failure_scopes text[];
  v_failure_scope_keys text[];
  v_statuses text[] := '{}';
begin
  -- Every device, then every scope, each in the order given (sorted by the caller): a claim's
  -- transaction takes its one device and then its scopes in the same order, so nothing that
  -- holds a scope waits for a device and no two holders wait on each other in a cycle.
  foreach v_key in array p_serials loop
    perform 1 from devices where serial_number = v_key for update;
  end loop;
  foreach v_key in array p_lock_keys loop
    perform pg_advisory_xact_lock(hashtextextended(v_key, 0));
  end loop;

  for v_claim in select value from jsonb_array_elements(p_claims) loop
    select known_generation into v_known
      from devices where serial_number = v_claim->>'serial';
    select site_id, claimed_generation into v_owner_site, v_owner_generation
      from ownerships where serial_number = v_claim->>'serial';
    v_scopes := array(select jsonb_array_elements_text(v_claim->'scopes'));
    v_scope_keys := array(select jsonb_array_elements_text(v_claim->'scopeKeys'));
    v_failure_scopes := array(select jsonb_array_elements_text(v_claim->'failureScopes'));
    v_failure_scope_keys := array(select jsonb_array_elements_text(v_claim->'failureScopeKeys'));
    if v_known is distinct from (v_claim->>'knownGeneration')::integer
       or v_owner_site is distinct from v_claim->>'ownerSite'
       or v_owner_generation is distinct from (v_claim->>'ownerGeneration')::integer then
      v_statuses := v_statuses || 'stale'::text;
    -- A scope is full when its limit-th newest failure is inside the window (rate-limit.ts);
    -- the scopes are the account's and the address's only (claim rules).
    elsif exists (
      select 1 from unnest(v_scopes, v_scope_keys) as s(scope, scope_key)
      where exists (
        select 1 from attempt_failures f
        where f.scope = s.scope and f.scope_key = s.scope_key
          and f.created_at > v_claim->>'since'
        order by f.created_at desc
        offset (v_claim->>'maxFailures')::integer - 1
        limit 1
      )
    ) then
      v_statuses := v_statuses || 'limited'::text;
    else
      if jsonb_typeof(v_claim->'ownership') = 'object' then
        insert into ownerships (serial_number, site_id, claimed_generation, claimed_at, claimed_by)
        select serial_number, site_id, claimed_generation, claimed_at, claimed_by
          from jsonb_populate_record(null::ownerships, v_claim->'ownership')
        on conflict (serial_number) do update set
          site_id = excluded.site_id,
          claimed_generation = excluded.claimed_generation,
          claimed_at = excluded.claimed_at,
          claimed_by = excluded.claimed_by;
      end if;
      if jsonb_typeof(v_claim->'raiseGeneration') = 'number' then
        update devices set known_generation = (v_claim->>'raiseGeneration')::integer
          where serial_number = v_claim->>'serial'
            and known_generation < (v_claim->>'raiseGeneration')::integer;
      end if;
      insert into audit_events (id, company_id, site_id, actor_user_id, actor_email, action,
                                outcome, error_code, serial_number, ip, detail, created_at)
      select id, company_id, site_id, actor_user_id, actor_email, action,
             outcome, error_code, serial_number, ip, detail, created_at
        from jsonb_populate_recordset(null::audit_events, v_claim->'audit');
      insert into notifications (id, user_id, kind, title, body, site_id, serial_number,
                                 created_at, read_at)
      select id, user_id, kind, title, body, site_id, serial_number, created_at, read_at
        from jsonb_populate_recordset(null::notifications, v_claim->'notifications');
      -- Issue 20's outbox: the claim's webhook deliveries, committed with its ownership. Only
      -- here, where the claim is committed; seq is the table's own (migration 0021).
      if jsonb_typeof(v_claim->'webhooks') = 'array'
         and jsonb_array_length(v_claim->'webhooks') > 0 then
        insert into webhook_deliveries (id, endpoint_id, company_id, event_id, event_type,
                                        payload, state, attempts, next_attempt_at, lease_until,
                                        last_status, last_error, last_attempt_at, created_at,
                                        finished_at)
        select id, endpoint_id, company_id, event_id, event_type, payload, state, attempts,
               next_attempt_at, lease_until, last_status, last_error, last_attempt_at,
               created_at, finished_at
          from jsonb_populate_recordset(null::webhook_deliveries, v_claim->'webhooks');
      end if;
      if (v_claim->>'recordsFailure')::boolean then
        insert into attempt_failures (scope, scope_key, created_at)
        select scope, scope_key, v_claim->>'now'
          from unnest(v_failure_scopes, v_failure_scope_keys) as s(scope, scope_key);
      end if;
      -- The owner's notice of wrong codes, once the serial's failures in the window reach the
      -- limit and none was sent to that site since the window began (claims.repo.ts,
      -- sendFailureNoticeIfDue); the device row is locked, so its failures count one by one.
      if jsonb_typeof(v_claim->'noticeSite') = 'string'
         and exists (
           select 1 from attempt_failures f
           where f.scope = 'claim-serial' and f.scope_key = v_claim->>'serial'
             and f.created_at > v_claim->>'since'
           order by f.created_at desc
           offset (v_claim->>'maxFailures')::integer - 1
           limit 1
         )
         and not exists (
           select 1 from notifications n
           where n.kind = 'claim-failures' and n.serial_number = v_claim->>'serial'
             and n.site_id = v_claim->>'noticeSite' and n.created_at > v_claim->>'since'
         ) then
        insert into notifications (id, user_id, kind, title, body, site_id, serial_number,
                                   created_at, read_at)
        select id, user_id, kind, title, body, site_id, serial_number, created_at, read_at
          from jsonb_populate_recordset(null::notifications, v_claim->'notice');
      end if;
      v_statuses := v_statuses || 'committed'::text;
    end if;
  end loop;
  return v_statuses;
end
$$;
`;
