package io.pgtrickle.dvm;

import io.pgtrickle.catalog.RowIdentity;
import java.util.List;

/**
 * The SQL templates a stream table is refreshed with, generated once at create/alter time.
 * {@code fullSql} yields every row with its storage identity; {@code deltaSql} yields the
 * weighted changes since the frontier (null for FULL-only tables). {@code outputColumns} are the
 * stored columns both yield: the query's, then {@code hiddenColumns} (maintenance counters, named
 * {@code __pgt_*}, whose types the storage DDL needs). {@code deltaConsolidated}: the delta has
 * at most one row per row id, +1 for the row's new content or -1 for its removal, and is applied as
 * it is; otherwise the refresh consolidates it first. {@code leftOutSql}, when not null: the stream
 * table keeps the groups its HAVING leaves out (their output and counter columns and row id) in a
 * table of their own, which this query fills on a FULL refresh, and the delta has a column
 * {@value DiffContext#LEFT_OUT_FLAG} (see {@link DiffContext#LEFT_OUT_CTE}).
 */
public record MaintenancePlan(RowIdentity rowIdentity, List<String> outputColumns, String fullSql,
                              String deltaSql, List<SourceTable.Column> hiddenColumns, boolean deltaConsolidated,
                              String leftOutSql) {

    public static final String STORAGE_ROW_ID = "__pgt_row_id";
    public static final String STORAGE_HASH = "__pgt_hash";

    /**
     * The row id of the {@code ordinal}-th copy of a keyless row whose content hash is
     * {@code contentHash}: copies are numbered 1..n per content, in the full state and when a
     * refresh adds or removes copies.
     */
    public static String multisetRowId(String contentHash, String ordinal) {
        return "pg_catalog.hash_record_extended(ROW(" + contentHash + ", " + ordinal + "), 0)";
    }

    public MaintenancePlan(RowIdentity rowIdentity, List<String> outputColumns, String fullSql, String deltaSql) {
        this(rowIdentity, outputColumns, fullSql, deltaSql, List.of(), false, null);
    }
}
