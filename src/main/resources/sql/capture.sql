-- Trigger change capture and the DDL guards around it. Part of the catalog script (after catalog.sql).
--
-- Capture objects belong to the role that installed pg_trickle (a superuser), never to the role
-- creating a stream table: pgtrickle._sync_capture builds them from pg_catalog alone, so what a
-- source looks like, not what a caller passes, decides their text. Identifiers reach the text only
-- through quote_ident/format('%I'), and a function body only as a quote_literal'd string.
--
-- The capture function copies transition-table rows into a buffer whose columns have exactly the
-- source's types: no cast, no domain check and no type I/O runs, so nothing a source's owner can
-- define executes with the installer's privileges. After DDL changes the source, the buffer is
-- rebuilt before any further write (ddl_command_end runs inside the DDL's own statement).

-- The relation and every partition or inheritance child below it, with their kinds.
-- Every refresh asks for these: the helpers on the refresh path are plpgsql, which plans its
-- statements once per session, where a sql function with a SET clause (never inlined) plans its
-- body again at every call.
CREATE FUNCTION pgtrickle._inheritance_tree(source oid)
RETURNS TABLE (relid oid, relkind "char")
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    RETURN QUERY
    WITH RECURSIVE tree(relid) AS (
        SELECT source
        UNION
        SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid)
    SELECT t.relid, c.relkind FROM tree t JOIN pg_class c ON c.oid = t.relid;
END
$fn$;

-- The tables of that tree: all of them are read when the source is read, so all of them carry
-- capture triggers.
CREATE FUNCTION pgtrickle._source_relations(source oid)
RETURNS TABLE (relid oid)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    RETURN QUERY SELECT t.relid FROM pgtrickle._inheritance_tree(source) t WHERE t.relkind IN ('r', 'p');
END
$fn$;

-- A relation's columns as a column-definition list ('id integer, "Note" text COLLATE "C"'), those
-- after attnum `after` only, and only those in `names` when given; the one spelling capture,
-- staging and shape comparisons share.
CREATE FUNCTION pgtrickle._column_defs(rel oid, after integer DEFAULT 0, names name[] DEFAULT NULL) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                      || pgtrickle._collate_clause(a.attcollation, a.atttypid), ', ' ORDER BY a.attnum)
      FROM pg_attribute a
     WHERE a.attrelid = rel AND a.attnum > after AND NOT a.attisdropped AND (names IS NULL OR a.attname = ANY (names))
$fn$;

