package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** {@code L FULL JOIN R ON cond} = (L⋈R) + NULL-padded (L▷R) + NULL-padded (R▷L). */
public final class FullJoinOperator extends TwoInputOperator {

    private final String condition;

    public FullJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
        super(left, right);
        this.condition = condition;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Joins.outer(in, condition, Joins.Outer.FULL);
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("on", condition);
    }

    @Override
    public String describe() {
        return "FullJoin";
    }
}
