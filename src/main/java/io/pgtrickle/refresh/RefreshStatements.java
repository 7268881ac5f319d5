package io.pgtrickle.refresh;

import io.pgtrickle.catalog.RowIdentity;
import io.pgtrickle.catalog.StreamTable;
import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.MaintenancePlan;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.sql.Identifiers;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements one stream table is refreshed with, assembled from its catalog templates.
 * Built once per (table, catalog version) and kept in the L1 cache.
 *
 * <p>A differential refresh computes the delta and consolidates it (one row per storage row, net
 * weight) in one statement, which also advances the frontier and records the delta's counts
 * ({@code last_delta}). A small delta is MERGEd by that same statement ({@link #mergeDelta}); a large
 * one is staged ({@link #stageDelta}) and MERGEd from the staging table in windows.
 */
record RefreshStatements(String fullInsert, String fullLoad, String mergeDelta, String stageDelta,
                         String[] mergeStaged, String applyTable) {

    static String stagingTable(long id) {
        return "pgtrickle_changes.apply_" + id;
    }

    /** Where a stream table keeps the groups its HAVING leaves out (capture.sql, _left_out_table). */
    static String leftOutTable(long id) {
        return "pgtrickle_changes.left_out_" + id;
    }

    /**
     * {@link #fullLoad} with the rows read through {@code pgtrickle._query_rows}, where PostgreSQL
     * may compute them in parallel, or null where the full SQL reads the statement's own CTEs.
     * {@code types}: those of {@code storageColumns} ({@link #storageColumns}), as
     * {@code pgtrickle._column_types} prints them; each value is cast to its column's type, so the
     * rows match the column definition list exactly.
     */
    static String fullLoadInParallel(StreamTable st, List<String> storageColumns, List<String> types) {
        if (st.fullSql().contains(DiffContext.FRONTIER_CTE) || st.fullSql().contains(DiffContext.STORAGE_CTE)) {
            return null;
        }
        StringBuilder select = new StringBuilder();
        StringBuilder definitions = new StringBuilder();
        for (int i = 0; i < storageColumns.size(); i++) {
            String c = Sql.q(storageColumns.get(i));
            select.append(i == 0 ? "" : ", ").append("q.").append(c).append("::").append(types.get(i));
            definitions.append(i == 0 ? "" : ", ").append(c).append(' ').append(types.get(i));
        }
        String rows = "SELECT " + select + " FROM (" + st.fullSql() + ") q";
        return fullInsertInto(st, storageColumns) + "SELECT * FROM pgtrickle._query_rows(" + Identifiers.literal(rows)
                + ") AS q(" + definitions + ")";
    }

    /**
     * The start of every FULL load: the frontier advanced in the same statement (and the emptied
     * left-out table filled, so that it and the storage are of one snapshot), then the INSERT's target.
     */
    private static String fullInsertInto(StreamTable st, List<String> storageColumns) {
        String leftOut = st.leftOutSql() == null ? "" : ", __pgt_lo_fill AS (INSERT INTO " + leftOutTable(st.id()) + " ("
                + Sql.columns(null, storageColumns) + ") SELECT " + Sql.columns("q", storageColumns) + " FROM ("
                + st.leftOutSql() + ") q)";
        return "WITH " + advance(st.id(), null) + ", " + frontier(st.id()) + leftOut + " INSERT INTO " + st.name().quoted()
                + " (" + Sql.columns(null, storageColumns) + ") ";
    }

    /** The storage columns a FULL refresh writes, in the order of {@link #fullLoad}'s column list. */
    static List<String> storageColumns(StreamTable st) {
        List<String> out = new ArrayList<>(st.outputColumns());
        if (st.rowIdentity() != RowIdentity.NONE) {
            out.add(MaintenancePlan.STORAGE_ROW_ID);
        }
        if (st.rowIdentity() == RowIdentity.MULTISET) {
            out.add(MaintenancePlan.STORAGE_HASH);
        }
        return out;
    }

    /** The MERGE for rows {@code from < __pgt_seq <= to} of the staged delta. */
    String mergeWindow(long from, long to) {
        return mergeStaged[0] + "(SELECT * FROM " + applyTable + " WHERE __pgt_seq > " + from + " AND __pgt_seq <= " + to
                + ")" + mergeStaged[1];
    }

    static RefreshStatements build(StreamTable st) {
        String target = st.name().quoted();
        List<String> cols = st.outputColumns();
        String rowId = MaintenancePlan.STORAGE_ROW_ID;
        String hash = MaintenancePlan.STORAGE_HASH;
        boolean multiset = st.rowIdentity() == RowIdentity.MULTISET;
        List<String> storageCols = storageColumns(st);
        // Into storage whose indexes are kept, rows arrive in row id order, so the row id index (hashes:
        // random order otherwise) is filled from left to right; for a million rows that halves the
        // insert. Into storage whose indexes are built afterwards (fullLoad), order is no use.
        String fullLoad = fullInsertInto(st, storageCols) + "SELECT " + Sql.columns("q", storageCols) + " FROM ("
                + st.fullSql() + ") q";
        String fullInsert = fullLoad + (st.rowIdentity() == RowIdentity.NONE ? "" : " ORDER BY q." + rowId);
        if (st.deltaSql() == null) {
            return new RefreshStatements(fullInsert, fullLoad, null, null, null, null);
        }
        // the stream table's own staging table (capture.sql, _staging_table), emptied after each refresh
        String apply = stagingTable(st.id());
        String identity = multiset ? hash : rowId;
        String delta = "WITH " + frontier(st.id()) + storageCte(target) + leftOutCte(st) + ", __pgt_d AS ("
                + st.deltaSql() + "), " + CONSOLIDATED + " AS ("
                + (st.deltaConsolidated() ? asIs(cols, st.leftOutSql() != null) : consolidated(cols, multiset)) + "), "
                + leftOutChanges(st, cols) + advance(st.id(), CONSOLIDATED) + "\n";
        String stage = delta + "INSERT INTO " + apply + " (" + Sql.columns(null, cols) + ", " + identity + ", __pgt_w, __pgt_seq)"
                + " SELECT " + Sql.columns("c", cols) + ", c." + identity + ", c.__pgt_w, row_number() OVER () FROM "
                + CONSOLIDATED + " c";
        String[] merge = multiset ? multisetMerge(target, cols) : keyedMerge(target, cols);
        return new RefreshStatements(fullInsert, fullLoad, delta + merge[0] + CONSOLIDATED + merge[1], stage, merge, apply);
    }

    /**
     * The consolidated delta: one row per storage row with its net weight {@code __pgt_w} (never 0), a
     * bigint as in the staging table (a multiset row id hashes the copy number, whose type follows it).
     */
    private static final String CONSOLIDATED = "__pgt_c";

    /**
     * A delta that is consolidated already (MaintenancePlan#deltaConsolidated), typed as the staging
     * table; without its rows of weight 0, which only change the left-out table ({@link #leftOutChanges}).
     */
    private static String asIs(List<String> cols, boolean keepsLeftOut) {
        return "SELECT " + Sql.columns("d", cols) + ", d." + MaintenancePlan.STORAGE_ROW_ID + ", d." + DiffResult.WEIGHT
                + "::bigint AS " + DiffResult.WEIGHT + " FROM __pgt_d d" + (keepsLeftOut ? " WHERE d." + DiffResult.WEIGHT
                + " <> 0" : "");
    }

    /** The groups HAVING left out as of the previous refresh, read by the delta like the storage. */
    private static String leftOutCte(StreamTable st) {
        return st.leftOutSql() == null ? "" : ", " + DiffContext.LEFT_OUT_CTE + " AS NOT MATERIALIZED (SELECT * FROM "
                + leftOutTable(st.id()) + ")";
    }

    /**
     * The left-out table brought up to date by the delta's rows of weight 0, in the refresh's statement:
     * a group HAVING leaves out now is put there with its new counters, one it keeps now (or gone) is
     * taken out. The delta never names a group in both.
     */
    private static String leftOutChanges(StreamTable st, List<String> cols) {
        if (st.leftOutSql() == null) {
            return "";
        }
        String table = leftOutTable(st.id());
        String rowId = MaintenancePlan.STORAGE_ROW_ID;
        String zero = "d." + DiffResult.WEIGHT + " = 0 AND ";
        StringBuilder set = new StringBuilder();
        for (String c : cols) {
            set.append(set.length() == 0 ? "" : ", ").append(Sql.q(c)).append(" = EXCLUDED.").append(Sql.q(c));
        }
        return "__pgt_lo_out AS (DELETE FROM " + table + " t USING __pgt_d d WHERE " + zero + "NOT d."
                + DiffContext.LEFT_OUT_FLAG + " AND t." + rowId + " = d." + rowId + "), __pgt_lo_in AS (INSERT INTO "
                + table + " (" + Sql.columns(null, cols) + ", " + rowId + ") SELECT " + Sql.columns("d", cols) + ", d."
                + rowId + " FROM __pgt_d d WHERE " + zero + "d." + DiffContext.LEFT_OUT_FLAG + " ON CONFLICT (" + rowId
                + ") DO UPDATE SET " + set + "), ";
    }

    private static String consolidated(List<String> cols, boolean multiset) {
        String w = DiffResult.WEIGHT;
        String d = "d";
        if (multiset) {
            return "SELECT " + Sql.columns("x", cols) + ", x." + MaintenancePlan.STORAGE_HASH + ", x.__pgt_net::bigint AS __pgt_w"
                    + " FROM (SELECT " + Sql.columns(d, cols) + ", d." + MaintenancePlan.STORAGE_HASH + ", sum(d." + w
                    + ") OVER (PARTITION BY d." + MaintenancePlan.STORAGE_HASH + ") AS __pgt_net, row_number() OVER"
                    + " (PARTITION BY d." + MaintenancePlan.STORAGE_HASH + ") AS __pgt_rn FROM __pgt_d d) x"
                    + " WHERE x.__pgt_rn = 1 AND x.__pgt_net <> 0";
        }
        // per row id, the new content wins over the deletion of the old (an update)
        String rowId = MaintenancePlan.STORAGE_ROW_ID;
        String content = "pg_catalog.hashtextextended(" + Sql.rowText(d, cols) + ", 0)";
        return "SELECT " + Sql.columns("y", cols) + ", y." + rowId + ", y.__pgt_net::bigint AS __pgt_w FROM (SELECT x.*,"
                + " bool_or(x.__pgt_net > 0) OVER (PARTITION BY x." + rowId + ") AS __pgt_has_ins FROM (SELECT "
                + Sql.columns(d, cols) + ", d." + rowId + ", sum(d." + w + ") OVER (PARTITION BY d." + rowId + ", "
                + content + ") AS __pgt_net, row_number() OVER (PARTITION BY d." + rowId + ", " + content
                + ") AS __pgt_rn FROM __pgt_d d) x WHERE x.__pgt_rn = 1 AND x.__pgt_net <> 0) y"
                + " WHERE y.__pgt_net > 0 OR NOT y.__pgt_has_ins";
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
                + storageCte(st.name().quoted()) + leftOutCte(st) + "\nSELECT * FROM (\n" + st.deltaSql() + "\n) pending";
    }

    /**
     * Advances the frontier in the statement that reads the changes, so both use one snapshot; the
     * statement's {@value DiffContext#FRONTIER_CTE} still shows the previous frontier (every part of
     * a statement sees the catalog row as it was). With {@code consolidated}, also records the delta's
     * counts: rows inserted, rows deleted, rows.
     */
    private static String advance(long id, String consolidated) {
        String counts = consolidated == null ? "NULL" : "(SELECT ARRAY[coalesce(sum(greatest(c.__pgt_w, 0)), 0),"
                + " coalesce(sum(greatest(-c.__pgt_w, 0)), 0), count(*)]::bigint[] FROM " + consolidated + " c)";
        return "__pgt_adv AS (UPDATE pgtrickle.pgt_stream_tables SET frontier = pg_catalog.pg_current_snapshot(),"
                + " frontier_xid = pg_catalog.pg_current_xact_id(),"
                + " frontier_change_id = pg_catalog.nextval('pgtrickle_changes.change_id_seq'::pg_catalog.regclass),"
                + " data_timestamp = pg_catalog.statement_timestamp(), last_delta = " + counts + " WHERE pgt_id = " + id
                + " RETURNING 1)";
    }

    private static String frontier(long id) {
        return DiffContext.FRONTIER_CTE + " AS (" + DiffContext.frontierOf(String.valueOf(id)) + ")";
    }

    /** The storage as of the previous refresh, read by algebraic aggregates; inlined where referenced. */
    private static String storageCte(String target) {
        return ", " + DiffContext.STORAGE_CTE + " AS NOT MATERIALIZED (SELECT * FROM " + target + ")";
    }

    /** Split around the rows to merge (a table name or a parenthesised query); see {@link #mergeWindow}. */
    private static String[] keyedMerge(String target, List<String> cols) {
        String rowId = MaintenancePlan.STORAGE_ROW_ID;
        StringBuilder set = new StringBuilder();
        for (String c : cols) {
            set.append(set.length() == 0 ? "" : ", ").append(Sql.q(c)).append(" = s.").append(Sql.q(c));
        }
        return new String[] {"MERGE INTO " + target + " t USING ",
                " s ON t." + rowId + " = s." + rowId
                + " WHEN MATCHED AND s.__pgt_w < 0 THEN DELETE"
                + " WHEN MATCHED THEN UPDATE SET " + set
                + " WHEN NOT MATCHED AND s.__pgt_w > 0 THEN INSERT (" + Sql.columns(null, cols) + ", " + rowId
                + ") VALUES (" + Sql.columns("s", cols) + ", s." + rowId + ")"};
    }

    /**
     * Multiset rows are numbered 1..n per content; the k-th copy has id hash(content, k). Adding w
     * copies inserts numbers n+1..n+w, removing w copies deletes the top w numbers.
     */
    private static String[] multisetMerge(String target, List<String> cols) {
        String rowId = MaintenancePlan.STORAGE_ROW_ID;
        String hash = MaintenancePlan.STORAGE_HASH;
        return new String[] {"MERGE INTO " + target + " t USING (SELECT " + Sql.columns("a", cols) + ", a." + hash + ", a.__pgt_w,"
                + " " + MaintenancePlan.multisetRowId("a." + hash, "g.__pgt_k") + " AS " + rowId + " FROM ",
                " a CROSS JOIN LATERAL (SELECT count(*) AS n FROM " + target + " x WHERE x." + hash + " = a." + hash
                + ") cur CROSS JOIN LATERAL pg_catalog.generate_series("
                + "CASE WHEN a.__pgt_w > 0 THEN cur.n + 1 ELSE cur.n + a.__pgt_w + 1 END,"
                + " CASE WHEN a.__pgt_w > 0 THEN cur.n + a.__pgt_w ELSE cur.n END) g(__pgt_k)"
                + ") s ON t." + rowId + " = s." + rowId
                + " WHEN MATCHED AND s.__pgt_w < 0 THEN DELETE"
                + " WHEN NOT MATCHED AND s.__pgt_w > 0 THEN INSERT (" + Sql.columns(null, cols) + ", " + rowId + ", "
                + hash + ") VALUES (" + Sql.columns("s", cols) + ", s." + rowId + ", s." + hash + ")"};
    }
}
