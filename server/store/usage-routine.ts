/**
 * The usage write as one server-side function, so a commit costs one round trip and one parse of its batch, with
 * plans Postgres keeps per connection. It orders concurrent writers per event key, not per runtime, so one busy
 * runtime does not serialise every commit of the hub:
 *
 * 1. Takes the runtimes' advisory locks shared (exclusive holders — daily totals, reprice — still keep usage writes
 *    of those runtimes out until they commit), in runtime order.
 * 2. Inserts the keys not stored yet (a plain insert when none of the batch's first keys is stored, `ON CONFLICT DO
 *    NOTHING` otherwise or when that meets a stored key) and sums what the new rows add to the rollup, per rollup
 *    key (they add as they are). A key another transaction is inserting makes this wait for it; its row is then a
 *    stored one.
 * 3. With a new snapshot (each statement of a VOLATILE function takes one), locks only the stored rows the batch
 *    beats (largest total wins; `FOR UPDATE` re-checks that on the latest committed version), replaces them, adds
 *    the new rows and the difference of each replaced one to usage_quarter, and bumps the usage version of each
 *    runtime whose usage changed. Stored rows the batch does not beat are neither locked nor written, and a batch of
 *    new events only skips the look-up (measured in BENCHMARKS.md: half the database CPU of the lock-every-key
 *    version for new events, the same for a small batch of re-sent snapshots): its plain insert, rollups and bump
 *    are one statement.
 *
 * Every commit takes its row locks in the same order — event rows in the batch's order, which is key order as every
 * writer sends it (usage-batch-order.ts), rollup rows by key, then runtimes — so concurrent commits wait for each
 * other only where they share keys, and never deadlock. The function is created by `migrate` (name versioned by its
 * text, so nodes of two versions never replace each other's) from the column lists of shared/ and of this file: the
 * event columns are read with the table's own row type.
 */
import { createHash } from 'node:crypto';
import { TOKEN_KINDS } from '../../shared';
import { LEVELS_LOCK } from './runtime-levels';
import { ATTRIBUTION_COLUMNS, attributionKey, eventCostColumns, quarterOf, sumOf } from './usage-columns';
import {
  BATCH_ROW_OF,
  BATCH_ROW_TYPE,
  deltasOf,
  EVENT_COLUMNS,
  INSERT_NEW,
  PLAIN_INSERT,
  ROLLUP_ROW,
  ROLLUP_TAIL,
  ROLLUP_TYPE,
  ROW_FIELDS,
  rollupColumns,
  SAMPLED_KEYS,
  unattributed,
} from './usage-routine-statements';

export { BATCH_ROW_FIELDS, COARSE_ROLLUPS } from './usage-routine-statements';

