package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/**
 * An uncorrelated scalar subquery that always yields exactly one row (a global aggregate), used
 * in SELECT or WHERE: its value becomes a column of every input row, so the delta is that of a
 * cross join with a one-row relation — a change of the value re-emits every row.
 */
public final class ScalarSubqueryOperator extends TwoInputOperator {

    public ScalarSubqueryOperator(DeltaOperator input, DeltaOperator subquery) {
        super(input, subquery);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Joins.inner(in, "TRUE");
    }

    @Override
    public String describe() {
        return "ScalarSubquery";
    }
}
