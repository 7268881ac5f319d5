-- The SQL API as PL/Java functions (in-database host). Appended to catalog.sql to make the
-- extension script. The jar is on the backend JVM's class path (pljava.vmoptions).

CREATE FUNCTION pgtrickle.create_stream_table(name text, query text, schedule text DEFAULT NULL,
        refresh_mode text DEFAULT NULL, initialize boolean DEFAULT true, preset text DEFAULT NULL,
        cdc_mode text DEFAULT NULL)
RETURNS void LANGUAGE java
AS 'io.pgtrickle.api.SqlFunctions.createStreamTable(java.lang.String,java.lang.String,java.lang.String,java.lang.String,java.lang.Boolean,java.lang.String,java.lang.String)';

CREATE FUNCTION pgtrickle.alter_stream_table(name text, query text DEFAULT NULL, schedule text DEFAULT NULL,
        refresh_mode text DEFAULT NULL, status text DEFAULT NULL, preset text DEFAULT NULL,
        cdc_mode text DEFAULT NULL)
RETURNS void LANGUAGE java
AS 'io.pgtrickle.api.SqlFunctions.alterStreamTable(java.lang.String,java.lang.String,java.lang.String,java.lang.String,java.lang.String,java.lang.String,java.lang.String)';

CREATE FUNCTION pgtrickle.drop_stream_table(name text, "cascade" boolean DEFAULT false)
RETURNS void LANGUAGE java
AS 'io.pgtrickle.api.SqlFunctions.dropStreamTable(java.lang.String,java.lang.Boolean)';

CREATE FUNCTION pgtrickle.refresh_stream_table(name text)
RETURNS void LANGUAGE java
AS 'io.pgtrickle.api.SqlFunctions.refreshStreamTable(java.lang.String)';

CREATE FUNCTION pgtrickle.resume_stream_table(name text)
RETURNS void LANGUAGE java
AS 'io.pgtrickle.api.SqlFunctions.resumeStreamTable(java.lang.String)';

-- The statement the next differential refresh reads its changes with, then its plan (EXPLAIN, or
-- EXPLAIN ANALYZE with run_analyze => true: runs the read, changes nothing). Owner only.
CREATE FUNCTION pgtrickle.explain_refresh(name text, run_analyze boolean DEFAULT false)
RETURNS SETOF text LANGUAGE java
AS 'io.pgtrickle.api.SqlFunctions.explainRefresh(java.lang.String,java.lang.Boolean)';

CREATE FUNCTION pgtrickle._preview_fill(query text)
RETURNS void LANGUAGE java
AS 'io.pgtrickle.api.SqlFunctions.previewFill(java.lang.String)';

-- What create_stream_table would do with a query in AUTO mode; creates nothing.
CREATE FUNCTION pgtrickle.preview_stream_table(query text)
RETURNS TABLE (source_table text, source_type text, cdc_mode text, refresh_mode text, complexity text,
               operator_tree text, delta_template_bytes integer, full_template_bytes integer, warnings text,
               plan text)
LANGUAGE plpgsql AS $fn$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS __pgt_preview (source_table text, source_type text, cdc_mode text,
        refresh_mode text, complexity text, operator_tree text, delta_template_bytes integer,
        full_template_bytes integer, warnings text, plan text);
    TRUNCATE pg_temp.__pgt_preview;
    PERFORM pgtrickle._preview_fill(query);
    RETURN QUERY SELECT * FROM pg_temp.__pgt_preview;
    DROP TABLE pg_temp.__pgt_preview;
END
$fn$;

-- Writes the class-data sharing archive the backends' JVMs start from (pljava.vmoptions names it
-- with -XX:SharedArchiveFile=pg_trickle.jsa, a path in the data directory): the JVM of this
-- session, started with -XX:ArchiveClassesAtExit, loads what create, refresh, preview, explain,
-- alter and drop use (on a scratch table, all rolled back) and writes the archive when the session
-- ends. Superuser; call it first thing in a new session, then disconnect. Run it again after
-- upgrading pg_trickle, PL/Java or the JDK (a JVM refuses an archive of other jars, with a warning).
CREATE FUNCTION pgtrickle.write_class_archive(archive text DEFAULT 'pg_trickle.jsa') RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    options text := coalesce(current_setting('pljava.vmoptions', true), '');
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'only a superuser may write the class archive' USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- the archive the options read from is the one this session writes
    options := regexp_replace(options, '\s*-XX:SharedArchiveFile=\S*', '', 'g');
    PERFORM set_config('pljava.vmoptions', options || ' -XX:ArchiveClassesAtExit=' || archive, false);
    BEGIN
        CREATE SCHEMA pgtrickle_class_archive;
        CREATE TABLE pgtrickle_class_archive.t (id int PRIMARY KEY, k int, v numeric(10,2), doc jsonb);
        INSERT INTO pgtrickle_class_archive.t SELECT g, g % 7, g, jsonb_build_object('g', g) FROM generate_series(1, 50) g;
        PERFORM pgtrickle.create_stream_table('pgtrickle_class_archive.agg',
            'SELECT k, count(*) AS n, sum(v) AS s, max(doc->>''g'') AS g FROM pgtrickle_class_archive.t GROUP BY k',
            '1m', 'DIFFERENTIAL');
        PERFORM pgtrickle.create_stream_table('pgtrickle_class_archive.j',
            'SELECT a.id, b.v FROM pgtrickle_class_archive.t a JOIN pgtrickle_class_archive.t b USING (id)'
            ' WHERE EXISTS (SELECT 1 FROM pgtrickle_class_archive.t c WHERE c.k = a.k)', '1m', 'AUTO');
        UPDATE pgtrickle_class_archive.t SET v = v + 1 WHERE id <= 3;
        PERFORM pgtrickle.refresh_stream_table('pgtrickle_class_archive.agg');
        PERFORM pgtrickle.refresh_stream_table('pgtrickle_class_archive.j');
        PERFORM count(*) FROM pgtrickle.explain_refresh('pgtrickle_class_archive.agg');
        PERFORM * FROM pgtrickle.preview_stream_table('SELECT DISTINCT ON (k) k, v FROM pgtrickle_class_archive.t ORDER BY k, v');
        PERFORM pgtrickle.alter_stream_table('pgtrickle_class_archive.agg', refresh_mode => 'FULL');
        PERFORM pgtrickle.refresh_stream_table('pgtrickle_class_archive.agg');
        PERFORM pgtrickle.drop_stream_table('pgtrickle_class_archive.j');
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'pgtrickle: class archive training done';
    EXCEPTION WHEN raise_exception THEN
        IF SQLERRM <> 'pgtrickle: class archive training done' THEN
            RAISE;
        END IF;
    END;
    RETURN format('the class archive %s is written when this session ends; then start backends with'
                  ' pljava.vmoptions = ''%s -XX:SharedArchiveFile=%s''', archive, options, archive);
END
$fn$;
