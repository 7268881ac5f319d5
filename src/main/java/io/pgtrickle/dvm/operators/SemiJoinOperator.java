package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/**
 * {@code WHERE EXISTS (subquery)} / {@code x IN (subquery)}: the rows of L with a match in R.
 * A row's status changes only when it is in ΔL or matches a row of ΔR, and only those are re-checked.
 */
public final class SemiJoinOperator extends TwoInputOperator {

    private final String condition;

    public SemiJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
        super(left, right);
        this.condition = condition;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Joins.semi(in, condition);
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("on", condition);
    }

    @Override
    public String describe() {
        return "SemiJoin";
    }
}
