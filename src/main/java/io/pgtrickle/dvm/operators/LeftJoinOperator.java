package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/**
 * {@code L LEFT JOIN R ON cond} = (L⋈R) + NULL-padded (L▷R). The inner part uses the join rule;
 * the padded part is the anti-join delta, which re-checks only L rows touched by ΔL or matching ΔR.
 */
public final class LeftJoinOperator extends TwoInputOperator {

    private final String condition;

    public LeftJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
        super(left, right);
        this.condition = condition;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Joins.outer(in, condition, Joins.Outer.LEFT);
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("on", condition);
    }

    @Override
    public String describe() {
        return "LeftJoin";
    }
}
