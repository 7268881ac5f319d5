-- pg_trickle catalog: the one SQL source of truth for both hosts.
-- Runs inside CREATE EXTENSION (PL/Java host) and from `pg-trickle install` (worker/CLI host).
-- The schema pgtrickle exists before this script runs.

CREATE SCHEMA IF NOT EXISTS pgtrickle_changes;
REVOKE ALL ON SCHEMA pgtrickle_changes FROM PUBLIC;

CREATE TABLE pgtrickle.pgt_stream_tables (
    pgt_id                 bigserial PRIMARY KEY,
    pgt_relid              oid NOT NULL UNIQUE,
    pgt_schema             name NOT NULL,
    pgt_name               name NOT NULL,
    defining_query         text NOT NULL,
    schedule               text NOT NULL,
    refresh_mode           text NOT NULL CHECK (refresh_mode IN ('FULL', 'DIFFERENTIAL', 'AUTO')),
    effective_refresh_mode text NOT NULL CHECK (effective_refresh_mode IN ('FULL', 'DIFFERENTIAL')),
    status                 text NOT NULL DEFAULT 'INITIALIZING'
                           CHECK (status IN ('INITIALIZING', 'ACTIVE', 'SUSPENDED', 'ERROR')),
    is_populated           boolean NOT NULL DEFAULT false,
    -- Frontier: the snapshot of the last refresh and that refresh's own transaction id.
    -- A change is consumed when its writer is visible in the snapshot or is that transaction.
    frontier               pg_snapshot,
    frontier_xid           xid8,
    needs_full_refresh     boolean NOT NULL DEFAULT false,
    data_timestamp         timestamptz,
    last_refresh_at        timestamptz,
    consecutive_errors     integer NOT NULL DEFAULT 0,
    last_error             text,
    merge_work_mem_mb      integer,
    refresh_workers        integer,
    preset                 text,
    -- Lock-timeout back-off: the schedule's interval is multiplied by backoff_factor (doubled on
    -- each lock timeout) until backoff_successes reaches 3 successful refreshes in a row.
    backoff_factor         integer NOT NULL DEFAULT 1,
    backoff_successes      integer NOT NULL DEFAULT 0,
    -- L2 template cache: SQL generated at create/alter time so a refresh never parses the query.
    row_identity           text NOT NULL CHECK (row_identity IN ('KEYED', 'MULTISET', 'ROW_NUMBER')),
    output_columns         text[] NOT NULL,
    full_sql               text NOT NULL,
    delta_sql              text,
    -- Settings that change how values print (and so row hashes and user expressions), as of
    -- create/alter; every refresh runs with them, whoever runs it. name=value pairs, chr(1)-separated.
    session_settings       text NOT NULL DEFAULT '',
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pgt_schema, pgt_name)
);

CREATE TABLE pgtrickle.pgt_dependencies (
    pgt_id        bigint NOT NULL REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
    source_relid  oid NOT NULL,
    source_type   text NOT NULL CHECK (source_type IN ('TABLE', 'STREAM_TABLE', 'VIEW', 'OTHER')),
    columns_used  text[],
    cdc_mode      text NOT NULL CHECK (cdc_mode IN ('TRIGGER', 'NONE')),
    PRIMARY KEY (pgt_id, source_relid)
);
CREATE INDEX ON pgtrickle.pgt_dependencies (source_relid);

CREATE TABLE pgtrickle.pgt_refresh_history (
    refresh_id     bigserial PRIMARY KEY,
    pgt_id         bigint NOT NULL REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
    start_time     timestamptz NOT NULL,
    end_time       timestamptz,
    action         text NOT NULL CHECK (action IN ('NO_DATA', 'FULL', 'DIFFERENTIAL', 'REINITIALIZE', 'SKIP')),
    status         text NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED')),
    rows_inserted  bigint NOT NULL DEFAULT 0,
    rows_deleted   bigint NOT NULL DEFAULT 0,
    delta_rows     bigint NOT NULL DEFAULT 0,
    initiated_by   text NOT NULL CHECK (initiated_by IN ('SCHEDULER', 'MANUAL', 'INITIAL')),
    error_message  text,
    reason_code    text
);
CREATE INDEX ON pgtrickle.pgt_refresh_history (pgt_id, start_time DESC);

