package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** {@code L RIGHT JOIN R ON cond} = (L⋈R) + NULL-padded (R▷L); columns stay in L, R order. */
public final class RightJoinOperator extends TwoInputOperator {

    private final String condition;

    public RightJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
        super(left, right);
        this.condition = condition;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Joins.outer(in, condition, Joins.Outer.RIGHT);
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("on", condition);
    }

    @Override
    public String describe() {
        return "RightJoin";
    }
}