-- What a stream table is built against: the source's name, kind, columns with types and
-- collations, and key (and a view's query).
-- NULL when the relation is gone.
CREATE FUNCTION pgtrickle._source_shape(source oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT c.oid::regclass::text || ' ' || c.relkind::text
           || ' (' || coalesce(pgtrickle._column_defs(c.oid), '')
           || ') key (' || coalesce((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                                       FROM pg_index i
                                       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                                       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                                      WHERE i.indrelid = c.oid AND i.indisprimary), '') || ')'
           -- an inlined view: its query too (CREATE OR REPLACE VIEW keeps the columns)
           || CASE WHEN c.relkind = 'v' THEN ' as ' || md5(pg_get_viewdef(c.oid)) ELSE '' END
      FROM pg_class c WHERE c.oid = source
$fn$;

-- The relations capture covers and the state of each one's capture triggers (tgenabled), e.g.
-- '16390:OOOO 16395:ODOO'. Triggers disabled, dropped, or a partition attached or detached all
-- change it.
CREATE FUNCTION pgtrickle._source_tree(source oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT string_agg(r.relid::text || ':' || coalesce(
               (SELECT string_agg(t.tgenabled::text, '' ORDER BY t.tgname)
                  FROM pg_trigger t
                 WHERE t.tgrelid = r.relid
                   AND t.tgfoid = to_regprocedure(format('pgtrickle_changes.%I()', 'capture_' || source))), ''),
               ' ' ORDER BY r.relid)
      FROM pgtrickle._source_relations(source) r
$fn$;

-- Why capture triggers cannot see every change of `source` right now, or NULL: its capture triggers
-- are disabled; a logical replication subscription writes it or a relation below it (the apply
-- worker fires no statement trigger); or a partition or child is a foreign table. A stream table
-- reading such a source is refreshed FULL, never left silently stale.
CREATE FUNCTION pgtrickle._capture_gap(source oid) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
-- (plpgsql, as _inheritance_tree says)
DECLARE
    subscribed    boolean;
    foreign_child boolean;
BEGIN
    -- decoding sees what triggers miss (subscription apply, no triggers to disable)
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_wal_sources w WHERE w.source_relid = source) THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgenabled = 'D'
                  AND t.tgfoid = to_regprocedure(format('pgtrickle_changes.%I()', 'capture_' || source))) THEN
        RETURN format('change capture of %s is disabled (ALTER TABLE ... DISABLE TRIGGER)', source::regclass);
    END IF;
    -- the inheritance tree is walked once for both questions
    SELECT coalesce(bool_or(EXISTS (SELECT 1 FROM pg_subscription_rel r WHERE r.srrelid = t.relid)), false),
           coalesce(bool_or(t.relkind = 'f'), false)
      INTO subscribed, foreign_child
      FROM pgtrickle._inheritance_tree(source) t;
    IF subscribed THEN
        RETURN format('%s is written by a logical replication subscription, whose changes capture triggers do not see',
                      source::regclass);
    ELSIF foreign_child THEN
        RETURN format('%s has a foreign-table partition or child, whose changes capture triggers do not see',
                      source::regclass);
    END IF;
    RETURN NULL;
END
$fn$;

-- Roles owning a stream table that captures changes of the source.
CREATE FUNCTION pgtrickle._capturing_owners(source oid)
RETURNS TABLE (relowner oid)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT DISTINCT c.relowner FROM pgtrickle.pgt_dependencies d
      JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
      JOIN pg_class c ON c.oid = st.pgt_relid
     WHERE d.source_relid = source AND d.cdc_mode <> 'NONE'
$fn$;

-- Makes the capture of one source match the catalog: its buffer exists while some stream table
-- captures it (rebuilt when the source's columns changed), and so do, in trigger mode, the capture
-- function and the triggers on every relation below the source, or, in WAL mode
-- (pgtrickle._capture_mode), its publication (pgtrickle._wal_adopt); all are removed when none does. SELECT on the buffer is granted
-- to the owners of the stream tables that read it and to nobody else. A rebuilt buffer or a changed
-- trigger set marks the capturing stream tables for a FULL refresh, since rows may have changed
-- uncaptured. Anyone may call it: it does only what the catalog (row-level security) allows.
CREATE FUNCTION pgtrickle._sync_capture(source oid, notify boolean DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    buf      text := 'changes_' || source;
    buf_oid  oid;
    fn_sig   text := format('pgtrickle_changes.%I()', 'capture_' || source);
    wanted   boolean;
    mode     text;
    cols     text;
    new_cols text;
    old_cols text;
    coldefs  text;
    body     text;
    rel      record;
    ev       text;
    tree     text;
BEGIN
    mode := pgtrickle._capture_mode(source);
    wanted := mode IS NOT NULL AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = source AND c.relkind IN ('r', 'p'));
    -- WAL capture that is no longer wanted ends before the triggers come back
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_wal_sources w WHERE w.source_relid = source)
       AND mode IS DISTINCT FROM 'WAL' THEN
        PERFORM pgtrickle._wal_release(source);
    END IF;
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
           string_agg('n.' || quote_ident(a.attname), ', ' ORDER BY a.attnum),
           string_agg('o.' || quote_ident(a.attname), ', ' ORDER BY a.attnum),
           pgtrickle._column_defs(source)
      INTO cols, new_cols, old_cols, coldefs
      FROM pg_attribute a WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped;
    -- A buffer built for other columns cannot take the source's rows: rebuild it (its unconsumed
    -- changes are covered by the FULL refresh this forces).
    buf_oid := to_regclass(format('pgtrickle_changes.%I', buf));
    -- (the buffer's first three columns are its own: change id, writer, action)
    IF buf_oid IS NOT NULL AND (NOT wanted OR coldefs IS DISTINCT FROM pgtrickle._column_defs(buf_oid, 3)) THEN
        FOR rel IN SELECT t.tgrelid::regclass AS r, t.tgname FROM pg_trigger t WHERE t.tgfoid = to_regprocedure(fn_sig) LOOP
            EXECUTE format('DROP TRIGGER %I ON %s', rel.tgname, rel.r);
        END LOOP;
        IF to_regprocedure(fn_sig) IS NOT NULL THEN
            EXECUTE format('DROP FUNCTION %s', fn_sig);
        END IF;
        EXECUTE format('DROP TABLE pgtrickle_changes.%I', buf);
        IF wanted THEN
            UPDATE pgtrickle.pgt_stream_tables st SET needs_full_refresh = true
             WHERE st.pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = source);
        END IF;
    END IF;
    IF NOT wanted THEN
        IF to_regprocedure(fn_sig) IS NOT NULL THEN
            EXECUTE format('DROP FUNCTION %s', fn_sig);
        END IF;
        RETURN;
    END IF;
    IF to_regclass(format('pgtrickle_changes.%I', buf)) IS NULL THEN
        -- no index on the change number (nothing looks a change up by it): one index to write per change
        EXECUTE format('CREATE TABLE pgtrickle_changes.%I (__pgt_change_id bigint NOT NULL DEFAULT nextval(%L::regclass),'
                       ' __pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(), __pgt_action "char" NOT NULL%s)',
                       buf, 'pgtrickle_changes.change_id_seq', coalesce(', ' || coldefs, ''));
        EXECUTE format('CREATE INDEX ON pgtrickle_changes.%I (__pgt_xid)', buf);
        EXECUTE format('REVOKE ALL ON pgtrickle_changes.%I FROM PUBLIC', buf);
    END IF;
    buf_oid := format('pgtrickle_changes.%I', buf)::regclass;
    IF mode = 'WAL' THEN
        PERFORM pgtrickle._wal_adopt(source);   -- drops the capture triggers
        IF to_regprocedure(fn_sig) IS NOT NULL THEN
            EXECUTE format('DROP FUNCTION %s', fn_sig);
        END IF;
    ELSE
    UPDATE pgtrickle.pgt_dependencies d SET cdc_mode = 'TRIGGER' WHERE d.source_relid = source AND d.cdc_mode = 'WAL';
    IF to_regprocedure(fn_sig) IS NULL THEN
        -- The template is pg_trickle's own text; names enter it only through %I and quote_ident.
        body := format($template$BEGIN
IF TG_OP = 'INSERT' THEN
    INSERT INTO pgtrickle_changes.%1$I (__pgt_action, %2$s) SELECT 'I', %3$s FROM __pgt_new n;
ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pgtrickle_changes.%1$I (__pgt_action, %2$s)
    SELECT 'D', %4$s FROM __pgt_old o UNION ALL SELECT 'I', %3$s FROM __pgt_new n;
ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pgtrickle_changes.%1$I (__pgt_action, %2$s) SELECT 'D', %4$s FROM __pgt_old o;
ELSE
    INSERT INTO pgtrickle_changes.%1$I (__pgt_action) VALUES ('T');
END IF;
%5$sRETURN NULL;
END$template$,
            buf, cols, new_cols, old_cols,
            CASE WHEN coalesce(notify, pgtrickle._setting('cdc_notify') IN ('on', 'true', 'yes', '1'))
                 -- NOTIFY serialises the commits of the transactions that send it (a database-wide
                 -- lock held through commit): a writer sends it only when no other writer is
                 -- sending one right now (an advisory lock it does not wait for). It only wakes the
                 -- worker early; a change whose writer skipped it is found by that tick or the next.
                 THEN format(E'IF pg_try_advisory_xact_lock(%s, 0) THEN\n    PERFORM pg_notify(%L, %L);\nEND IF;\n',
                             1886352498, 'pgtrickle_changes', source::text) ELSE '' END);
        EXECUTE format('CREATE FUNCTION %s RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER'
                       ' SET search_path = pg_catalog, pg_temp AS %L', fn_sig, body);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn_sig);
    END IF;
    -- Triggers on the source and everything below it (rows written straight into a partition or a
    -- child fire only that relation's triggers); none on relations that left the tree.
    FOR rel IN SELECT t.tgrelid::regclass AS r, t.tgname FROM pg_trigger t
                WHERE t.tgfoid = to_regprocedure(fn_sig)
                  AND t.tgrelid NOT IN (SELECT s.relid FROM pgtrickle._source_relations(source) s) LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', rel.tgname, rel.r);
    END LOOP;
    FOR rel IN SELECT s.relid FROM pgtrickle._source_relations(source) s LOOP
        FOREACH ev IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
            IF NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = rel.relid AND t.tgname = '__pgt_cdc_' || ev) THEN
                EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s%s FOR EACH STATEMENT EXECUTE FUNCTION %s',
                               '__pgt_cdc_' || ev, upper(ev), rel.relid::regclass,
                               CASE ev WHEN 'insert' THEN ' REFERENCING NEW TABLE AS __pgt_new'
                                       WHEN 'update' THEN ' REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new'
                                       WHEN 'delete' THEN ' REFERENCING OLD TABLE AS __pgt_old' ELSE '' END,
                               fn_sig);
            END IF;
        END LOOP;
    END LOOP;
    END IF;
    -- Read access follows ownership of the capturing stream tables (granted once, not on every call).
    FOR rel IN SELECT DISTINCT a.grantee FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
                WHERE c.oid = buf_oid AND a.grantee <> c.relowner
                  AND a.grantee NOT IN (SELECT o.relowner FROM pgtrickle._capturing_owners(source) o) LOOP
        EXECUTE format('REVOKE ALL ON pgtrickle_changes.%I FROM %s', buf,
                       CASE WHEN rel.grantee = 0 THEN 'PUBLIC' ELSE rel.grantee::regrole::text END);
    END LOOP;
    FOR rel IN SELECT o.relowner FROM pgtrickle._capturing_owners(source) o
                WHERE o.relowner NOT IN (SELECT a.grantee FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
                                          WHERE c.oid = buf_oid
                                            AND a.privilege_type = 'SELECT') LOOP
        EXECUTE format('GRANT SELECT ON pgtrickle_changes.%I TO %s', buf, rel.relowner::regrole);
    END LOOP;
    -- Capture that changed under a stream table (triggers disabled or dropped, partitions moved)
    -- may have missed rows: its next refresh recomputes.
    tree := pgtrickle._source_tree(source);
    UPDATE pgtrickle.pgt_stream_tables st SET needs_full_refresh = true
     WHERE st.pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d
                          WHERE d.source_relid = source AND d.cdc_mode = 'TRIGGER'
                            AND d.source_tree IS NOT NULL AND d.source_tree <> tree);
    UPDATE pgtrickle.pgt_dependencies d SET source_tree = tree
     WHERE d.source_relid = source AND d.cdc_mode = 'TRIGGER' AND d.source_tree IS DISTINCT FROM tree;
