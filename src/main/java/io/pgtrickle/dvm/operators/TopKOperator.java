package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.ZSet;
import java.util.List;

/**
 * ORDER BY … LIMIT [OFFSET]: when the input changed, the top rows are recomputed from the OLD
 * input (−1) and the current input (+1). Ties at the cut make the result as nondeterministic as
 * the query itself.
 */
public final class TopKOperator extends OneInputOperator {

    private final String orderBy;
    private final String limit;
    private final String offset;

    /**
     * @param orderBy the ORDER BY list rewritten to the input's column names
     * @param limit   LIMIT expression text or null
     * @param offset  OFFSET expression text or null
     */
    public TopKOperator(DeltaOperator child, String orderBy, String limit, String offset) {
        super(child);
        this.orderBy = orderBy;
        this.limit = limit;
        this.offset = offset;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult c = in.get(0);
        String current = top(c, c.currentSql(), null);
        String delta = "SELECT *, 1 AS " + DiffResult.WEIGHT + " FROM (" + top(c, c.currentSql(), ZSet.changed(c))
                + ") n UNION ALL SELECT *, -1 FROM (" + top(c, ZSet.oldRows(c, ZSet.changed(c)), null) + ") o";
        return new DiffResult(current, delta, c.columns(), false);
    }

    private String top(DiffResult c, String from, String where) {
        return "SELECT " + Sql.columns("t", c.columns()) + ", NULL::bigint AS " + DiffResult.ROW_ID + " FROM (" + from
                + ") t" + (where == null ? "" : " WHERE " + where) + " ORDER BY " + orderBy
                + (limit == null ? "" : " LIMIT " + limit) + (offset == null ? "" : " OFFSET " + offset);
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("order by", orderBy, "limit", limit, "offset", offset);
    }

    @Override
    public String describe() {
        return "TopK";
    }
}
