-- The SQL API as PL/Java functions (in-database host). Appended to catalog.sql to make the
-- extension script. The jar is on the backend JVM's class path (pljava.vmoptions).

CREATE FUNCTION pgtrickle.create_stream_table(name text, query text, schedule text DEFAULT NULL,
        refresh_mode text DEFAULT NULL, initialize boolean DEFAULT true, preset text DEFAULT NULL)
RETURNS void LANGUAGE java
AS 'io.pgtrickle.api.SqlFunctions.createStreamTable(java.lang.String,java.lang.String,java.lang.String,java.lang.String,java.lang.Boolean,java.lang.String)';

CREATE FUNCTION pgtrickle.alter_stream_table(name text, query text DEFAULT NULL, schedule text DEFAULT NULL,
        refresh_mode text DEFAULT NULL, status text DEFAULT NULL, preset text DEFAULT NULL)
RETURNS void LANGUAGE java
AS 'io.pgtrickle.api.SqlFunctions.alterStreamTable(java.lang.String,java.lang.String,java.lang.String,java.lang.String,java.lang.String,java.lang.String)';

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
               operator_tree text, delta_template_bytes integer, full_template_bytes integer, warnings text)
LANGUAGE plpgsql AS $fn$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS __pgt_preview (source_table text, source_type text, cdc_mode text,
        refresh_mode text, complexity text, operator_tree text, delta_template_bytes integer,
        full_template_bytes integer, warnings text);
    TRUNCATE pg_temp.__pgt_preview;
    PERFORM pgtrickle._preview_fill(query);
    RETURN QUERY SELECT * FROM pg_temp.__pgt_preview;
    DROP TABLE pg_temp.__pgt_preview;
END
$fn$;