const BODY = `
#variable_conflict use_column
DECLARE
  -- The batch arrives in key order (runtime id, then id, in UTF-16 code units: usage-batch-order.ts), the one order
  -- every writer locks event rows in; each rebuild below keeps it.
  batch_rows ${BATCH_ROW_TYPE}[] := batch;
  -- What the new rows add to the rollup, already summed per rollup key, one array per column (a few elements,
  -- where the new event rows themselves were a copy of the whole batch). Base types only: the function is created
  -- by every migrate, also before the rollup's table exists (tests of older migrations).
  ${ROLLUP_ROW.map((c) => `fresh_${c} ${ROLLUP_TYPE[c]}[];`).join('\n  ')}
  fresh_count bigint;
  fresh_rt uuid[];
  fresh_id text[];
  horizon timestamptz;
  -- The runtime levels' watermark (runtime-levels.ts), read under their lock.
  levels_from_ timestamptz;
  first_ts timestamptz;
BEGIN
  -- Before anything else (every holder takes it first): the roll of the runtime levels waits for this commit.
  PERFORM pg_advisory_xact_lock_shared(${LEVELS_LOCK});
  -- The locks, in runtime order, and the batch's earliest event, in one pass over the batch (each unnest copies the
  -- whole batch into a tuplestore).
  SELECT min(k.first_ts) INTO first_ts FROM (
    SELECT pg_advisory_xact_lock_shared(hashtextextended(k.runtime_id::text, 41)), k.first_ts
    FROM (SELECT r.runtime_id, min(r.ts) AS first_ts FROM unnest(batch_rows) AS r GROUP BY 1 ORDER BY 1) AS k
  ) AS k;

  -- Before the retention horizon raw events are gone: a late re-send could not be told from a new event, so it is
  -- ignored. Read under the runtimes' locks: the retention job deletes a runtime's rows only under its exclusive
  -- lock, after the horizon committed (retention.ts), so a row this batch may replace is never deleted meanwhile.
  -- The batch is rebuilt only when it holds such an event (rarely: the horizon is days behind).
  SELECT u.raw_before, l.levels_from INTO horizon, levels_from_ FROM usage_retention u CROSS JOIN usage_runtime_levels l;
  IF first_ts < horizon THEN
    batch_rows := ARRAY(
      SELECT ${BATCH_ROW_OF('b')} FROM unnest(batch_rows) WITH ORDINALITY AS b WHERE b.ts >= horizon
      ORDER BY b.ordinality);
  END IF;

  -- New keys are inserted (and summed: they add to the rollup as they are); a key another transaction is
  -- inserting makes this wait for it, and its row is then a stored one. A batch whose first keys are all new is
  -- tried as a plain insert, in a subtransaction: a batch of new events only (a fleet streaming) then skips ON
  -- CONFLICT's look-up of every key before its insert (a second descent of the primary key per row, and a
  -- confirmation record). A key stored — or committed meanwhile by another transaction — fails it, and the batch
  -- goes again with ON CONFLICT DO NOTHING. A batch that re-sends many events (a turn streaming) usually shows one
  -- among its first keys (in key order, so a sample), and goes to ON CONFLICT at once: a failed attempt cost more
  -- than the look-ups it saves (BENCHMARKS.md, hA).
  -- (Elements by subscript, not a LIMIT over unnest, which copies the whole batch into a tuplestore first, nor a
  -- slice, which flattens the whole array.) Each key is looked up on its own (LATERAL … LIMIT 1: a primary-key probe
  -- whatever the statistics say): as a join, a plan made while the table was nearly empty hashed the 8 keys and
  -- scanned the whole table, and kept doing so on every commit as the table grew where nothing re-plans (autovacuum
  -- off, PGlite).
  IF EXISTS (
    SELECT FROM generate_series(1, least(cardinality(batch_rows), ${SAMPLED_KEYS})) AS b(i)
    CROSS JOIN LATERAL (
      SELECT FROM usage_events AS e
      WHERE e.runtime_id = (batch_rows[b.i]).runtime_id AND e.id = (batch_rows[b.i]).id LIMIT 1) AS e
  ) THEN
    ${INSERT_NEW}
  ELSE
    BEGIN
      -- A unique_violation can only come from the insert, which ends before the first row is returned (the
      -- aggregate of deltas reads it whole): no row of a failed attempt is ever in the answer.
      RETURN QUERY ${PLAIN_INSERT}
      RETURN;
    EXCEPTION WHEN unique_violation THEN
      ${INSERT_NEW}
    END;
  END IF;

  -- With a new snapshot, lock the stored rows the batch beats, in key order, and replace them. FOR UPDATE re-checks
  -- the condition on the latest committed version of a row another transaction changed meanwhile (totals only grow
  -- and attribution is only filled in, so a row not beaten in this snapshot is not beaten later either); the rows
  -- this transaction just inserted are the batch's own values, never beaten. Rows left alone are neither locked
  -- nor written. A batch of new events only (a fleet streaming) has none to look up; of a mixed batch only the keys
  -- this transaction did not insert are looked up (a hash anti-join: cheaper than a descent of the key per row).
  IF fresh_count = cardinality(batch_rows) THEN
    batch_rows := '{}';
  ELSIF fresh_count > 0 AND fresh_id IS NOT NULL THEN
    batch_rows := ARRAY(
      SELECT ${BATCH_ROW_OF('b')} FROM unnest(batch_rows) WITH ORDINALITY AS b
      WHERE NOT EXISTS (
        SELECT FROM unnest(fresh_rt, fresh_id) AS f(rt, id) WHERE f.rt = b.runtime_id AND f.id = b.id)
      ORDER BY b.ordinality);
  END IF;

  RETURN QUERY
  WITH old AS (
    -- Each key probed on its own, in the batch's key order (the order its locks are taken in), for the reason the
    -- sample above is: as a join, a plan made on a nearly empty table scanned the whole table for re-sent keys.
    SELECT e.* FROM unnest(batch_rows) AS i
    CROSS JOIN LATERAL (
      SELECT e.* FROM usage_events AS e
      WHERE e.runtime_id = i.runtime_id AND e.id = i.id
        AND (${sumOf('i')} > ${sumOf('e')}
          -- An equal snapshot that names what the stored one does not (events stored before the daemon sent
          -- attribution, read again) fills it in: the tokens move to their project, user and session.
          OR (${sumOf('i')} = ${sumOf('e')} AND ${unattributed('e')} AND NOT ${unattributed('i')}))
      LIMIT 1
      FOR UPDATE
    ) AS e
  ),
  written AS (
    UPDATE usage_events e SET ${EVENT_COLUMNS.slice(2)
      .map((c) => `${c} = i.${c}`)
      .join(', ')}
    FROM unnest(batch_rows) i JOIN old o ON o.runtime_id = i.runtime_id AND o.id = i.id
    WHERE e.runtime_id = o.runtime_id AND e.id = o.id
    RETURNING ${rollupColumns('e')}
  ),
  changes AS (
    SELECT * FROM written
    UNION ALL
    SELECT * FROM unnest(${ROLLUP_ROW.map((c) => `fresh_${c}`).join(', ')})
    UNION ALL
    SELECT o.runtime_id, ${quarterOf('o.ts')}, o.provider, o.model, ${attributionKey('o')},
           ${TOKEN_KINDS.map((c) => `-o.${c}`).join(', ')}, ${eventCostColumns('o', '-')}
    FROM old o
  ),
  ${deltasOf('changes')},
  ${ROLLUP_TAIL}
END`;