END
$fn$;

-- Deletes change rows that every capturing stream table has consumed, and the rows a refresh decoded
-- from the WAL for itself (negative change numbers: they live only in the refresh's transaction).
-- Another refresh deleting the same consumed rows concurrently is not an error: a REPEATABLE READ
-- refresh leaves them to it. Safe for anyone to call.
--
-- A row every reader has consumed was written below the smallest xmax of their frontiers, or by
-- some reader's own refresh (the frontier rule, _consumed), so only that range of the buffer's xid
-- index is read: the rows a less frequently refreshed reader has yet to consume are not scanned
-- again at every refresh of the others. (Statistics of a buffer, when autovacuum has gathered any,
-- describe rows long gone: hence the index by hand.)
CREATE FUNCTION pgtrickle._cleanup_changes(source oid) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET enable_seqscan = off AS $fn$
DECLARE
    n        bigint;
    consumed text;
    below    xid8;
    own      xid8[];
    unset    boolean;
BEGIN
    IF to_regclass(format('pgtrickle_changes.%I', 'changes_' || source)) IS NULL THEN
        RETURN 0;
    END IF;
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_wal_sources w WHERE w.source_relid = source) THEN
        EXECUTE format('DELETE FROM pgtrickle_changes.%I WHERE __pgt_change_id < 0', 'changes_' || source);
    END IF;
    SELECT min(pg_snapshot_xmax(st.frontier)), array_agg(st.frontier_xid) FILTER (WHERE st.frontier_xid IS NOT NULL),
           bool_or(st.frontier IS NULL)
      INTO below, own, unset
      FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
     WHERE d.source_relid = source AND d.cdc_mode <> 'NONE';
    IF unset THEN
        RETURN 0;   -- a reader without a frontier yet has consumed nothing
    END IF;
    consumed := format('DELETE FROM pgtrickle_changes.%I c WHERE %s NOT EXISTS (SELECT 1'
                       ' FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id'
                       ' WHERE d.source_relid = $1 AND d.cdc_mode <> ''NONE'''
                       ' AND NOT coalesce(pgtrickle._consumed(c.__pgt_xid, c.__pgt_change_id, st.frontier, st.frontier_xid,'
                       ' st.frontier_change_id), false))',
                       'changes_' || source,
                       -- (no reader left: every row goes)
                       CASE WHEN below IS NOT NULL THEN '(c.__pgt_xid < $2 OR c.__pgt_xid = ANY ($3)) AND' ELSE '' END);
    IF current_setting('transaction_isolation') = 'read committed' THEN
        EXECUTE consumed USING source, below, own;   -- (the usual case: no subtransaction on every refresh)
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN n;
    END IF;
    BEGIN
        EXECUTE consumed USING source, below, own;
        GET DIAGNOSTICS n = ROW_COUNT;
    EXCEPTION WHEN serialization_failure THEN
        n := 0;
    END;
    RETURN n;