-- Change buffers record the writer's transaction id; no grants to PUBLIC.
-- Runs generated SQL passed as a value, so statement text is never rewritten by the
-- PL/Java SPI driver (which collapses whitespace and treats ? and -- specially).
CREATE FUNCTION pgtrickle._exec(sql text) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    n bigint;
BEGIN
    EXECUTE sql;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;

-- Canonical text of a value, equal for values PostgreSQL's equality treats as equal where their
-- text differs (numeric scale: 1.0 = 1.00; float -0 = 0). Group keys and set-operation rows are
-- identified by a hash of it. The text overload takes untyped literals. Inlined by the planner.
CREATE FUNCTION pgtrickle._canon(v anyelement) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
    SELECT CASE pg_typeof(v)
        WHEN 'numeric'::regtype THEN trim_scale(v::text::numeric)::text
        WHEN 'double precision'::regtype THEN (v::text::float8 + 0)::text
        WHEN 'real'::regtype THEN (v::text::float4 + 0)::text
        ELSE v::text END
$fn$;

CREATE FUNCTION pgtrickle._canon(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT v $fn$;

-- Output columns of a query, validated by PostgreSQL itself (errors keep their SQLSTATE).
CREATE FUNCTION pgtrickle._describe(query text)
RETURNS TABLE (attnum integer, attname text, atttype text)
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE 'CREATE TEMP VIEW __pgt_describe AS SELECT * FROM (' || query || E'\n) __pgt_q';
    RETURN QUERY
        SELECT a.attnum::integer, a.attname::text, format_type(a.atttypid, a.atttypmod)
          FROM pg_attribute a
         WHERE a.attrelid = 'pg_temp.__pgt_describe'::regclass AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum;
    DROP VIEW pg_temp.__pgt_describe;
END
$fn$;

-- Relations a query reads, as PostgreSQL's rewriter records them for a view over it.
CREATE FUNCTION pgtrickle._query_relations(query text)
RETURNS TABLE (relid oid)
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE 'CREATE TEMP VIEW __pgt_relations AS SELECT * FROM (' || query || E'\n) __pgt_q';
    RETURN QUERY
        SELECT DISTINCT d.refobjid
          FROM pg_rewrite r
          JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
         WHERE r.ev_class = 'pg_temp.__pgt_relations'::regclass
           AND d.refclassid = 'pg_class'::regclass
           AND d.refobjid <> 'pg_temp.__pgt_relations'::regclass;
    DROP VIEW pg_temp.__pgt_relations;
END
$fn$;

-- PostgreSQL's objection to a generated statement, or NULL: plans it (EXPLAIN) in a
-- subtransaction, so a rejected statement leaves the caller's transaction usable.
CREATE FUNCTION pgtrickle._plan_error(sql text) RETURNS text
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE 'EXPLAIN ' || sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END
$fn$;

CREATE FUNCTION pgtrickle._raise(level text, message text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF level = 'WARNING' THEN
        RAISE WARNING '%', message;
    ELSE
        RAISE NOTICE '%', message;
    END IF;
END
$fn$;

-- Direct DML on a stream table would desynchronise it from its query.
CREATE FUNCTION pgtrickle._reject_direct_dml() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF coalesce(current_setting('pg_trickle.internal_apply', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'cannot % stream table %.%', lower(TG_OP), quote_ident(TG_TABLE_SCHEMA), quote_ident(TG_TABLE_NAME)
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'A stream table is maintained by pg_trickle; change its source tables or its defining query instead.';
END
$fn$;

-- Blocks dropping a table that a stream table reads, and dropping a stream table's
-- storage other than through drop_stream_table. Raising here rolls the whole DROP back.
CREATE FUNCTION pgtrickle._guard_drop() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    obj record;
    dep record;
BEGIN
    IF coalesce(current_setting('pg_trickle.internal_apply', true), '') = 'on' THEN
        RETURN;
    END IF;
    -- A dropped column of a captured source would break its capture trigger, and so its writers.
    FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table column' LOOP
        SELECT st.pgt_schema, st.pgt_name INTO dep
          FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
         WHERE d.source_relid = obj.objid AND d.cdc_mode = 'TRIGGER'
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'cannot drop column % because stream table %.% captures changes of its table',
                obj.object_identity, quote_ident(dep.pgt_schema), quote_ident(dep.pgt_name)
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Drop the stream table first, or alter it to FULL refresh mode.';
        END IF;
    END LOOP;
    FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table' LOOP
        SELECT st.pgt_schema, st.pgt_name INTO dep
          FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
         WHERE d.source_relid = obj.objid
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'cannot drop table % because stream table %.% depends on it',
                obj.object_identity, quote_ident(dep.pgt_schema), quote_ident(dep.pgt_name)
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Drop the stream table first with pgtrickle.drop_stream_table().';
        END IF;
        SELECT st.pgt_schema, st.pgt_name INTO dep
          FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = obj.objid;
        IF FOUND THEN
            RAISE EXCEPTION 'cannot drop stream table %.% with DROP TABLE',
                quote_ident(dep.pgt_schema), quote_ident(dep.pgt_name)
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Use pgtrickle.drop_stream_table() instead.';
        END IF;
    END LOOP;
END
$fn$;

CREATE EVENT TRIGGER pgtrickle_guard_drop ON sql_drop EXECUTE FUNCTION pgtrickle._guard_drop();

CREATE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (name text, status text, refresh_mode text, effective_refresh_mode text, schedule text,
               is_populated boolean, consecutive_errors integer, last_refresh_at timestamptz,
               data_timestamp timestamptz, staleness interval, last_error text)
LANGUAGE sql STABLE AS $fn$
    SELECT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name), st.status, st.refresh_mode,
           st.effective_refresh_mode, st.schedule, st.is_populated, st.consecutive_errors,
           st.last_refresh_at, st.data_timestamp, now() - st.data_timestamp, st.last_error
      FROM pgtrickle.pgt_stream_tables st
     ORDER BY st.pgt_schema, st.pgt_name
$fn$;

CREATE FUNCTION pgtrickle.get_refresh_history(name text, max_rows integer DEFAULT 20)
RETURNS TABLE (refresh_id bigint, start_time timestamptz, end_time timestamptz, action text, status text,
               rows_inserted bigint, rows_deleted bigint, delta_rows bigint, initiated_by text,
               error_message text, reason_code text, duration_ms double precision)
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    target oid;
BEGIN
    target := to_regclass(name);
    IF target IS NULL OR NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = target) THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name USING ERRCODE = 'undefined_table';
    END IF;
    RETURN QUERY
        SELECT h.refresh_id, h.start_time, h.end_time, h.action, h.status, h.rows_inserted, h.rows_deleted,
               h.delta_rows, h.initiated_by, h.error_message, h.reason_code,
               extract(epoch FROM h.end_time - h.start_time)::double precision * 1000
          FROM pgtrickle.pgt_refresh_history h
          JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
         WHERE st.pgt_relid = target
         ORDER BY h.refresh_id DESC
         LIMIT max_rows;
END
$fn$;

CREATE VIEW pgtrickle.stream_tables_info AS
SELECT st.pgt_id, quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name) AS name,
       st.pgt_schema AS schema_name, st.pgt_name AS table_name, st.defining_query, st.schedule,
       st.refresh_mode, st.effective_refresh_mode, st.status, st.is_populated, st.data_timestamp,
       st.last_refresh_at, now() - st.data_timestamp AS staleness, st.consecutive_errors,
       st.last_error, st.preset, st.merge_work_mem_mb, st.refresh_workers,
       (SELECT array_agg(d.source_relid::regclass::text ORDER BY d.source_relid)
          FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = st.pgt_id) AS sources,
       (SELECT count(*) FROM pgtrickle.pgt_refresh_history h WHERE h.pgt_id = st.pgt_id) AS refresh_count,
       st.created_at, st.updated_at
  FROM pgtrickle.pgt_stream_tables st;

-- Raises an engine error as a real server ERROR, so the PL/Java host reports it with its own
-- SQLSTATE and message (PL/Java would otherwise prefix the Java exception class).
CREATE FUNCTION pgtrickle._raise_error(sqlstate text, message text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message;
END
$fn$;
