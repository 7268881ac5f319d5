package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.JoinSql;
import java.util.List;

/** {@code L CROSS JOIN R} (or a comma): the inner-join delta rule with a TRUE condition. */
public final class CrossJoinOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;
    private final String condition = "TRUE";

    public CrossJoinOperator(DeltaOperator left, DeltaOperator right) {
        this.left = left;
        this.right = right;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(left, right);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        DiffResult l = in.get(0);
        DiffResult r = in.get(1);
        boolean keyed = l.keyed() && r.keyed();
        return new DiffResult(JoinSql.innerCurrent(l, r, condition, keyed), JoinSql.innerDelta(l, r, condition, keyed),
                JoinSql.columns(l, r), keyed);
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String describe() {
        return "CrossJoin";
    }
}