END
$fn$;

-- The table a differential refresh of stream table `id` stages its consolidated delta in before
-- it MERGEs it: one per stream table, UNLOGGED, owned by the stream table's owner (the refresh
-- writes it as that role), (re)built when missing, when the storage's columns changed or when the
-- stream table changed hands. A refresh only deletes its rows, so no refresh creates or drops a
-- table (no catalog churn, no DDL event). Returns its qualified name, or NULL for a stream table
-- refreshed only in FULL (it stages nothing). Safe for anyone to call.
CREATE FUNCTION pgtrickle._staging_table(id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    name    text := format('pgtrickle_changes.%I', 'apply_' || id);
    st      record;
    wanted  text;
    current oid;
BEGIN
    -- one read of the catalog row: this runs before every differential refresh
    SELECT s.pgt_relid AS storage, s.delta_sql IS NULL AS full_only, s.output_columns::name[] AS columns,
           CASE s.row_identity WHEN 'MULTISET' THEN '__pgt_hash' ELSE '__pgt_row_id' END AS identity,
           c.relowner AS owner
      INTO st
      FROM pgtrickle.pgt_stream_tables s JOIN pg_class c ON c.oid = s.pgt_relid
     WHERE s.pgt_id = id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stream table with id % does not exist', id USING ERRCODE = 'undefined_table';
    END IF;
    IF st.full_only THEN
        RETURN NULL;
    END IF;
    -- the query's columns, the row identity, the delta's weight and a sequence number for MERGE windows
    wanted := pgtrickle._column_defs(st.storage, 0, st.columns)
              || ', ' || st.identity || ' bigint, __pgt_w bigint, __pgt_seq bigint';
    current := to_regclass(name);
    IF current IS NOT NULL AND (
           (SELECT c.relowner FROM pg_class c WHERE c.oid = current) <> st.owner
        OR wanted IS DISTINCT FROM pgtrickle._column_defs(current)) THEN
        EXECUTE format('DROP TABLE %s', name);
        current := NULL;
    END IF;
    IF current IS NULL THEN
        EXECUTE format('CREATE UNLOGGED TABLE %s (%s)', name, wanted);
        EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', name);
        EXECUTE format('ALTER TABLE %s OWNER TO %s', name, st.owner::regrole);
    END IF;
    RETURN name;
END
$fn$;

-- The table an algebraic aggregate with a HAVING keeps the groups HAVING leaves out in (their
-- counters, so that a change to such a group is applied from them rather than by reading the group
-- again): the storage's columns and row id, owned by the stream table's owner, LOGGED (its rows are
-- state, as the storage's are). Called by every FULL refresh, which then empties and refills it:
-- (re)built when missing or when the storage's columns changed, given to the owner when it belongs
-- to another role, dropped when the stream table keeps no such table. A table made anew marks the
-- stream table for a FULL refresh, so no differential one ever reads it empty. Returns its
-- qualified name, or NULL. For the stream table's owner (refreshes call it as their caller).
CREATE FUNCTION pgtrickle._left_out_table(id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    name    text := format('pgtrickle_changes.%I', 'left_out_' || id);
    st      record;
    wanted  text;
    current oid := to_regclass(name);
BEGIN
    SELECT s.pgt_relid AS storage, s.left_out_sql IS NOT NULL AS keeps, s.output_columns::name[] AS columns,
           c.relowner AS owner
      INTO st
      FROM pgtrickle.pgt_stream_tables s JOIN pg_class c ON c.oid = s.pgt_relid
     WHERE s.pgt_id = id;
    IF FOUND AND NOT pgtrickle._session_owns_stream_table(id) THEN
        RAISE EXCEPTION 'must be a member of the owner of stream table %', id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT FOUND OR NOT st.keeps THEN
        IF current IS NOT NULL THEN
            EXECUTE format('DROP TABLE %s', name);
        END IF;
        RETURN NULL;
    END IF;
    wanted := pgtrickle._column_defs(st.storage, 0, st.columns) || ', __pgt_row_id bigint';
    IF current IS NOT NULL AND wanted IS DISTINCT FROM pgtrickle._column_defs(current) THEN
        EXECUTE format('DROP TABLE %s', name);
        current := NULL;
    END IF;
    IF current IS NULL THEN
        EXECUTE format('CREATE TABLE %s (%s, PRIMARY KEY (__pgt_row_id))', name, wanted);
        EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', name);
        current := to_regclass(name);
        -- an empty table knows no left-out group: only a FULL refresh (which clears this) fills it
        UPDATE pgtrickle.pgt_stream_tables s SET needs_full_refresh = true WHERE s.pgt_id = id;
    END IF;
    IF (SELECT c.relowner FROM pg_class c WHERE c.oid = current) <> st.owner THEN
        EXECUTE format('ALTER TABLE %s OWNER TO %s', name, st.owner::regrole);
    END IF;
    RETURN name;
END
$fn$;

-- Drops the staging and left-out tables of a stream table being dropped.
CREATE FUNCTION pgtrickle._drop_work_tables(id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = id) THEN
        EXECUTE format('DROP TABLE IF EXISTS pgtrickle_changes.%I, pgtrickle_changes.%I', 'apply_' || id,
                       'left_out_' || id);
    END IF;
END
$fn$;

-- Rows in the change buffer of `source`, counted up to `cap`; for the advisor, which any role may
-- call (the buffer itself is readable only by the owners of the stream tables that read it).
CREATE FUNCTION pgtrickle._buffered_rows(source oid, cap bigint) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    n bigint := 0;
BEGIN
    IF to_regclass(format('pgtrickle_changes.%I', 'changes_' || source)) IS NOT NULL THEN
        EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM pgtrickle_changes.%I LIMIT $1) x', 'changes_' || source)
          INTO n USING cap;
    END IF;
    RETURN n;
END
$fn$;

-- A stream table that stopped refreshing gives up what it has not consumed: its frontier moves to
-- now, it no longer holds the replication slot (WAL capture), and its next refresh recomputes.
-- Resuming it gives it a restart position again (CatalogStore.resume), before any refresh can run.
CREATE FUNCTION pgtrickle._let_go(id bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
    UPDATE pgtrickle.pgt_stream_tables SET frontier = pg_current_snapshot(), frontier_xid = pg_current_xact_id(),
           frontier_change_id = nextval('pgtrickle_changes.change_id_seq'), needs_full_refresh = true,
           wal_restart_lsn = NULL, wal_restart_at = NULL
     WHERE pgt_id = id
$fn$;

-- A SUSPENDED or ERROR stream table does not consume changes, so it keeps every row its sources
-- capture from then on. Once one holds more than `max_rows` unconsumed rows of a source, it gives
-- them up: its frontier moves to now and its next refresh (after resume_stream_table or alter) is
-- FULL. Returns the stream tables released. Safe for anyone to call: it only makes a stalled
-- stream table recompute. `max_rows` 0 means no bound.
CREATE FUNCTION pgtrickle._release_inactive_buffers(max_rows bigint) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    st record;
    n  bigint;
BEGIN
    IF max_rows <= 0 THEN
        RETURN;
    END IF;
    FOR st IN SELECT s.pgt_id, d.source_relid, quote_ident(s.pgt_schema) || '.' || quote_ident(s.pgt_name) AS name,
                     s.frontier, s.frontier_xid, s.frontier_change_id
                FROM pgtrickle.pgt_stream_tables s JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = s.pgt_id
               WHERE s.status IN ('SUSPENDED', 'ERROR') AND d.cdc_mode <> 'NONE' AND s.frontier IS NOT NULL
                 AND to_regclass(format('pgtrickle_changes.%I', 'changes_' || d.source_relid)) IS NOT NULL LOOP
        EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM pgtrickle_changes.%I c'
                       ' WHERE NOT pgtrickle._consumed(c.__pgt_xid, c.__pgt_change_id, $1, $2, $3) LIMIT $4) x',
                       'changes_' || st.source_relid)
          INTO n USING st.frontier, st.frontier_xid, st.frontier_change_id, max_rows + 1;
        IF n > max_rows THEN
            PERFORM pgtrickle._let_go(st.pgt_id);
            PERFORM pgtrickle._cleanup_changes(st.source_relid);
            RAISE WARNING 'pg_trickle: % is % and held more than % unconsumed changes of %; they were released and'
                ' its next refresh will be FULL', st.name,
                (SELECT s.status FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = st.pgt_id), max_rows,
                st.source_relid::regclass;
            RETURN NEXT st.name;
        END IF;
    END LOOP;
END
$fn$;

-- After DDL on `objects` (NULL: on anything): a source among them or above them whose name,
-- columns or key changed makes its stream tables rebuild before their next refresh; capture is
-- brought in line with the source (new partitions get triggers, a changed column layout gets a new
-- buffer) so its writers keep working.
CREATE FUNCTION pgtrickle._check_sources(objects oid[] DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    d       record;
    shape   text;
    sources oid[];
BEGIN
    WITH RECURSIVE up(relid) AS (
        SELECT unnest(objects)
        UNION
        SELECT i.inhparent FROM pg_inherits i JOIN up ON i.inhrelid = up.relid)
    -- the sources among or above the objects, and those of stream tables whose storage is among
    -- them (ALTER TABLE st OWNER TO: the new owner must be able to read the buffers)
    SELECT array_agg(DISTINCT dep.source_relid) INTO sources
      FROM pgtrickle.pgt_dependencies dep
     WHERE objects IS NULL OR dep.source_relid IN (SELECT up.relid FROM up)
        OR dep.pgt_id IN (SELECT st.pgt_id FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = ANY (objects));
    FOR d IN SELECT dep.pgt_id, dep.source_relid, dep.source_shape FROM pgtrickle.pgt_dependencies dep
              WHERE dep.source_relid = ANY (sources) LOOP
        shape := pgtrickle._source_shape(d.source_relid);
        IF shape IS DISTINCT FROM d.source_shape THEN
            UPDATE pgtrickle.pgt_stream_tables st
               SET needs_rebuild = true,
                   rebuild_reason = format('source %s changed: was %s, now %s', d.source_relid,
                                           coalesce(d.source_shape, '?'), coalesce(shape, 'dropped'))
             WHERE st.pgt_id = d.pgt_id AND NOT st.needs_rebuild;
        END IF;
    END LOOP;
    FOR d IN SELECT DISTINCT dep.source_relid FROM pgtrickle.pgt_dependencies dep
              WHERE dep.source_relid = ANY (sources) AND dep.cdc_mode <> 'NONE' LOOP
        PERFORM pgtrickle._sync_capture(d.source_relid);
    END LOOP;
    -- a stream table that changed hands: its left-out groups follow (refreshes write them as the owner)
    FOR d IN SELECT c.oid AS left_out, o.relowner FROM pgtrickle.pgt_stream_tables st
               JOIN pg_class o ON o.oid = st.pgt_relid
               JOIN pg_class c ON c.relnamespace = 'pgtrickle_changes'::regnamespace AND c.relname = 'left_out_' || st.pgt_id
              WHERE (objects IS NULL OR st.pgt_relid = ANY (objects)) AND c.relowner <> o.relowner LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO %s', d.left_out::regclass, d.relowner::regrole);
    END LOOP;
END
$fn$;

CREATE FUNCTION pgtrickle._after_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    objects oid[];
    stack   text;
BEGIN
    GET DIAGNOSTICS stack = PG_CONTEXT;
    IF position('function pgtrickle._sync_capture(oid,boolean) line' IN stack) > 0 THEN
        RETURN;   -- capture's own DDL (a replica identity set for WAL capture)
    END IF;
    IF tg_tag = 'ALTER SCHEMA' THEN
        PERFORM pgtrickle._check_sources();   -- a renamed schema renames every source in it
        RETURN;
    END IF;
    -- Temporary tables (a refresh's staging table) and pg_trickle's own buffers (created inside
    -- _sync_capture, where checking them would recurse) are never sources.
    SELECT array_agg(c.objid) INTO objects
      FROM pg_event_trigger_ddl_commands() c
     WHERE c.classid = 'pg_class'::regclass AND c.schema_name IS DISTINCT FROM 'pgtrickle_changes'
       AND c.schema_name NOT LIKE 'pg\_temp%';
    IF objects IS NOT NULL THEN
        PERFORM pgtrickle._check_sources(objects);
    END IF;
END
$fn$;

-- Blocks dropping a table that a stream table reads, and dropping a stream table's storage other
-- than through drop_stream_table (which removes the catalog row first). Nothing turns it off.
-- SECURITY DEFINER: every role's DROP runs it, and it must read the catalog whoever drops.
CREATE FUNCTION pgtrickle._guard_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    obj record;
    dep record;
    touched boolean := false;
    stack text;
BEGIN
    -- A dropped column of a captured source would lose the rows a stream table is built from.
    FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table column' LOOP
        SELECT st.pgt_schema, st.pgt_name INTO dep
          FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
         WHERE d.source_relid = obj.objid AND d.cdc_mode <> 'NONE'
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'cannot drop column % because stream table %.% captures changes of its table',
                obj.object_identity, quote_ident(dep.pgt_schema), quote_ident(dep.pgt_name)
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Drop the stream table first, or alter it to FULL refresh mode.';
        END IF;
    END LOOP;
    FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
        -- (a refresh drops its temporary staging table every time: never a source)
        IF obj.schema_name IS DISTINCT FROM 'pgtrickle_changes' AND NOT obj.is_temporary
           AND obj.object_type IN ('table', 'trigger') THEN
            touched := true;
        END IF;
        CONTINUE WHEN obj.object_type <> 'table';
        SELECT st.pgt_schema, st.pgt_name INTO dep
          FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
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
    -- A dropped partition, child or capture trigger changes what capture covers, unless the drop
    -- is _sync_capture's own (the call stack says so; no other code can put that function on it).
    GET DIAGNOSTICS stack = PG_CONTEXT;
    IF touched AND position('function pgtrickle._sync_capture(oid,boolean) line' IN stack) = 0 THEN
        PERFORM pgtrickle._check_sources();
    END IF;
END
$fn$;

CREATE EVENT TRIGGER pgtrickle_guard_drop ON sql_drop EXECUTE FUNCTION pgtrickle._guard_drop();
CREATE EVENT TRIGGER pgtrickle_after_ddl ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE', 'ALTER SCHEMA', 'ALTER FOREIGN TABLE', 'CREATE FOREIGN TABLE',
                 'CREATE VIEW', 'ALTER VIEW')
    EXECUTE FUNCTION pgtrickle._after_ddl();
