-- pg_trickle catalog: the one SQL source of truth for both hosts.
-- Runs inside CREATE EXTENSION (PL/Java host) and from `pg-trickle install` (worker/CLI host),
-- followed by capture.sql and, last, security.sql (roles, row-level security, grants).
-- The schema pgtrickle exists before this script runs.

-- Whoever owns or may create in a schema can replace or overload the functions in it, so
-- pg_trickle installs only into schemas a superuser owns, nobody else may create in, and that
-- hold nothing yet (CREATE EXTENSION creates pgtrickle just before this runs).
DO $guard$
DECLARE
    s record;
BEGIN
    FOR s IN
        SELECT n.nspname, n.nspowner::regrole AS owner, r.rolsuper,
               (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid)
             + (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid)
             + (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid AND t.typtype <> 'c') AS objects,
               EXISTS (SELECT 1 FROM aclexplode(n.nspacl) a LEFT JOIN pg_roles g ON g.oid = a.grantee
                        WHERE a.privilege_type = 'CREATE' AND a.grantee <> n.nspowner
                          AND NOT coalesce(g.rolsuper, false)) AS others_create
          FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
         WHERE n.nspname IN ('pgtrickle', 'pgtrickle_changes')
    LOOP
        IF NOT s.rolsuper OR s.objects > 0 OR s.others_create THEN
            RAISE EXCEPTION 'schema % already exists and was not created by pg_trickle', s.nspname
                USING ERRCODE = 'duplicate_schema',
                      DETAIL = format('It is owned by %s, holds %s objects%s.', s.owner, s.objects,
                                      CASE WHEN s.others_create THEN ' and other roles may create in it' ELSE '' END),
                      HINT = 'pg_trickle runs its functions from this schema with elevated privileges; drop or rename it first.';
        END IF;
    END LOOP;
END
$guard$;

CREATE SCHEMA IF NOT EXISTS pgtrickle_changes;
REVOKE ALL ON SCHEMA pgtrickle_changes FROM PUBLIC;

-- One sequence numbers the change rows of every buffer: within one transaction the numbers grow,
-- so a refresh records where its own transaction's changes end (frontier_change_id) and changes
-- that transaction writes after the refresh are not taken as consumed.
-- Change numbers are only ever compared within one transaction (the frontier rule, _consumed), so
-- each backend may take them from a cache of its own: writers do not queue on the sequence.
CREATE SEQUENCE pgtrickle_changes.change_id_seq CACHE 64;

CREATE TABLE pgtrickle.pgt_stream_tables (
    pgt_id                 bigserial PRIMARY KEY,
    -- The storage table. Its owner (pg_class.relowner) owns the stream table: refreshes run as that
    -- role, and only its members may alter, drop, refresh or resume it (ALTER TABLE ... OWNER TO moves it).
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
    -- Frontier: the snapshot of the last refresh, that refresh's own transaction id and the last
    -- change number it had allocated. A change is consumed when its writer is visible in the
    -- snapshot, or is that transaction and was numbered before the refresh.
    frontier               pg_snapshot,
    frontier_xid           xid8,
    frontier_change_id     bigint,
    needs_full_refresh     boolean NOT NULL DEFAULT false,
    -- Set by the DDL event triggers when a source's columns, key or name changed: the next refresh
    -- analyses the defining query again and rebuilds the storage (rebuild_reason says why).
    needs_rebuild          boolean NOT NULL DEFAULT false,
    rebuild_reason         text,
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
    -- Only the owner may write these columns (row-level security), and they only ever run as the owner.
    row_identity           text NOT NULL CHECK (row_identity IN ('KEYED', 'MULTISET', 'NONE')),
    output_columns         text[] NOT NULL,
    full_sql               text NOT NULL,
    delta_sql              text,
    -- delta_sql yields at most one row per row id (the algebraic aggregate's): MERGEd as it is
    delta_consolidated     boolean NOT NULL DEFAULT false,
    -- The groups a HAVING leaves out (storage columns and row id), which an algebraic aggregate keeps
    -- in pgtrickle_changes.left_out_<pgt_id> so that a change to one is applied from its counters:
    -- a FULL refresh fills that table from this query. NULL: the stream table keeps no such table.
    left_out_sql           text,
    -- Settings that change how values print (and so row hashes and user expressions) and the
    -- search_path names in the query were resolved with, as of create/alter; every refresh runs
    -- with them, whoever runs it. name=value pairs, chr(1)-separated; only known names are applied.
    session_settings       text NOT NULL DEFAULT '',
    -- {rows inserted, rows deleted, rows} of the delta the last differential refresh applied, written
    -- by the statement that computes the delta (refresh history reads it; no second pass over it).
    last_delta             bigint[],
    -- Change capture this stream table asks for: 'trigger', 'wal' or 'auto' (pg_trickle.cdc_mode
    -- when it was created). A source is captured from WAL only when every stream table reading it
    -- allows it (pgtrickle._capture_mode).
    cdc_mode               text NOT NULL DEFAULT 'auto' CHECK (cdc_mode IN ('trigger', 'wal', 'auto')),
    -- WAL capture: where the next decode for this stream table must start (the commit position of
    -- the oldest decoded transaction its frontier does not include yet, else where the last decode
    -- ended) and when it was set; the replication slot is never advanced past the least of them.
    wal_restart_lsn        pg_lsn,
    wal_restart_at         timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pgt_schema, pgt_name)
);

CREATE TABLE pgtrickle.pgt_dependencies (
    pgt_id        bigint NOT NULL REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
    source_relid  oid NOT NULL,
    source_type   text NOT NULL CHECK (source_type IN ('TABLE', 'STREAM_TABLE', 'VIEW', 'OTHER')),
    columns_used  text[],
    -- How the source's changes reach its change buffer: capture triggers, decoding of the WAL
    -- (wal.sql), or not at all (the source is not read differentially).
    cdc_mode      text NOT NULL CHECK (cdc_mode IN ('TRIGGER', 'WAL', 'NONE')),
    -- Read only through a view the query names (inlined): captured, but not one of the names
    -- whose identity a rebuild checks (a view may be redefined to read other tables).
    through_view  boolean NOT NULL DEFAULT false,
    -- What the stream table was built against (pgtrickle._source_shape): a source whose name,
    -- columns or key differ from it makes the stream table rebuild before its next refresh.
    source_shape  text,
    -- The relations change capture covers (the source, its partitions and inheritance children)
    -- and the state of their capture triggers (pgtrickle._source_tree): any change means rows may
    -- have changed uncaptured, and the next refresh is FULL.
    source_tree   text,
    PRIMARY KEY (pgt_id, source_relid)
);
CREATE INDEX ON pgtrickle.pgt_dependencies (source_relid);

-- Whether stream table `id` reads a source captured from the WAL (its refresh decodes first).
CREATE FUNCTION pgtrickle._wal_captured(id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $fn$
    SELECT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = id AND d.cdc_mode = 'WAL')
$fn$;

-- Sources captured from the WAL (wal.sql). Changes of writers visible in `since` reached the
-- buffer through the capture triggers the source had before; decoding skips them.
CREATE TABLE pgtrickle.pgt_wal_sources (
    source_relid  oid PRIMARY KEY,
    since         pg_snapshot NOT NULL,
    since_lsn     pg_lsn NOT NULL,
    adopted_at    timestamptz NOT NULL DEFAULT now()
);

