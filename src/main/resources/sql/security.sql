-- Who may do what. The last part of the catalog script (after catalog.sql, capture.sql and, in the
-- extension, the PL/Java functions).
--
--  * A stream table belongs to the owner of its storage table. Every statement that reads or
--    writes its data runs as that role (pgtrickle._as_owner), whoever refreshes: a session, the
--    worker, a superuser. PostgreSQL's own privilege checks then decide what it may read.
--  * Catalog rows are writable only by the owner of the stream table they describe (row-level
--    security), so whatever SQL a row holds only ever runs with the privileges of a role that
--    could have run it anyway.
--  * SECURITY DEFINER functions pin search_path to pg_catalog, pg_temp and run no code that a
--    non-superuser can define.
--  * Members of pgtrickle_user may create stream tables; everyone may read the status functions.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgtrickle_user') THEN
        CREATE ROLE pgtrickle_user NOLOGIN;
    END IF;
END
$roles$;
COMMENT ON ROLE pgtrickle_user IS 'may create pg_trickle stream tables (GRANT pgtrickle_user TO a role)';

-- ------------------------------------------------------------------ ownership
-- Whether the current role acts for the owner of relation `relid` (as PostgreSQL's ownership
-- checks do: a member that inherits the owner's privileges, or a superuser).
CREATE FUNCTION pgtrickle._owns(relid oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT coalesce((SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = relid), false)
$fn$;

CREATE FUNCTION pgtrickle._owns_stream_table(id bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT coalesce((SELECT pgtrickle._owns(st.pgt_relid) FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = id), false)
$fn$;

-- The check for SECURITY DEFINER functions, inside which current_user is their owner (and
-- pg_has_role without a role asks about it), not their caller: whether the session's role may act
-- for the owner of stream table `id`. It may SET ROLE to any role it is a member of, so membership
-- is the test (a superuser session passes).
CREATE FUNCTION pgtrickle._session_owns_stream_table(id bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT coalesce((SELECT pg_has_role(session_user, c.relowner, 'MEMBER') FROM pgtrickle.pgt_stream_tables st
                       JOIN pg_class c ON c.oid = st.pgt_relid WHERE st.pgt_id = id), false)
$fn$;

-- Whether the current role may read relation `relid` (the whole table, or some of its columns:
-- PostgreSQL itself checks the columns a query uses when it runs).
CREATE FUNCTION pgtrickle._may_read(relid oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT coalesce(has_table_privilege(relid, 'SELECT') OR has_any_column_privilege(relid, 'SELECT'), false)
$fn$;

-- ------------------------------------------------------------------ running as the owner
-- One function per owning role, owned by that role and SECURITY DEFINER: the statements of a
-- refresh run inside it, so they have exactly the owner's privileges, and nothing they call can
-- SET ROLE or SET SESSION AUTHORIZATION back to the refreshing session's role (PostgreSQL forbids
-- both inside a SECURITY DEFINER function). Only its owner, members and superusers may call it.
-- The body checks that it runs as its owner, so ALTER FUNCTION ... SECURITY INVOKER by the owner
-- does not make it run as a caller; the owner cannot replace the body (no CREATE on the schema).
--
-- With `prepared`, the statement runs as the session's prepared statement of that name, so its
-- plan is made once per session (a one-row refresh spent most of its statement time planning).
-- Anyone in the session can PREPARE that name, so the statement is used only when its text is
-- exactly `sql`; otherwise it is made anew. PostgreSQL itself plans it again when search_path (set
-- here first) or a relation it reads has changed, and checks privileges as the owner at each run.
-- Its row count is not known (RETURNs NULL).
CREATE FUNCTION pgtrickle._owner_function(owner oid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    fn        text := format('pgtrickle.%I', '_as_owner_' || owner);
    role_name text := (SELECT quote_ident(r.rolname) FROM pg_roles r WHERE r.oid = owner);
BEGIN
    IF role_name IS NULL THEN
        RAISE EXCEPTION 'role with oid % does not exist', owner USING ERRCODE = 'undefined_object';
    END IF;
    IF to_regprocedure(fn || '(text,text,text,boolean,text)') IS NULL THEN
        EXECUTE format('CREATE FUNCTION %s(sql text, path text, arg text, want_value boolean, prepared text) RETURNS text'
                       ' LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS %L', fn,
                       format($template$DECLARE
    n bigint;
    v text;
    made text;
    wanted text;
BEGIN
    IF (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user)
       OPERATOR(pg_catalog.<>) %1$s::pg_catalog.oid THEN
        RAISE EXCEPTION 'pg_trickle: the owner function of role %1$s ran as %%', current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_catalog.set_config('search_path', path, true);
    IF prepared IS NOT NULL THEN
        wanted := 'PREPARE ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(prepared) OPERATOR(pg_catalog.||) ' AS '
                  OPERATOR(pg_catalog.||) sql;
        made := (SELECT p.statement FROM pg_catalog.pg_prepared_statements p WHERE p.name OPERATOR(pg_catalog.=) prepared);
        IF made IS NULL OR made OPERATOR(pg_catalog.<>) wanted THEN
            IF made IS NOT NULL THEN
                EXECUTE 'DEALLOCATE ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(prepared);
            END IF;
            EXECUTE wanted;   -- pg_prepared_statements then shows exactly this text
        END IF;
        EXECUTE 'EXECUTE ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(prepared);
        RETURN NULL;
    END IF;
    IF want_value THEN
        EXECUTE sql INTO v USING arg;
        RETURN v;
    END IF;
    EXECUTE sql USING arg;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n::text;
END$template$,
                              owner));
        EXECUTE format('REVOKE ALL ON FUNCTION %s(text,text,text,boolean,text) FROM PUBLIC', fn);
        -- a member of the extension (when installed as one), so DROP EXTENSION ... CASCADE takes
        -- it along instead of leaving a SECURITY DEFINER function in a schema CREATE EXTENSION
        -- must find empty (objects made while the extension's script runs are members already)
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trickle') AND NOT EXISTS (
                SELECT 1 FROM pg_depend WHERE classid = 'pg_proc'::regclass
                   AND objid = to_regprocedure(fn || '(text,text,text,boolean,text)') AND deptype = 'e') THEN
            EXECUTE format('ALTER EXTENSION pg_trickle ADD FUNCTION %s(text,text,text,boolean,text)', fn);
        END IF;
        EXECUTE format('ALTER FUNCTION %s(text,text,text,boolean,text) OWNER TO %s', fn, role_name);
    END IF;
    RETURN fn;
END
$fn$;

-- Drops the owner function of a role that owns no stream table any more, so DROP ROLE and
-- DROP EXTENSION are not held up by it. Safe for anyone to call.
CREATE FUNCTION pgtrickle._forget_owner(owner oid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    fn text := format('pgtrickle.%I(text,text,text,boolean,text)', '_as_owner_' || owner);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st JOIN pg_class c ON c.oid = st.pgt_relid
                    WHERE c.relowner = owner) AND to_regprocedure(fn) IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM pg_depend WHERE classid = 'pg_proc'::regclass AND objid = to_regprocedure(fn)
                      AND deptype = 'e') THEN
            EXECUTE format('ALTER EXTENSION pg_trickle DROP FUNCTION %s', fn);
        END IF;
        EXECUTE format('DROP FUNCTION %s', fn);
    END IF;
END
$fn$;

-- Runs `sql` (with `arg` as $1) as role `owner` with search_path `path`; returns the row count,
-- or with want_value the first column of the first row. Code the owner wrote may SET, for the
-- session, settings that would change or break the rest of the caller's work (the statements of
-- the same refresh that follow, the next refresh on a pooled connection): the caller gets its own
-- search_path and timeouts back.
CREATE FUNCTION pgtrickle._as_owner(owner oid, sql text, path text, arg text DEFAULT NULL,
                                    want_value boolean DEFAULT false, prepared text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    fn     text := format('pgtrickle.%I', '_as_owner_' || owner);
    names  text[] := ARRAY['search_path', 'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout'];
    saved  text[] := ARRAY(SELECT pg_catalog.current_setting(n) FROM pg_catalog.unnest(names) n);
    result text;
BEGIN
    IF pg_catalog.to_regprocedure(fn || '(text,text,text,boolean,text)') IS NULL THEN
        PERFORM pgtrickle._owner_function(owner);
    END IF;
    EXECUTE pg_catalog.format('SELECT %s($1, $2, $3, $4, $5)', fn) INTO result USING sql, path, arg, want_value, prepared;
    FOR i IN 1 .. pg_catalog.array_length(names, 1) LOOP
        IF pg_catalog.current_setting(names[i]) OPERATOR(pg_catalog.<>) saved[i] THEN
            PERFORM pg_catalog.set_config(names[i], saved[i], false);
        END IF;
    END LOOP;
    RETURN result;
END
$fn$;

-- Before a refresh: every source is still the relation the stream table was built against (a
-- renamed source, or another relation put in its place, is refused: the stored SQL names sources
-- and would read whatever the name means now), is locked against DDL until the refresh commits,
-- and may be read by the owner. Raises 42P01 or 42501; returns the number of sources.
CREATE FUNCTION pgtrickle._bind_sources(id bigint) RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    d     record;
    owner oid := (SELECT c.relowner FROM pgtrickle.pgt_stream_tables st JOIN pg_class c ON c.oid = st.pgt_relid
                   WHERE st.pgt_id = id);
    n     integer := 0;
BEGIN
    FOR d IN SELECT dep.source_relid, dep.source_shape, split_part(dep.source_shape, ' ', 1) AS bound_name
               FROM pgtrickle.pgt_dependencies dep WHERE dep.pgt_id = id LOOP
        IF to_regclass(d.bound_name) IS DISTINCT FROM d.source_relid THEN
            RAISE EXCEPTION 'source % of stream table % was renamed, dropped or replaced', d.bound_name,
                (SELECT quote_ident(st.pgt_schema) || '.' || quote_ident(st.pgt_name) FROM pgtrickle.pgt_stream_tables st
                  WHERE st.pgt_id = id)
                USING ERRCODE = 'undefined_table',
                      HINT = 'Change the defining query with pgtrickle.alter_stream_table().';
        END IF;
        EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE', d.source_relid::regclass);
        IF NOT coalesce(has_table_privilege(owner, d.source_relid, 'SELECT')
                        OR has_any_column_privilege(owner, d.source_relid, 'SELECT'), false) THEN
            RAISE EXCEPTION 'permission denied: role % may not read %, a source of stream table %', owner::regrole,
                d.source_relid::regclass, id USING ERRCODE = 'insufficient_privilege';
        END IF;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$fn$;

-- ------------------------------------------------------------------ row-level security
ALTER TABLE pgtrickle.pgt_stream_tables ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON pgtrickle.pgt_stream_tables FOR SELECT USING (true);
CREATE POLICY owner_insert ON pgtrickle.pgt_stream_tables FOR INSERT WITH CHECK (pgtrickle._owns(pgt_relid));
CREATE POLICY owner_update ON pgtrickle.pgt_stream_tables FOR UPDATE
    USING (pgtrickle._owns(pgt_relid)) WITH CHECK (pgtrickle._owns(pgt_relid));
CREATE POLICY owner_delete ON pgtrickle.pgt_stream_tables FOR DELETE USING (pgtrickle._owns(pgt_relid));

-- A dependency may name only a relation its writer may read (checked as that role).
ALTER TABLE pgtrickle.pgt_dependencies ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON pgtrickle.pgt_dependencies FOR SELECT USING (true);
CREATE POLICY owner_insert ON pgtrickle.pgt_dependencies FOR INSERT
    WITH CHECK (pgtrickle._owns_stream_table(pgt_id) AND pgtrickle._may_read(source_relid));
CREATE POLICY owner_update ON pgtrickle.pgt_dependencies FOR UPDATE
    USING (pgtrickle._owns_stream_table(pgt_id))
    WITH CHECK (pgtrickle._owns_stream_table(pgt_id) AND pgtrickle._may_read(source_relid));
CREATE POLICY owner_delete ON pgtrickle.pgt_dependencies FOR DELETE USING (pgtrickle._owns_stream_table(pgt_id));

ALTER TABLE pgtrickle.pgt_refresh_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON pgtrickle.pgt_refresh_history FOR SELECT USING (true);
CREATE POLICY owner_write ON pgtrickle.pgt_refresh_history FOR ALL
    USING (pgtrickle._owns_stream_table(pgt_id)) WITH CHECK (pgtrickle._owns_stream_table(pgt_id));

ALTER TABLE pgtrickle.pgt_commit_latency ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON pgtrickle.pgt_commit_latency FOR SELECT USING (true);
CREATE POLICY owner_write ON pgtrickle.pgt_commit_latency FOR ALL
    USING (pgtrickle._owns_stream_table(pgt_id)) WITH CHECK (pgtrickle._owns_stream_table(pgt_id));

-- ------------------------------------------------------------------ grants
GRANT USAGE ON SCHEMA pgtrickle TO PUBLIC;
GRANT USAGE ON SCHEMA pgtrickle_changes TO PUBLIC;   -- the buffers themselves are granted per owner
GRANT USAGE ON SEQUENCE pgtrickle_changes.change_id_seq TO PUBLIC;
GRANT SELECT ON pgtrickle.pgt_stream_tables, pgtrickle.pgt_dependencies, pgtrickle.pgt_refresh_history,
                pgtrickle.pgt_commit_latency, pgtrickle.stream_tables_info, pgtrickle.pgt_wal_sources,
                pgtrickle.pgt_wal_identity TO PUBLIC;
GRANT INSERT, UPDATE, DELETE ON pgtrickle.pgt_stream_tables, pgtrickle.pgt_dependencies,
                                pgtrickle.pgt_refresh_history, pgtrickle.pgt_commit_latency TO pgtrickle_user;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA pgtrickle TO pgtrickle_user;
-- PL/Java resolves a Java function's class through its schema sqlj, as the calling role.
DO $sqlj$
BEGIN
    IF to_regnamespace('sqlj') IS NOT NULL THEN
        GRANT USAGE ON SCHEMA sqlj TO pgtrickle_user;
    END IF;
END
$sqlj$;

-- Functions: none runs for PUBLIC unless listed. The SQL API is for pgtrickle_user; reading status
-- is for everyone; the helpers below are what a refresh or a DDL trigger calls as whoever runs it.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA pgtrickle FROM PUBLIC;
DO $grants$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'pgtrickle.pgt_status()', 'pgtrickle.get_refresh_history(text,integer)',
        'pgtrickle.commit_latency_stats(interval)', 'pgtrickle.tune_recommendations(interval)',
        'pgtrickle._hashable(regtype)', 'pgtrickle._collate_clause(oid,oid)', 'pgtrickle._consumed(xid8,bigint,pg_snapshot,xid8,bigint)', 'pgtrickle._owns(oid)',
        'pgtrickle._owns_stream_table(bigint)', 'pgtrickle._may_read(oid)', 'pgtrickle._raise(text,text)',
        'pgtrickle._raise_error(text,text)', 'pgtrickle._parse_name(text)', 'pgtrickle._query_rows(text)', 'pgtrickle._column_types(oid,text[])', 'pgtrickle._setting(text)',
        'pgtrickle._setting_default(text)', 'pgtrickle._setting_num(text)', 'pgtrickle._schedule_ms(text)',
        'pgtrickle._format_ms(double precision)', 'pgtrickle._nice_ceil(double precision)',
        'pgtrickle._latency_bucket(double precision)', 'pgtrickle._slow_refreshes(timestamp with time zone)',
        'pgtrickle._latency_quantile(integer[],bigint[],double precision,double precision,double precision)',
        'pgtrickle._reject_direct_dml()', 'pgtrickle._buffered_rows(oid,bigint)', 'pgtrickle._capture_gap(oid)',
        'pgtrickle._inheritance_tree(oid)', 'pgtrickle._wal_slot()', 'pgtrickle._wal_start()',
        'pgtrickle._wal_unavailable()', 'pgtrickle._wal_obstacle(oid)', 'pgtrickle._capture_mode(oid)',
        'pgtrickle.wal_slot_status()', 'pgtrickle._wal_captured(bigint)', 'pgtrickle._wal_async_commits()', 'pgtrickle._wal_published(oid)', 'pgtrickle._wal_tree(oid)',
        'pgtrickle._wal_source_written(bigint)']
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
    END LOOP;
    FOREACH f IN ARRAY ARRAY[
        'pgtrickle._exec(text)', 'pgtrickle._adopt_storage(oid,oid)', 'pgtrickle._require_single_query(text)', 'pgtrickle._describe(text)',
        'pgtrickle._query_relations(text)', 'pgtrickle._analyse(text)', 'pgtrickle._plan_error(text)', 'pgtrickle._explain(text,boolean)', 'pgtrickle._as_owner(oid,text,text,text,boolean,text)',
        'pgtrickle._owner_function(oid)', 'pgtrickle._forget_owner(oid)', 'pgtrickle._bind_sources(bigint)', 'pgtrickle._sync_capture(oid,boolean)',
        'pgtrickle._cleanup_changes(oid)', 'pgtrickle._release_inactive_buffers(bigint)',
        'pgtrickle._wal_peek(bigint[],boolean,pg_lsn)', 'pgtrickle._wal_store(bigint,pg_lsn,oid[],xid8[],"char"[],text[])',
        'pgtrickle._wal_ensure_slot(boolean)', 'pgtrickle._wal_drop_unused_slot()', 'pgtrickle._wal_slot_lost()',
        'pgtrickle._wal_release_inactive(bigint)', 'pgtrickle._wal_advance()',
        'pgtrickle._staging_table(bigint)', 'pgtrickle._drop_work_tables(bigint)', 'pgtrickle._left_out_table(bigint)', 'pgtrickle._source_shape(oid)', 'pgtrickle._source_tree(oid)',
        'pgtrickle._source_relations(oid)', 'pgtrickle._column_defs(oid,integer,name[])', 'pgtrickle._capturing_owners(oid)',
        'pgtrickle._record_commit_latency(bigint,pg_snapshot,xid8,boolean)',
        'pgtrickle._refresh_begin(bigint,text[],text[])',
        'pgtrickle._refresh_end(bigint,text[],text[],boolean,text,text,boolean,timestamp with time zone,boolean,text,bigint,bigint,bigint,text,bigint,double precision,double precision)',
        -- the PL/Java API (absent in the worker/CLI host, which writes the catalog directly)
        'pgtrickle.create_stream_table(text,text,text,text,boolean,text,text)',
        'pgtrickle.alter_stream_table(text,text,text,text,text,text,text)', 'pgtrickle.drop_stream_table(text,boolean)',
        'pgtrickle.refresh_stream_table(text)', 'pgtrickle.resume_stream_table(text)',
        'pgtrickle.preview_stream_table(text)', 'pgtrickle._preview_fill(text)', 'pgtrickle.explain_refresh(text,boolean)']
    LOOP
        IF to_regprocedure(f) IS NOT NULL THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO pgtrickle_user', f);
        END IF;
    END LOOP;
END
$grants$;