/**
 * The answer: what each rollup row changed by. The hour holding a quarter is the hub's to compute (usage-writes.ts),
 * and the cost columns stay numeric (the hub reads numeric as it read float8: a number): a `date_trunc` and a
 * timestamp to spell per row, and numeric → text → float8 twice, were the database's (BENCHMARKS.md, session 10, hP).
 */
const RETURNS = `TABLE (runtime_id uuid, at timestamptz, provider text, model text, ${ATTRIBUTION_COLUMNS.map((c) => `${c} text`).join(', ')}, ${TOKEN_KINDS.map((c) => `${c} bigint`).join(', ')}, cost_usd numeric, unpriced_tokens numeric)`;

/** Versioned by its text: a node never runs another version's function. */
const NAME = `rh_write_usage_${createHash('sha256').update(RETURNS).update(BODY).digest('hex').slice(0, 12)}`;

/**
 * Creates the batch's row type if missing, and (or recreates, unchanged) the function; `migrate` runs it on every
 * start, under its lock. The batch arrives as an array of these rows, not JSON: Postgres read a JSON batch twice
 * (validated on receipt, parsed again by json_populate_recordset), a quarter of a commit's CPU (BENCHMARKS.md, hA2).
 */
export const USAGE_ROUTINE_SQL = `DO $do$ BEGIN
  IF to_regtype('${BATCH_ROW_TYPE}') IS NULL THEN
    CREATE TYPE ${BATCH_ROW_TYPE} AS (${ROW_FIELDS});
  END IF;
END $do$;
CREATE OR REPLACE FUNCTION ${NAME}(batch ${BATCH_ROW_TYPE}[]) RETURNS ${RETURNS}
LANGUAGE plpgsql AS $fn$${BODY}
$fn$;`;

/** The one statement a usage commit sends: $1 is the batch as an array literal of event rows (encodeUsageBatch). */
export const WRITE_USAGE_CALL = `SELECT * FROM ${NAME}($1::${BATCH_ROW_TYPE}[])`;
