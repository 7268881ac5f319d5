package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** {@code L CROSS JOIN R} (or a comma): the inner-join delta rule with a TRUE condition. */
public final class CrossJoinOperator extends TwoInputOperator {

    public CrossJoinOperator(DeltaOperator left, DeltaOperator right) {
        super(left, right);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Joins.inner(in, "TRUE");
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
