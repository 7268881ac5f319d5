package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.MaintenancePlan;
import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.Sql;
import java.util.List;

/**
 * Another stream table as a source. Its storage has change capture like any table; its hidden
 * {@code __pgt_*} columns stay hidden, and its unique {@code __pgt_row_id} is the row identity.
 */
public final class StreamTableScanOperator implements DeltaOperator {

    private final SourceTable source;

    public StreamTableScanOperator(SourceTable source) {
        this.source = source;
    }

    /** The columns a user query sees. */
    public static List<String> visibleColumns(SourceTable source) {
        return source.columnNames().stream().filter(c -> !c.startsWith("__pgt_")).toList();
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of();
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> children) {
        List<String> cols = visibleColumns(source);
        String rid = "s." + MaintenancePlan.STORAGE_ROW_ID;
        String current = "SELECT " + Sql.columns("s", cols) + ", " + rid + " AS " + DiffResult.ROW_ID
                + " FROM " + source.name().quoted() + " s";
        String f = DiffContext.FRONTIER_CTE;
        String delta = "SELECT " + Sql.columns("s", cols) + ", " + rid + " AS " + DiffResult.ROW_ID
                + ", CASE s.__pgt_action WHEN 'I' THEN 1 ELSE -1 END AS " + DiffResult.WEIGHT
                + " FROM " + source.bufferTable() + " s, " + f
                + " WHERE s.__pgt_action IN ('I', 'D') AND s.__pgt_xid >= pg_snapshot_xmin(" + f + ".prev)"
                + " AND NOT " + DiffContext.consumedAtFrontier("s.__pgt_xid");
        return new DiffResult(current, delta, cols, true);
    }

    @Override
    public String describe() {
        return "StreamTableScan(" + source.name().display() + ")";
    }
}
