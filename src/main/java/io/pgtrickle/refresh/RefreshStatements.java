package io.pgtrickle.refresh;

import io.pgtrickle.catalog.RowIdentity;
import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.MaintenancePlan;
import io.pgtrickle.dvm.Sql;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements one stream table is refreshed with, assembled from its catalog templates.
 * Built once per (table, catalog version) and kept in the L1 cache.
 */
record RefreshStatements(String fullInsert, String stageDelta, String[] merge, String applyTable) {

    static String stagingTable(long id) {
        return "pgtrickle_changes.apply_" + id;
    }

    /** The MERGE for rows {@code from < __pgt_seq <= to} of the staged delta. */
    String mergeWindow(long from, long to) {
        return merge[0] + "__pgt_seq > " + from + " AND a.__pgt_seq <= " + to + merge[1];
    }


    static RefreshStatements build(StreamTable st) {
        String target = st.name().quoted();
        List<String> cols = st.outputColumns();
        String rowId = MaintenancePlan.STORAGE_ROW_ID;
        String hash = MaintenancePlan.STORAGE_HASH;
        boolean multiset = st.rowIdentity() == RowIdentity.MULTISET;
        List<String> storageCols = new ArrayList<>(cols);
        storageCols.add(rowId);
        if (multiset) {
            storageCols.add(hash);
        }
        String fullInsert = frontierCte(st.id()) + " INSERT INTO " + target + " (" + Sql.columns(null, storageCols)
                + ") SELECT " + Sql.columns("q", storageCols) + " FROM (" + st.fullSql() + ") q";
        if (st.deltaSql() == null) {
            return new RefreshStatements(fullInsert, null, null, null);
        }
        // the stream table's own staging table (capture.sql, _staging_table), emptied after each refresh
        String apply = stagingTable(st.id());
        String w = DiffResult.WEIGHT;
        String d = "d";
        String stage;
        if (multiset) {
            stage = frontierCte(st.id()) + storageCte(target) + ", __pgt_d AS (" + st.deltaSql() + ") INSERT INTO " + apply + " ("
                    + Sql.columns(null, cols) + ", " + hash + ", __pgt_w, __pgt_seq) SELECT "
                    + Sql.columns("x", cols) + ", x." + hash + ", x.__pgt_net, row_number() OVER () FROM (SELECT "
                    + Sql.columns(d, cols) + ", d." + hash + ", sum(d." + w + ") OVER (PARTITION BY d." + hash
                    + ") AS __pgt_net, row_number() OVER (PARTITION BY d." + hash + ") AS __pgt_rn FROM __pgt_d d) x"
                    + " WHERE x.__pgt_rn = 1 AND x.__pgt_net <> 0";
        } else {
            String content = "pg_catalog.hashtextextended(" + Sql.rowText(d, cols) + ", 0)";
            stage = frontierCte(st.id()) + storageCte(target) + ", __pgt_d AS (" + st.deltaSql() + ") INSERT INTO " + apply + " ("
                    + Sql.columns(null, cols) + ", " + rowId + ", __pgt_w, __pgt_seq) SELECT "
                    + Sql.columns("y", cols) + ", y." + rowId + ", y.__pgt_net, row_number() OVER () FROM (SELECT x.*,"
                    + " bool_or(x.__pgt_net > 0) OVER (PARTITION BY x." + rowId + ") AS __pgt_has_ins FROM (SELECT "
                    + Sql.columns(d, cols) + ", d." + rowId + ", sum(d." + w + ") OVER (PARTITION BY d." + rowId + ", "
                    + content + ") AS __pgt_net, row_number() OVER (PARTITION BY d." + rowId + ", " + content
                    + ") AS __pgt_rn FROM __pgt_d d) x WHERE x.__pgt_rn = 1 AND x.__pgt_net <> 0) y"
                    + " WHERE y.__pgt_net > 0 OR NOT y.__pgt_has_ins";
        }
        String[] merge = multiset ? multisetMerge(target, apply, cols) : keyedMerge(target, apply, cols);
        return new RefreshStatements(fullInsert, stage, merge, apply);
    }