-- The replica identity a relation had before WAL capture set it to FULL (a deleted or updated
-- row's old values are the delta's), put back when capture leaves it.
CREATE TABLE pgtrickle.pgt_wal_identity (
    relid         oid PRIMARY KEY,
    source_relid  oid NOT NULL,
    prior         "char" NOT NULL
);

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
    reason_code    text,
    -- the changes this refresh found pending, and in AUTO mode the costs it compared (ms, from the
    -- table's own history: NULL until there is enough of it), which the next AUTO decisions learn from
    pending_changes bigint,
    estimated_differential_ms double precision,
    estimated_full_ms double precision
);
CREATE INDEX ON pgtrickle.pgt_refresh_history (pgt_id, start_time DESC);
-- AUTO's cost model reads a table's last completed refreshes of each kind (_refresh_begin): with
-- these, a few index entries, however many refreshes of the other kind the history holds.
CREATE INDEX ON pgtrickle.pgt_refresh_history (pgt_id, start_time DESC)
    WHERE status = 'COMPLETED' AND action IN ('FULL', 'REINITIALIZE');
CREATE INDEX ON pgtrickle.pgt_refresh_history (pgt_id, start_time DESC)
    WHERE status = 'COMPLETED' AND action IN ('DIFFERENTIAL', 'NO_DATA') AND pending_changes > 0;

-- Runs pg_trickle's own DDL (storage, indexes) passed as a value, so statement text is never
-- rewritten by the PL/Java SPI driver (which collapses whitespace and treats ? and -- specially).
-- It runs as the caller: it grants nothing. Statements over a stream table's data go through
-- pgtrickle._as_owner instead (security.sql).
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

