package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.Sql;
import java.util.List;

/**
 * How the scan operators read a captured source: the table itself is the current state; the delta
 * is the change-buffer rows whose writers committed after the frontier and are visible to the
 * refresh statement. Kept in one place so base tables and stream tables see changes alike.
 */
final class SourceScan {

    private SourceScan() {
    }

    /**
     * @param columns the columns the operator exposes
     * @param rowId   the row id expression over the row alias {@code s}
     */
    static DiffResult of(SourceTable source, List<String> columns, String rowId, boolean keyed) {
        String current = "SELECT " + Sql.columns("s", columns) + ", " + rowId + " AS " + DiffResult.ROW_ID
                + " FROM " + source.name().quoted() + " s";
        String f = DiffContext.FRONTIER_CTE;
        String delta = "SELECT " + Sql.columns("s", columns) + ", " + rowId + " AS " + DiffResult.ROW_ID
                + ", CASE s.__pgt_action WHEN 'I' THEN 1 ELSE -1 END AS " + DiffResult.WEIGHT
                + " FROM " + source.bufferTable() + " s, " + f
                + " WHERE s.__pgt_action IN ('I', 'D') AND " + DiffContext.writtenSinceFrontier("s.__pgt_xid")
                + " AND NOT " + DiffContext.consumedAtFrontier("s.__pgt_xid", "s.__pgt_change_id");
        return new DiffResult(current, delta, columns, keyed);
    }
}