    /**
     * The delta a differential refresh of {@code st} would apply, as a statement that runs on its
     * own: it reads the changes pending since the frontier and consumes nothing (the frontier is
     * read, not advanced). What {@code pgtrickle.explain_refresh} shows and EXPLAINs.
     */
    static String pendingDelta(StreamTable st) {
        if (st.deltaSql() == null) {
            return null;
        }
        return "WITH " + DiffContext.FRONTIER_CTE + " AS (" + DiffContext.frontierOf(String.valueOf(st.id())) + ")"
                + storageCte(st.name().quoted()) + "\nSELECT * FROM (\n" + st.deltaSql() + "\n) pending";
    }

    /**
     * Advances the frontier in the same statement that reads the changes, so both use one snapshot;
     * {@value DiffContext#FRONTIER_CTE} still shows the previous frontier to the rest of the statement.
     */
    private static String frontierCte(long id) {
        return "WITH __pgt_adv AS (UPDATE pgtrickle.pgt_stream_tables SET frontier = pg_catalog.pg_current_snapshot(),"
                + " frontier_xid = pg_catalog.pg_current_xact_id(),"
                + " frontier_change_id = pg_catalog.nextval('pgtrickle_changes.change_id_seq'::pg_catalog.regclass),"
                + " data_timestamp = pg_catalog.statement_timestamp() WHERE pgt_id = " + id
                + " RETURNING 1), " + DiffContext.FRONTIER_CTE + " AS (" + DiffContext.frontierOf(String.valueOf(id)) + ")";
    }

    /** The storage as of the previous refresh, read by algebraic aggregates; inlined where referenced. */
    private static String storageCte(String target) {
        return ", " + DiffContext.STORAGE_CTE + " AS NOT MATERIALIZED (SELECT * FROM " + target + ")";
    }

    /** Split around the window condition on __pgt_seq; see {@link #mergeWindow}. */
    private static String[] keyedMerge(String target, String apply, List<String> cols) {
        String rowId = MaintenancePlan.STORAGE_ROW_ID;
        StringBuilder set = new StringBuilder();
        for (String c : cols) {
            set.append(set.length() == 0 ? "" : ", ").append(Sql.q(c)).append(" = s.").append(Sql.q(c));
        }
        return new String[] {"MERGE INTO " + target + " t USING (SELECT * FROM " + apply + " a WHERE a.",
                ") s ON t." + rowId + " = s." + rowId
                + " WHEN MATCHED AND s.__pgt_w < 0 THEN DELETE"
                + " WHEN MATCHED THEN UPDATE SET " + set
                + " WHEN NOT MATCHED AND s.__pgt_w > 0 THEN INSERT (" + Sql.columns(null, cols) + ", " + rowId
                + ") VALUES (" + Sql.columns("s", cols) + ", s." + rowId + ")"};
    }

    /**
     * Multiset rows are numbered 1..n per content; the k-th copy has id hash(content, k). Adding w
     * copies inserts numbers n+1..n+w, removing w copies deletes the top w numbers.
     */
    private static String[] multisetMerge(String target, String apply, List<String> cols) {
        String rowId = MaintenancePlan.STORAGE_ROW_ID;
        String hash = MaintenancePlan.STORAGE_HASH;
        return new String[] {"MERGE INTO " + target + " t USING (SELECT " + Sql.columns("a", cols) + ", a." + hash + ", a.__pgt_w,"
                + " " + MaintenancePlan.multisetRowId("a." + hash, "g.__pgt_k") + " AS " + rowId + " FROM " + apply + " a"
                + " CROSS JOIN LATERAL (SELECT count(*) AS n FROM " + target + " x WHERE x." + hash + " = a." + hash
                + ") cur CROSS JOIN LATERAL pg_catalog.generate_series("
                + "CASE WHEN a.__pgt_w > 0 THEN cur.n + 1 ELSE cur.n + a.__pgt_w + 1 END,"
                + " CASE WHEN a.__pgt_w > 0 THEN cur.n + a.__pgt_w ELSE cur.n END) g(__pgt_k)"
                + " WHERE a.", ") s ON t." + rowId + " = s." + rowId
                + " WHEN MATCHED AND s.__pgt_w < 0 THEN DELETE"
                + " WHEN NOT MATCHED AND s.__pgt_w > 0 THEN INSERT (" + Sql.columns(null, cols) + ", " + rowId + ", "
                + hash + ") VALUES (" + Sql.columns("s", cols) + ", s." + rowId + ", s." + hash + ")"};
    }
}