-- New storage taking the place of a stream table's old storage (alter, rebuild) keeps its owner
-- (and so who the stream table belongs to) and the privileges granted on it.
CREATE FUNCTION pgtrickle._adopt_storage(old_storage oid, new_storage oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    g record;
BEGIN
    IF (SELECT relowner FROM pg_class WHERE oid = old_storage) <> (SELECT relowner FROM pg_class WHERE oid = new_storage) THEN
        EXECUTE format('ALTER TABLE %s OWNER TO %s', new_storage::regclass,
                       (SELECT relowner::regrole FROM pg_class WHERE oid = old_storage));
    END IF;
    FOR g IN SELECT a.grantee, a.privilege_type, a.is_grantable
               FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
              WHERE c.oid = old_storage AND a.grantee <> c.relowner LOOP
        EXECUTE format('GRANT %s ON %s TO %s%s', g.privilege_type, new_storage::regclass,
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END,
                       CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
END
$fn$;

-- The frontier rule, in one place: a change row (writer `xid`, number `change_id`) was consumed by a
-- refresh whose frontier is (snapshot, own xid, last change number) when its writer is visible in
-- the snapshot, or is that refresh's own transaction and wrote the row before the refresh. NULL when
-- there is no frontier yet. Inlined by the planner (hence no SET clause; names are qualified).
-- Two bounds on a buffer's xid index follow from it: a row not yet consumed was written at or
-- above the frontier's xmin (DiffContext.writtenSinceFrontier, the delta's read), and a row that
-- every reader consumed below the smallest of their frontiers' xmax or by a reader's own refresh
-- (_cleanup_changes).
CREATE FUNCTION pgtrickle._consumed(xid xid8, change_id bigint, frontier pg_snapshot, frontier_xid xid8,
                                    frontier_change_id bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT pg_catalog.pg_visible_in_snapshot(xid, frontier)
        OR (xid OPERATOR(pg_catalog.=) frontier_xid AND change_id OPERATOR(pg_catalog.<=) frontier_change_id)
$fn$;

-- Whether a type's values can be hashed by the type's own equality (hash_record_extended finds an
-- extended hash function for it). Rows and groups are identified that way, so values equal to
-- PostgreSQL but printed differently (20 and 20.0, '1 day' and '24 hours') are one row and one
-- group; types without one (json, point, money, …) are identified by their text.
CREATE FUNCTION pgtrickle._hashable(t regtype) RETURNS boolean
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    EXECUTE pg_catalog.format('SELECT pg_catalog.hash_record_extended(ROW(NULL::%s), 0)', t);
    RETURN true;
EXCEPTION WHEN OTHERS THEN
    RETURN false;
END
$fn$;

-- Refuses anything but one query without running it: a cursor opens on exactly one SELECT (or
-- WITH / VALUES / TABLE), so several statements, DDL or DML fail here before any of them runs.
-- Opening it also makes PostgreSQL check, as the caller, the privilege to read what it names.
CREATE FUNCTION pgtrickle._require_single_query(query text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    c refcursor;
BEGIN
    BEGIN
        OPEN c FOR EXECUTE query;
    EXCEPTION WHEN invalid_cursor_definition THEN
        RAISE EXCEPTION 'defining query must be a single SELECT statement'
            USING ERRCODE = 'syntax_error', DETAIL = SQLERRM;
    END;
    CLOSE c;
END
$fn$;

-- ' COLLATE "schema"."name"' for a column whose collation is not its type's default, else ''.
-- Storage, change buffers and staging tables keep each column's collation, so comparisons,
-- MIN / MAX and grouping on the delta side use the collation the query uses.
CREATE FUNCTION pgtrickle._collate_clause(coll oid, typ oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT coalesce((SELECT ' COLLATE ' || quote_ident(n.nspname) || '.' || quote_ident(c.collname)
                       FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
                      WHERE c.oid = coll
                        AND coll IS DISTINCT FROM (SELECT t.typcollation FROM pg_type t WHERE t.oid = typ)), '')
$fn$;

-- Output columns of a query, validated by PostgreSQL itself (errors keep their SQLSTATE).
CREATE FUNCTION pgtrickle._describe(query text)
RETURNS TABLE (attnum integer, attname text, atttype text, attcollate text)
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pgtrickle._require_single_query(query);
    EXECUTE 'CREATE TEMP VIEW __pgt_describe AS SELECT * FROM (' || query || E'\n) __pgt_q';
    RETURN QUERY
        SELECT a.attnum::integer, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
               pgtrickle._collate_clause(a.attcollation, a.atttypid)
          FROM pg_catalog.pg_attribute a
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
    PERFORM pgtrickle._require_single_query(query);
    EXECUTE 'CREATE TEMP VIEW __pgt_relations AS SELECT * FROM (' || query || E'\n) __pgt_q';
    RETURN QUERY
        SELECT DISTINCT d.refobjid
          FROM pg_catalog.pg_rewrite r
          JOIN pg_catalog.pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
         WHERE r.ev_class = 'pg_temp.__pgt_relations'::regclass
           AND d.refclassid = 'pg_class'::regclass
           AND d.refobjid <> 'pg_temp.__pgt_relations'::regclass;
    DROP VIEW pg_temp.__pgt_relations;
END
$fn$;

-- PostgreSQL's analysis of a query: the node tree of a temporary view over it (names, types,
-- operators and functions resolved by the server), and how many bytes precede the query in the
-- statement that was parsed (node locations count from there). A query PostgreSQL will not store
-- as a view leaves the tree NULL and says why; the subtransaction keeps the caller's usable.
CREATE FUNCTION pgtrickle._analyse(query text, OUT prefix_bytes integer, OUT tree text, OUT failure text)
LANGUAGE plpgsql AS $fn$
DECLARE
    prefix CONSTANT text := 'CREATE TEMP VIEW __pgt_analysis AS ';
BEGIN
    prefix_bytes := pg_catalog.octet_length(prefix);
    PERFORM pgtrickle._require_single_query(query);
    BEGIN
        EXECUTE prefix || query;
        SELECT r.ev_action::text INTO tree FROM pg_catalog.pg_rewrite r
         WHERE r.ev_class = 'pg_temp.__pgt_analysis'::regclass;
        DROP VIEW pg_temp.__pgt_analysis;
    EXCEPTION WHEN OTHERS THEN
        failure := SQLERRM;
    END;
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

-- PostgreSQL's plan for a statement, as one text (EXPLAIN cannot be a subquery); with
-- run_analyze, EXPLAIN ANALYZE, which runs it. Used by explain_refresh, as the stream table's owner.
CREATE FUNCTION pgtrickle._explain(sql text, run_analyze boolean) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    plan text := '';
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN ' || CASE WHEN run_analyze THEN '(ANALYZE, BUFFERS) ' ELSE '' END || sql LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END
$fn$;

-- A name as PostgreSQL's parse_ident reads it, or the reason it cannot: (parts, error). Catching
-- the error here keeps the caller's transaction usable (the PL/Java host cannot recover from one).
CREATE FUNCTION pgtrickle._parse_name(name text, OUT parts text[], OUT error text)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    parts := pg_catalog.parse_ident(name, true);
EXCEPTION WHEN OTHERS THEN
    error := SQLERRM;
END
$fn$;

-- The rows of `sql`, for an INSERT to take: PostgreSQL never runs the SELECT of an INSERT …
-- SELECT in parallel, but it may run a plpgsql RETURN QUERY's (14 on). A FULL refresh whose result
-- is small next to what it reads (an aggregate of a large table) so reads as fast as REFRESH
-- MATERIALIZED VIEW does; the rows pass through a tuple store, which is why only small results
-- take this way. The caller gives the column definition list. Runs as, and with the search_path
-- of, its caller: it can do nothing its caller cannot.
-- STABLE, so that the query reads the sources with the calling statement's snapshot, the one that
-- statement records as the frontier: a volatile function takes a new snapshot for it in READ
-- COMMITTED, which sees writers that commit in between, and their buffered changes, not consumed
-- by that frontier, would then be applied a second time by the next refresh.
CREATE FUNCTION pgtrickle._query_rows(sql text) RETURNS SETOF record
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY EXECUTE sql;
END
$fn$;

-- The types of relation `rel`'s columns `names`, in that order (NULL for a name it has not), as
-- format_type prints them with only pg_catalog on the search_path: qualified wherever needed, so
-- they read the same under the search_path of whoever runs the statement they go into.
CREATE FUNCTION pgtrickle._column_types(rel oid, names text[]) RETURNS SETOF text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT format_type(a.atttypid, a.atttypmod)
      FROM unnest(names) WITH ORDINALITY u(n, i)
      LEFT JOIN pg_attribute a ON a.attrelid = rel AND a.attname = u.n AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY u.i
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

-- Direct DML on a stream table would desynchronise it from its query. A refresh runs as the
-- table's owner with pg_trickle.internal_apply on; the setting lets no other role through, so a
-- role granted INSERT/UPDATE/DELETE on a stream table cannot use it to write there. (Its owner
-- could drop this trigger anyway, as the owner of any table can.)
CREATE FUNCTION pgtrickle._reject_direct_dml() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF coalesce(current_setting('pg_trickle.internal_apply', true), '') = 'on'
       AND pg_has_role((SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'cannot % stream table %.%', lower(TG_OP), quote_ident(TG_TABLE_SCHEMA), quote_ident(TG_TABLE_NAME)
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'A stream table is maintained by pg_trickle; change its source tables or its defining query instead.';
END
$fn$;

-- capture: how its sources are captured now ('WAL', 'TRIGGER', both as 'TRIGGER+WAL', or NULL
-- when it captures none); wal_lag_*: how far behind the current WAL position its next decode
-- starts (the WAL it keeps the replication slot from releasing) and since when.
CREATE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (name text, status text, refresh_mode text, effective_refresh_mode text, schedule text,
               is_populated boolean, consecutive_errors integer, last_refresh_at timestamptz,
               data_timestamp timestamptz, staleness interval, last_error text, cdc_mode text, capture text,
               wal_lag_bytes bigint, wal_lag_seconds double precision)
LANGUAGE sql STABLE AS $fn$
    SELECT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name), st.status, st.refresh_mode,
           st.effective_refresh_mode, st.schedule, st.is_populated, st.consecutive_errors,
           st.last_refresh_at, st.data_timestamp, now() - st.data_timestamp, st.last_error, st.cdc_mode,
           (SELECT string_agg(DISTINCT d.cdc_mode, '+' ORDER BY d.cdc_mode) FROM pgtrickle.pgt_dependencies d
             WHERE d.pgt_id = st.pgt_id AND d.cdc_mode <> 'NONE'),
           pg_wal_lsn_diff(pg_current_wal_insert_lsn(), st.wal_restart_lsn)::bigint,
           extract(epoch FROM now() - st.wal_restart_at)::double precision
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
       st.cdc_mode,
       (SELECT array_agg(d.source_relid::regclass::text || ':' || d.cdc_mode ORDER BY d.source_relid)
          FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = st.pgt_id) AS source_capture,
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

-- ================================================================== observability
-- Seed QW-1 (commit-to-visible latency) and QW-2 (configuration advisor). Plain SQL and PL/pgSQL,
-- so both hosts have all of it and none of it needs Java.

-- Documented defaults of the pg_trickle.* settings (kept equal to io.pgtrickle.config by a test).
CREATE FUNCTION pgtrickle._setting_default(setting text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT d.value
      FROM (VALUES ('enabled', 'on'), ('scheduler_interval_ms', '1000'), ('refresh_workers', '2'),
                   ('max_refresh_workers', '8'), ('max_consecutive_errors', '3'), ('cdc_mode', 'auto'),
                   ('cdc_notify', 'on'), ('merge_batch_size', '50000'), ('l1_cache_max_entries', '256'),
                   ('differential_max_change_ratio', '0.5'), ('merge_work_mem_mb', '64'),
                   ('history_retention_days', '7'), ('metrics_port', '9188'), ('max_inactive_buffer_rows', '1000000'),
                   ('max_inactive_wal_mb', '1024'))
           AS d(name, value)
     WHERE d.name = setting
$fn$;

-- A pg_trickle.* setting as this session sees it (SET, ALTER DATABASE/ROLE ... SET, postgresql.conf),
-- else its default. The worker's flags and environment are not visible from SQL.
CREATE FUNCTION pgtrickle._setting(setting text) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT coalesce(nullif(btrim(current_setting('pg_trickle.' || setting, true)), ''),
                    pgtrickle._setting_default(setting))
$fn$;

-- A numeric setting; text that is not a number reads as the default (the engine rejects it anyway).
CREATE FUNCTION pgtrickle._setting_num(setting text) RETURNS numeric
LANGUAGE sql STABLE AS $fn$
    SELECT CASE WHEN v ~ '^\s*[0-9]+(\.[0-9]+)?\s*$' THEN btrim(v)::numeric
                ELSE pgtrickle._setting_default(setting)::numeric END
      FROM pgtrickle._setting(setting) AS v
$fn$;

-- The interval of a duration schedule ('30s', '1h30m', '100ms') or an @alias in milliseconds;
-- NULL for cron expressions and 'calculated'.
CREATE FUNCTION pgtrickle._schedule_ms(schedule text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE
             WHEN s ~ '^([0-9]+(ms|s|m|h|d))+$' THEN
                 (SELECT sum(m[1]::bigint * CASE m[2] WHEN 'ms' THEN 1 WHEN 's' THEN 1000 WHEN 'm' THEN 60000
                                                      WHEN 'h' THEN 3600000 ELSE 86400000 END)
                    FROM regexp_matches(s, '([0-9]+)(ms|s|m|h|d)', 'g') AS m)::bigint
             WHEN s = '@hourly' THEN 3600000
             WHEN s IN ('@daily', '@midnight') THEN 86400000
             WHEN s = '@weekly' THEN 604800000
             WHEN s = '@monthly' THEN 2592000000
             WHEN s IN ('@yearly', '@annually') THEN 31536000000
           END
      FROM lower(btrim(schedule)) AS s
$fn$;

-- Milliseconds as a schedule duration, rounded up: '300ms', '2s', '5m', '2h'.
CREATE FUNCTION pgtrickle._format_ms(ms double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN ms <= 100 THEN '100ms'
                WHEN ms < 1000 THEN (ceil(ms / 100) * 100)::bigint || 'ms'
                WHEN ms <= 60000 THEN ceil(ms / 1000)::bigint || 's'
                WHEN ms <= 3600000 THEN ceil(ms / 60000)::bigint || 'm'
                ELSE ceil(ms / 3600000)::bigint || 'h' END
$fn$;

-- The smallest of 1, 2, 5 x 10^k that is >= n.
CREATE FUNCTION pgtrickle._nice_ceil(n double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT min(m * p)::bigint
      FROM unnest(ARRAY[1, 2, 5, 10]) AS m, power(10, floor(log(greatest(n, 1)))) AS p
     WHERE m * p >= n
$fn$;

-- ------------------------------------------------------------------ QW-1 commit-to-visible latency
-- One row per refresh that made source transactions visible: for each writer transaction whose
-- changes the refresh consumed, the time from its commit (pg_xact_commit_timestamp, needs
-- track_commit_timestamp = on) to the end of the refresh. A refresh costs one row however many
-- writers it consumed: latencies are counted in logarithmic buckets (key k > 0 counts
-- (2^((k-1)/4), 2^(k/4)] ms, about 19% wide; key 0 counts [0, 1] ms), and windows add the counts.
CREATE TABLE pgtrickle.pgt_commit_latency (
    pgt_id        bigint NOT NULL REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
    refreshed_at  timestamptz NOT NULL,
    samples       integer NOT NULL,             -- writers with a known commit timestamp
    unknown       integer NOT NULL DEFAULT 0,   -- writers without one (committed while tracking was off)
    sum_ms        double precision NOT NULL DEFAULT 0,
    min_ms        double precision,
    max_ms        double precision,
    bucket_keys   smallint[] NOT NULL DEFAULT '{}',
    bucket_counts integer[] NOT NULL DEFAULT '{}'
);
CREATE INDEX ON pgtrickle.pgt_commit_latency (pgt_id, refreshed_at);
CREATE INDEX ON pgtrickle.pgt_commit_latency (refreshed_at);

CREATE FUNCTION pgtrickle._latency_bucket(ms double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN ms <= 1 THEN 0 ELSE least(32767, ceil(4 * ln(ms) / ln(2) - 1e-9))::smallint END
$fn$;

-- The q-quantile of bucketed latencies: linear within the bucket that holds it, clamped to the
-- exact minimum and maximum observed (so one sample, or equal samples, come back exactly).
CREATE FUNCTION pgtrickle._latency_quantile(keys integer[], counts bigint[], q double precision,
                                            lo double precision, hi double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT least(hi, greatest(lo, b.lower + (b.upper - b.lower) * (q * b.total - (b.cum - b.n)) / b.n))
      FROM (SELECT u.k, u.n::double precision AS n,
                   (sum(u.n) OVER (ORDER BY u.k))::double precision AS cum,
                   (sum(u.n) OVER ())::double precision AS total,
                   CASE WHEN u.k = 0 THEN 0 ELSE power(2.0::double precision, (u.k - 1) / 4.0::double precision) END AS lower,
                   power(2.0::double precision, u.k / 4.0::double precision) AS upper
              FROM unnest(keys, counts) AS u(k, n)
             WHERE u.n > 0) b
     WHERE b.cum >= q * b.total
     ORDER BY b.k
     LIMIT 1
$fn$;

-- Called by the refresh after its delta statement advanced the frontier (same transaction) and
-- before consumed changes are deleted. p_prev/p_prev_xid: the frontier before this refresh.
-- Writers consumed now are those visible in the new frontier and not consumed at the previous
-- one; the refresh's own transaction (a refresh inside the writer's transaction) is left out.
-- Stores one row and returns the latencies in ms when p_return_samples (the worker feeds its
-- Prometheus histogram with them); returns NULL and stores nothing when track_commit_timestamp
-- is off or nothing was consumed.
CREATE FUNCTION pgtrickle._record_commit_latency(p_pgt_id bigint, p_prev pg_snapshot, p_prev_xid xid8,
                                                 p_return_samples boolean DEFAULT false)
RETURNS double precision[]
LANGUAGE plpgsql AS $fn$
DECLARE
    visible_at timestamptz := clock_timestamp();
    cur        pg_snapshot;
    cur_xid    xid8;
    horizon    xid8;
    lower_xid  xid8;
    sources    text;
    lat        double precision[];
    n_unknown  integer;
BEGIN
    IF NOT current_setting('track_commit_timestamp')::boolean THEN
        RETURN NULL;
    END IF;
    SELECT st.frontier, st.frontier_xid INTO cur, cur_xid
      FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = p_pgt_id;
    -- Every writer below the previous snapshot's xmin was consumed then (the xid index skips them).
    lower_xid := coalesce(pg_snapshot_xmin(p_prev), '0'::xid8);
    SELECT string_agg(format('SELECT __pgt_xid FROM pgtrickle_changes.%I WHERE __pgt_xid >= $7',
                             'changes_' || d.source_relid), ' UNION ALL ')
      INTO sources
      FROM pgtrickle.pgt_dependencies d
     WHERE d.pgt_id = p_pgt_id AND d.cdc_mode <> 'NONE'
       AND to_regclass('pgtrickle_changes.changes_' || d.source_relid) IS NOT NULL;
    IF cur IS NULL OR sources IS NULL THEN
        RETURN NULL;
    END IF;
    -- pg_xact_commit_timestamp takes a 32-bit xid (the low 32 bits of the xid8), which names one
    -- transaction only within 2^31 of the newest; older writers count as unknown.
    horizon := greatest(0, pg_snapshot_xmax(cur)::text::numeric - 2147483648)::text::xid8;
    EXECUTE format($q$
        SELECT array_agg(l.ms ORDER BY l.ms) FILTER (WHERE l.ms IS NOT NULL),
               count(*) FILTER (WHERE l.ms IS NULL)
          FROM (SELECT greatest(0, extract(epoch FROM $1 - pg_xact_commit_timestamp(
                           CASE WHEN w.xid >= $5 THEN w.xid::xid END)) * 1000)::double precision AS ms
                  FROM (SELECT DISTINCT u.__pgt_xid AS xid FROM (%s) u) w
                 WHERE pg_visible_in_snapshot(w.xid, $2) AND w.xid IS DISTINCT FROM $3
                   AND NOT coalesce(pg_visible_in_snapshot(w.xid, $4) OR w.xid = $6, false)) l$q$, sources)
      INTO lat, n_unknown
      USING visible_at, cur, cur_xid, p_prev, horizon, p_prev_xid, lower_xid;
    IF lat IS NULL AND n_unknown = 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO pgtrickle.pgt_commit_latency (pgt_id, refreshed_at, samples, unknown, sum_ms, min_ms, max_ms,
                                              bucket_keys, bucket_counts)
    SELECT p_pgt_id, visible_at, coalesce(cardinality(lat), 0), n_unknown,
           coalesce((SELECT sum(v) FROM unnest(lat) AS v), 0), lat[1], lat[cardinality(lat)],
           coalesce(array_agg(b.k ORDER BY b.k), '{}'), coalesce(array_agg(b.n ORDER BY b.k), '{}')
      FROM (SELECT pgtrickle._latency_bucket(v) AS k, count(*)::integer AS n
              FROM unnest(lat) AS v GROUP BY 1) b;
    RETURN CASE WHEN p_return_samples THEN lat END;
END
$fn$;

-- What a refresh asks before it computes anything, in one round trip (the refresh path's fixed
-- cost is its round trips): checks and locks the sources (_bind_sources), sets the refresh's transaction-local settings (returning the values they replace), counts
-- the changes pending since the frontier per captured source and finds what only a FULL refresh can
-- handle (a TRUNCATE, a capture gap), and reads the frontier the commit latency is measured from.
-- source_rows sums the planner's row estimates; sources never analysed are returned in unanalysed.
-- read_by_others: another stream table reads this one's storage (a FULL refresh then deletes rather
-- than truncates, so that one keeps receiving row changes).
CREATE FUNCTION pgtrickle._refresh_begin(id bigint, setting_names text[], setting_values text[],
                                         OUT old_settings text[], OUT pending bigint,
                                         OUT full_reason text, OUT source_rows bigint, OUT unanalysed oid[],
                                         OUT measure_latency boolean, OUT prev_frontier text, OUT prev_xid text,
                                         OUT read_by_others boolean, OUT full_ms double precision,
                                         OUT differential_fixed_ms double precision,
                                         OUT differential_ms_per_change double precision)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    f         record;
    d         record;
    n         bigint;
    truncated boolean;
BEGIN
    PERFORM pgtrickle._bind_sources(id);
    -- every old value is read before any is set
    old_settings := ARRAY(SELECT coalesce(current_setting(u.n, true), '')
                            FROM unnest(setting_names) WITH ORDINALITY u(n, i) ORDER BY u.i);
    PERFORM set_config(u.n, u.v, true) FROM unnest(setting_names, setting_values) u(n, v);
    SELECT st.frontier, st.frontier_xid, st.frontier_change_id, st.refresh_mode,
           -- (pg_class, not to_regclass: the caller need not have USAGE on pgtrickle_changes)
           st.left_out_sql IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM pg_class c WHERE c.relnamespace = 'pgtrickle_changes'::regnamespace
                  AND c.relname = 'left_out_' || id) AS left_out_missing INTO f
      FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = id;
    pending := 0;
    source_rows := 0;
    unanalysed := '{}';
    measure_latency := false;
    FOR d IN SELECT dep.source_relid, c.reltuples
               FROM pgtrickle.pgt_dependencies dep JOIN pg_class c ON c.oid = dep.source_relid
              WHERE dep.pgt_id = id AND dep.cdc_mode <> 'NONE' ORDER BY dep.source_relid LOOP
        -- (a catalog without the latency objects still refreshes)
        measure_latency := current_setting('track_commit_timestamp')::boolean
            AND to_regprocedure('pgtrickle._record_commit_latency(bigint,pg_snapshot,xid8,boolean)') IS NOT NULL;
        IF full_reason IS NOT NULL THEN
            CONTINUE;
        END IF;
        -- (writers below the frontier's xmin were all consumed: the xid index skips them, as the delta does)
        EXECUTE format('SELECT count(*), coalesce(bool_or(s.__pgt_action = ''T''), false) FROM pgtrickle_changes.%I s'
                       ' WHERE s.__pgt_xid >= pg_snapshot_xmin($1)'
                       ' AND NOT pgtrickle._consumed(s.__pgt_xid, s.__pgt_change_id, $1, $2, $3)',
                       'changes_' || d.source_relid)
            INTO n, truncated USING f.frontier, f.frontier_xid, f.frontier_change_id;
        pending := pending + n;
        -- where capture cannot see every change (disabled triggers, a subscription writing the
        -- source), only recomputing is exact
        full_reason := coalesce(pgtrickle._capture_gap(d.source_relid), CASE WHEN truncated THEN 'source truncated' END);
        IF d.reltuples < 0 THEN
            unanalysed := unanalysed || d.source_relid;
        ELSE
            source_rows := source_rows + d.reltuples::bigint;
        END IF;
    END LOOP;
    IF full_reason IS NULL AND f.left_out_missing THEN
        -- the counters of the groups HAVING left out are gone: only recomputing knows them again
        full_reason := 'the table of the groups HAVING leaves out is missing';
    END IF;
    prev_frontier := f.frontier::text;
    prev_xid := f.frontier_xid::text;
    read_by_others := EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies dep JOIN pgtrickle.pgt_stream_tables st
                                ON st.pgt_relid = dep.source_relid WHERE st.pgt_id = id);
    -- The cost model AUTO decides with, from this table's recent history: a FULL refresh costs what
    -- the last ones took (the first one, on cold caches and so on the dear side, until there are
    -- others); a differential one a fixed part plus a part per pending change (a line through the
    -- last ones, which needs pending counts that differ). Only AUTO decides by cost.
    IF pending > 0 AND f.refresh_mode = 'AUTO' THEN
        SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY h.ms) FILTER (WHERE h.initiated_by <> 'INITIAL'),
                        max(h.ms) FILTER (WHERE h.initiated_by = 'INITIAL'))
          INTO full_ms
          FROM (SELECT extract(epoch FROM h.end_time - h.start_time) * 1000 AS ms, h.initiated_by
                  FROM pgtrickle.pgt_refresh_history h
                 WHERE h.pgt_id = id AND h.status = 'COMPLETED' AND h.action IN ('FULL', 'REINITIALIZE')
                 ORDER BY h.start_time DESC LIMIT 5) h;
        SELECT regr_intercept(h.ms, h.pending_changes), regr_slope(h.ms, h.pending_changes)
          INTO differential_fixed_ms, differential_ms_per_change
          FROM (SELECT extract(epoch FROM h.end_time - h.start_time) * 1000 AS ms, h.pending_changes
                  FROM pgtrickle.pgt_refresh_history h
                 WHERE h.pgt_id = id AND h.status = 'COMPLETED' AND h.action IN ('DIFFERENTIAL', 'NO_DATA')
                   AND h.pending_changes > 0
                 ORDER BY h.start_time DESC LIMIT 20) h;
    END IF;
END
$fn$;

-- What a refresh does once its delta or recompute is applied, in one round trip: puts back the
-- settings _refresh_begin replaced, records the commit latency of the writers it consumed (before
-- their changes are deleted), deletes the changes every capturing stream table has consumed, marks
-- the stream table refreshed and writes the history row. For a differential refresh (from_delta) the
-- counts and the action come from the delta statement (last_delta): NO_DATA when it was empty.
-- Returns the action and counts recorded and, when want_samples, the latencies in ms.
CREATE FUNCTION pgtrickle._refresh_end(id bigint, setting_names text[], old_settings text[],
                                       measure_latency boolean, prev_frontier text, prev_xid text,
                                       want_samples boolean, started timestamptz, from_delta boolean,
                                       INOUT action text, INOUT inserted bigint, INOUT deleted bigint,
                                       INOUT delta_rows bigint, initiated_by text, pending_changes bigint,
                                       estimated_differential_ms double precision, estimated_full_ms double precision,
                                       OUT samples double precision[])
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    counts bigint[];
BEGIN
    PERFORM set_config(u.n, u.v, true) FROM unnest(setting_names, old_settings) u(n, v);
    IF measure_latency THEN
        samples := pgtrickle._record_commit_latency(id, prev_frontier::pg_snapshot, prev_xid::xid8, want_samples);
    END IF;
    PERFORM pgtrickle._cleanup_changes(d.source_relid)
       FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = id AND d.cdc_mode <> 'NONE';
    -- (a transaction that wrote a WAL-captured source and refreshes will write it again unseen)
    UPDATE pgtrickle.pgt_stream_tables st SET is_populated = true,
           needs_full_refresh = pgtrickle._wal_captured(id) AND pgtrickle._wal_source_written(id) IS NOT NULL,
           last_refresh_at = clock_timestamp(), consecutive_errors = 0, last_error = NULL,
           status = CASE WHEN st.status = 'INITIALIZING' THEN 'ACTIVE' ELSE st.status END
     WHERE st.pgt_id = id RETURNING st.last_delta INTO counts;
    IF from_delta THEN
        inserted := coalesce(counts[1], 0);
        deleted := coalesce(counts[2], 0);
        delta_rows := coalesce(counts[3], 0);
        action := CASE WHEN delta_rows = 0 THEN 'NO_DATA' ELSE action END;
    END IF;
    INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, start_time, end_time, action, status, rows_inserted,
                                               rows_deleted, delta_rows, initiated_by, pending_changes,
                                               estimated_differential_ms, estimated_full_ms)
    VALUES (id, started, clock_timestamp(), action, 'COMPLETED', inserted, deleted, delta_rows, initiated_by,
            pending_changes, estimated_differential_ms, estimated_full_ms);
END
$fn$;

-- Commit-to-visible latency per stream table over the last window_length: writer transactions
-- measured, percentiles (bucket estimates, within about 19%; max is exact), mean, and writers
-- whose commit time was unknown. Stream tables without samples in the window have samples = 0
-- and NULL latencies. With track_commit_timestamp off nothing new is recorded and a WARNING
-- says so; the rows then show only what was recorded while it was on.
CREATE FUNCTION pgtrickle.commit_latency_stats(window_length interval DEFAULT interval '1 hour')
RETURNS TABLE (name text, samples bigint, p50_ms double precision, p90_ms double precision,
               p99_ms double precision, max_ms double precision, avg_ms double precision, unknown bigint)
LANGUAGE plpgsql STABLE AS $fn$
#variable_conflict use_column
BEGIN
    IF NOT current_setting('track_commit_timestamp')::boolean THEN
        RAISE WARNING 'track_commit_timestamp is off: pg_trickle cannot measure commit-to-visible latency'
            USING HINT = 'Set track_commit_timestamp = on in postgresql.conf and restart the server;'
                         ' rows show only samples recorded while it was on.';
    END IF;
    RETURN QUERY
    WITH r AS (SELECT l.* FROM pgtrickle.pgt_commit_latency l WHERE l.refreshed_at >= now() - window_length),
         agg AS (SELECT r.pgt_id, sum(r.samples)::bigint AS n, sum(r.unknown)::bigint AS unk,
                        sum(r.sum_ms) AS total, min(r.min_ms) AS lo, max(r.max_ms) AS hi
                   FROM r GROUP BY r.pgt_id),
         b AS (SELECT r.pgt_id, u.k::integer AS k, sum(u.n)::bigint AS n
                 FROM r, unnest(r.bucket_keys, r.bucket_counts) AS u(k, n) GROUP BY 1, 2),
         h AS (SELECT b.pgt_id, array_agg(b.k ORDER BY b.k) AS ks, array_agg(b.n ORDER BY b.k) AS ns
                 FROM b GROUP BY b.pgt_id)
    SELECT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name),
           coalesce(agg.n, 0),
           pgtrickle._latency_quantile(h.ks, h.ns, 0.5, agg.lo, agg.hi),
           pgtrickle._latency_quantile(h.ks, h.ns, 0.9, agg.lo, agg.hi),
           pgtrickle._latency_quantile(h.ks, h.ns, 0.99, agg.lo, agg.hi),
           agg.hi,
           CASE WHEN agg.n > 0 THEN agg.total / agg.n END,
           coalesce(agg.unk, 0)
      FROM pgtrickle.pgt_stream_tables st
      LEFT JOIN agg ON agg.pgt_id = st.pgt_id
      LEFT JOIN h ON h.pgt_id = st.pgt_id
     ORDER BY st.pgt_schema, st.pgt_name;
END
$fn$;

-- ------------------------------------------------------------------ QW-2 configuration advisor
-- Stream tables whose completed refreshes since `since` (at least 3, the initial one excluded)
-- took, at the 90th percentile, more than 80% of their duration schedule's interval.
CREATE FUNCTION pgtrickle._slow_refreshes(since timestamptz)
RETURNS TABLE (pgt_id bigint, refreshes bigint, p90_ms double precision, schedule_ms bigint)
LANGUAGE sql STABLE AS $fn$
    SELECT d.pgt_id, d.n, d.p90_ms, pgtrickle._schedule_ms(st.schedule)
      FROM (SELECT h.pgt_id, count(*) AS n,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM h.end_time - h.start_time) * 1000)
                       AS p90_ms
              FROM pgtrickle.pgt_refresh_history h
             WHERE h.start_time >= since AND h.status = 'COMPLETED' AND h.initiated_by <> 'INITIAL'
               AND h.end_time IS NOT NULL
             GROUP BY h.pgt_id
            HAVING count(*) >= 3) d
      JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
     WHERE st.status IN ('ACTIVE', 'INITIALIZING')
       AND d.p90_ms > 0.8 * pgtrickle._schedule_ms(st.schedule)
$fn$;

-- Recommendations from the observed workload over the last window_length. Each row names a
-- pg_trickle.* setting (or a server setting), or a per-stream-table parameter written
-- <stream table>.<parameter> (change it with pgtrickle.alter_stream_table / resume_stream_table).
-- At most one row per name; no rows means no change is recommended. current_value is what this
-- session sees: settings the worker got from its flags or environment are not visible here.
CREATE FUNCTION pgtrickle.tune_recommendations(window_length interval DEFAULT interval '1 day')
RETURNS TABLE (guc_name text, current_value text, recommended_value text, reason text)
LANGUAGE plpgsql STABLE AS $fn$
#variable_conflict use_column
DECLARE
    since       timestamptz := now() - window_length;
    n_tables    bigint;
    batch       numeric := pgtrickle._setting_num('merge_batch_size');
    workers     numeric := pgtrickle._setting_num('refresh_workers');
    max_workers numeric := pgtrickle._setting_num('max_refresh_workers');
    tick_ms     numeric := pgtrickle._setting_num('scheduler_interval_ms');
    max_errors  numeric := pgtrickle._setting_num('max_consecutive_errors');
    ratio       numeric := pgtrickle._setting_num('differential_max_change_ratio');
    retention   numeric := pgtrickle._setting_num('history_retention_days');
    l1          numeric := pgtrickle._setting_num('l1_cache_max_entries');
    rec         record;
    buffered    bigint;
    emitted     bigint;
BEGIN
    SELECT count(*) INTO n_tables FROM pgtrickle.pgt_stream_tables;
    IF n_tables = 0 THEN
        RETURN;
    END IF;

    -- Commit-to-visible latency cannot be measured without commit timestamps.
    IF NOT current_setting('track_commit_timestamp')::boolean THEN
        RETURN QUERY SELECT 'track_commit_timestamp'::text, 'off'::text, 'on'::text,
            'commit-to-visible latency (pgtrickle.commit_latency_stats(), pg_trickle_commit_to_visible_ms) is'
            ' measured only when commit timestamps are tracked; changing it needs a server restart'::text;
    END IF;

    -- Stream tables that are SUSPENDED (too many errors in a row) or in ERROR (their query no longer runs).
    RETURN QUERY
    SELECT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name) || '.status', st.status, 'ACTIVE'::text,
           CASE WHEN st.status = 'SUSPENDED'
                THEN format('suspended after %s consecutive failed refreshes (last: %s); it is stale and its change'
                            ' buffers keep growing: fix the cause, then SELECT pgtrickle.resume_stream_table(%L)',
                            st.consecutive_errors, coalesce(left(st.last_error, 200), 'unknown'),
                            quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name))
                ELSE format('its defining query can no longer run (%s): fix the source or change the query with'
                            ' pgtrickle.alter_stream_table, which rebuilds it', coalesce(left(st.last_error, 200), 'unknown'))
           END
      FROM pgtrickle.pgt_stream_tables st
     WHERE st.status IN ('SUSPENDED', 'ERROR')
     ORDER BY st.pgt_schema, st.pgt_name;

    -- Suspensions caused by transient errors (serialization, deadlock, cancel, connection, too many
    -- connections, lock timeout): a higher threshold lets the next refresh succeed instead.
    RETURN QUERY
    SELECT 'pg_trickle.max_consecutive_errors'::text, max_errors::text, least(1000, max_errors * 2)::text,
           format('%s suspension(s) since %s were caused by transient errors (SQLSTATE %s) that a later'
                  ' refresh usually gets past', count(*), to_char(since, 'YYYY-MM-DD HH24:MI'),
                  string_agg(DISTINCT substring(h.error_message FROM '^\[([0-9A-Z]{5})\]'), ', '))
      FROM pgtrickle.pgt_refresh_history h
     WHERE h.start_time >= since AND h.status = 'FAILED' AND h.reason_code = 'MAX_ERRORS_SUSPENDED'
       AND h.error_message ~ '^\[(40001|40P01|57014|55P03|53300|08[0-9A-Z]{3})\]'
       AND max_errors < 1000
    HAVING count(*) > 0;

    -- Refreshes that take most of their schedule's interval cannot keep the table as fresh as asked.
    RETURN QUERY
    SELECT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name) || '.schedule', st.schedule,
           pgtrickle._format_ms(d.p90_ms * 2),
           format('90%% of its last %s refreshes took up to %s ms, %s%% of its %s schedule, so it is refreshing'
                  ' almost all the time and falls behind%s', d.refreshes, round(d.p90_ms::numeric, 1),
                  round((100 * d.p90_ms / d.schedule_ms)::numeric), st.schedule,
                  CASE WHEN st.effective_refresh_mode = 'FULL'
                       THEN '; it recomputes in FULL: a query that supports DIFFERENTIAL refreshes only what changed'
                       ELSE '' END)
      FROM pgtrickle._slow_refreshes(since) d JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
     ORDER BY st.pgt_schema, st.pgt_name;

    -- Worker pool utilisation: time spent in scheduled refreshes against the time available.
    RETURN QUERY
    WITH u AS (
        SELECT sum(extract(epoch FROM h.end_time - h.start_time)) AS busy_s,
               extract(epoch FROM now() - greatest(since, min(h.start_time))) AS span_s
          FROM pgtrickle.pgt_refresh_history h
         WHERE h.start_time >= since AND h.initiated_by = 'SCHEDULER' AND h.end_time IS NOT NULL),
    v AS (SELECT u.busy_s / (u.span_s * workers) AS util FROM u WHERE u.span_s >= 600)
    SELECT CASE WHEN workers < max_workers THEN 'pg_trickle.refresh_workers' ELSE 'pg_trickle.max_refresh_workers' END,
           CASE WHEN workers < max_workers THEN workers ELSE max_workers END::text,
           CASE WHEN workers < max_workers THEN least(max_workers, ceil(workers * v.util / 0.5))
                ELSE least(256, greatest(max_workers + 1, ceil(workers * v.util / 0.5))) END::text,
           format('scheduled refreshes kept %s refresh connection(s) %s%% busy since %s; queued refreshes add to'
                  ' staleness', workers, round(100 * v.util), to_char(since, 'YYYY-MM-DD HH24:MI'))
      FROM v
     WHERE v.util > 0.75;
    GET DIAGNOSTICS emitted = ROW_COUNT;

    -- Out-of-memory during MERGE: smaller windows bound the memory a refresh needs.
    RETURN QUERY
    SELECT 'pg_trickle.merge_batch_size'::text, batch::text, greatest(1000, floor(batch / 4))::text,
           format('%s refresh(es) since %s ran out of memory (the worker lowered merge_work_mem_mb of %s);'
                  ' smaller MERGE windows need less memory per statement', count(*), to_char(since, 'YYYY-MM-DD HH24:MI'),
                  string_agg(DISTINCT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name), ', '))
      FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = h.pgt_id
     WHERE h.start_time >= since AND h.reason_code = 'OOM_REDUCE_WORK_MEM' AND batch > 1000
    HAVING count(*) > 0;

    -- Deltas larger than merge_batch_size are merged in windows, each a MERGE over an indexed temp table.
    IF NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_refresh_history h
                    WHERE h.start_time >= since AND h.reason_code = 'OOM_REDUCE_WORK_MEM') THEN
        RETURN QUERY
        WITH d AS (
            SELECT count(*) AS n, count(*) FILTER (WHERE h.delta_rows > batch) AS over,
                   percentile_disc(0.9) WITHIN GROUP (ORDER BY h.delta_rows) AS p90, max(h.delta_rows) AS top
              FROM pgtrickle.pgt_refresh_history h
             WHERE h.start_time >= since AND h.status = 'COMPLETED' AND h.action = 'DIFFERENTIAL')
        SELECT 'pg_trickle.merge_batch_size'::text, batch::text, least(100000000, pgtrickle._nice_ceil(d.p90))::text,
               format('%s of %s differential refreshes since %s staged more than merge_batch_size rows (90th'
                      ' percentile %s, largest %s), so each ran up to %s MERGE windows; a larger batch merges them in'
                      ' one statement (keep it lower if long lock holds or memory matter more)', d.over, d.n,
                      to_char(since, 'YYYY-MM-DD HH24:MI'), d.p90, d.top, ceil(d.top / batch))
          FROM d
         WHERE d.n > 0 AND d.p90 > batch AND batch < 100000000;
    END IF;

    -- Frequent FULL refreshes of DIFFERENTIAL stream tables (run-time fallback), when FULL costs more.
    RETURN QUERY
    WITH f AS (
        SELECT count(*) FILTER (WHERE h.action = 'FULL') AS fulls,
               count(*) FILTER (WHERE h.action = 'DIFFERENTIAL') AS diffs,
               avg(extract(epoch FROM h.end_time - h.start_time) * 1000) FILTER (WHERE h.action = 'FULL') AS full_ms,
               avg(extract(epoch FROM h.end_time - h.start_time) * 1000) FILTER (WHERE h.action = 'DIFFERENTIAL') AS diff_ms,
               string_agg(DISTINCT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name), ', ')
                   FILTER (WHERE h.action = 'FULL') AS tables
          FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = h.pgt_id
         WHERE h.start_time >= since AND h.status = 'COMPLETED' AND h.initiated_by <> 'INITIAL'
           AND st.effective_refresh_mode = 'DIFFERENTIAL' AND h.action IN ('FULL', 'DIFFERENTIAL'))
    SELECT 'pg_trickle.differential_max_change_ratio'::text, ratio::text, trim_scale(least(1000, ratio * 2))::text,
           format('%s of %s refreshes of DIFFERENTIAL stream tables (%s) since %s fell back to FULL, averaging %s ms'
                  ' against %s ms for a differential refresh; a higher ratio keeps more of them differential (a TRUNCATE'
                  ' of a source also forces FULL)', f.fulls, f.fulls + f.diffs, f.tables, to_char(since, 'YYYY-MM-DD HH24:MI'),
                  round(f.full_ms::numeric, 1), coalesce(round(f.diff_ms::numeric, 1)::text, 'n/a'))
      FROM f
     WHERE f.fulls >= 3 AND f.fulls >= 0.25 * (f.fulls + f.diffs) AND ratio < 1000
       AND (f.diff_ms IS NULL OR f.full_ms > f.diff_ms);

    -- A per-process statement cache smaller than the number of stream tables evicts their SQL.
    IF n_tables > l1 THEN
        RETURN QUERY SELECT 'pg_trickle.l1_cache_max_entries'::text, l1::text,
            least(1000000, pgtrickle._nice_ceil(n_tables * 1.25))::text,
            format('%s stream tables but each process caches the refresh SQL of only %s, so refreshes keep'
                   ' rebuilding evicted statements', n_tables, l1);
    END IF;

    -- Ticks coarser than the shortest duration schedule: such tables refresh once per tick at best.
    RETURN QUERY
    SELECT 'pg_trickle.scheduler_interval_ms'::text, tick_ms::text,
           greatest(10, floor(min(pgtrickle._schedule_ms(st.schedule)) / 2))::text,
           format('%s stream table(s) (%s) are scheduled every %s ms or more often, but the worker ticks every %s ms',
                  count(*), string_agg(quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name), ', '),
                  min(pgtrickle._schedule_ms(st.schedule)), tick_ms)
      FROM pgtrickle.pgt_stream_tables st
     WHERE st.status IN ('ACTIVE', 'INITIALIZING') AND pgtrickle._schedule_ms(st.schedule) < tick_ms
    HAVING count(*) > 0;

    -- Change buffers holding many unconsumed rows: the reader that lags most should refresh more often
    -- (unless its refreshes are already too slow for its schedule, reported above).
    FOR rec IN
        SELECT d.source_relid, d.source_relid::regclass::text AS source
          FROM pgtrickle.pgt_dependencies d
         WHERE d.cdc_mode <> 'NONE' AND to_regclass('pgtrickle_changes.changes_' || d.source_relid) IS NOT NULL
         GROUP BY d.source_relid
    LOOP
        buffered := pgtrickle._buffered_rows(rec.source_relid, (10 * batch + 1)::bigint);
        IF buffered > 10 * batch THEN
            RETURN QUERY
            SELECT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name) || '.schedule', st.schedule,
                   pgtrickle._format_ms(greatest(100, pgtrickle._schedule_ms(st.schedule) / 4)),
                   format('the change buffer of %s holds more than %s rows (10 x merge_batch_size) not yet consumed by'
                          ' every reader; %s has the oldest frontier: refreshing it more often keeps each delta within'
                          ' one MERGE window', rec.source, 10 * batch,
                          quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name))
              FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
             WHERE d.source_relid = rec.source_relid AND d.cdc_mode <> 'NONE'
               AND st.status IN ('ACTIVE', 'INITIALIZING') AND pgtrickle._schedule_ms(st.schedule) IS NOT NULL
               AND st.pgt_id NOT IN (SELECT s.pgt_id FROM pgtrickle._slow_refreshes(since) s)
             ORDER BY st.data_timestamp NULLS FIRST
             LIMIT 1;
        END IF;
    END LOOP;

    -- Commit-to-visible latency far above what the schedule and the tick allow (unless the pool
    -- utilisation rule above already asked for more connections).
    IF emitted = 0 AND current_setting('track_commit_timestamp')::boolean THEN
        RETURN QUERY
        WITH s AS (SELECT c.name, c.samples, c.p90_ms FROM pgtrickle.commit_latency_stats(window_length) c),
             t AS (SELECT s.name, s.samples, s.p90_ms, pgtrickle._schedule_ms(st.schedule) AS sched_ms
                     FROM s JOIN pgtrickle.pgt_stream_tables st
                       ON quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name) = s.name
                    WHERE s.samples >= 10 AND st.status IN ('ACTIVE', 'INITIALIZING')
                      AND pgtrickle._schedule_ms(st.schedule) >= tick_ms),
             w AS (SELECT count(*) AS n, string_agg(t.name || ' ' || round(t.p90_ms::numeric) || ' ms', ', ') AS list
                     FROM t WHERE t.p90_ms > 3 * (t.sched_ms + tick_ms))
        SELECT CASE WHEN workers < max_workers THEN 'pg_trickle.refresh_workers' ELSE 'pg_trickle.max_refresh_workers' END,
               CASE WHEN workers < max_workers THEN workers ELSE max_workers END::text,
               CASE WHEN workers < max_workers THEN workers + 1 ELSE least(256, max_workers + 1) END::text,
               format('90th percentile commit-to-visible latency is over 3x schedule + tick for %s stream table(s): %s;'
                      ' refreshes are waiting for a free connection or taking too long', w.n, w.list)
          FROM w
         WHERE w.n > 0 AND NOT (workers >= max_workers AND max_workers >= 256);
    END IF;

    -- WAL capture: a replication slot that retains much WAL fills the disk. The stream table holding
    -- it at the oldest position is the one to refresh (or resume, or drop).
    RETURN QUERY
    SELECT 'pg_trickle.max_inactive_wal_mb'::text, pgtrickle._setting('max_inactive_wal_mb'),
           pgtrickle._setting('max_inactive_wal_mb'),
           format('the replication slot of WAL capture retains %s MB of WAL (over pg_trickle.max_inactive_wal_mb);'
                  ' %s holds it at the oldest position (status %s): refresh, resume or drop it',
                  round(w.lag_bytes / 1048576.0), quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name), st.status)
      FROM pgtrickle.wal_slot_status() w
     CROSS JOIN LATERAL (SELECT s.pgt_schema, s.pgt_name, s.status FROM pgtrickle.pgt_stream_tables s
                          WHERE s.wal_restart_lsn IS NOT NULL ORDER BY s.wal_restart_lsn LIMIT 1) st
     WHERE w.lag_bytes > greatest(pgtrickle._setting_num('max_inactive_wal_mb'), 1) * 1048576;

    -- History kept forever grows without bound.
    IF retention = 0 AND (SELECT reltuples FROM pg_class WHERE oid = 'pgtrickle.pgt_refresh_history'::regclass) > 1000000 THEN
        RETURN QUERY SELECT 'pg_trickle.history_retention_days'::text, '0'::text, '7'::text,
            'refresh history is kept forever and holds over a million rows; the worker prunes history and'
            ' commit-latency samples older than this many days'::text;
    END IF;
END
$fn$;
