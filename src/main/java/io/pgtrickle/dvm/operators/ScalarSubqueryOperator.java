package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import java.util.List;

/**
 * An uncorrelated scalar subquery that always yields exactly one row (a global aggregate), used
 * in SELECT or WHERE: its value becomes a column of every input row, so the delta is that of a
 * cross join with a one-row relation — a change of the value re-emits every row.
 */
public final class ScalarSubqueryOperator implements DeltaOperator {

    private final DeltaOperator input;
    private final DeltaOperator subquery;

    public ScalarSubqueryOperator(DeltaOperator input, DeltaOperator subquery) {
        this.input = input;
        this.subquery = subquery;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(input, subquery);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult l = in.get(0);
        DiffResult s = in.get(1);
        boolean keyed = l.keyed() && s.keyed();
        return new DiffResult(JoinSql.innerCurrent(l, s, "TRUE", keyed), JoinSql.innerDelta(l, s, "TRUE", keyed),
                JoinSql.columns(l, s), keyed);
    }

    @Override
    public String describe() {
        return "ScalarSubquery";
    }
}
