package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.Sql;
import java.util.List;

/**
 * A base table. Current state is the table itself; the delta is the change-buffer rows whose
 * writers committed after the frontier and are visible to the refresh statement.
 * Row identity is the primary key when there is one.
 */
public final class ScanOperator implements DeltaOperator {

    private final SourceTable source;

    public ScanOperator(SourceTable source) {
        this.source = source;
    }

    public SourceTable source() {
        return source;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of();
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> children) {
        List<String> cols = source.columnNames();
        String rid = source.hasPrimaryKey()
                ? "hashtextextended(" + Sql.rowText("s", source.primaryKey()) + ", 0)"
                : "NULL::bigint";
        String current = "SELECT " + Sql.columns("s", cols) + ", " + rid + " AS " + DiffResult.ROW_ID
                + " FROM " + source.name().quoted() + " s";
        String f = DiffContext.FRONTIER_CTE;
        String delta = "SELECT " + Sql.columns("s", cols) + ", " + rid + " AS " + DiffResult.ROW_ID
                + ", CASE s.__pgt_action WHEN 'I' THEN 1 ELSE -1 END AS " + DiffResult.WEIGHT
                + " FROM " + source.bufferTable() + " s, " + f
                + " WHERE s.__pgt_action IN ('I', 'D') AND s.__pgt_xid >= pg_snapshot_xmin(" + f + ".prev)"
                + " AND NOT " + DiffContext.consumedAtFrontier("s.__pgt_xid");
        return new DiffResult(current, delta, cols, source.hasPrimaryKey());
    }

    @Override
    public boolean supportsImmediateMode() {
        return true;
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String describe() {
        return "Scan(" + source.name().display() + ")";
    }
}
