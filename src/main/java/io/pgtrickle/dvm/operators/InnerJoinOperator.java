package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** {@code L JOIN R ON cond}: Δ = ΔL⋈R_old + L_new⋈ΔR; keyed when both inputs are. */
public final class InnerJoinOperator extends TwoInputOperator {

    private final String condition;

    /** @param condition the user's ON condition rewritten to the inputs' column names */
    public InnerJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
        super(left, right);
        this.condition = condition;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Joins.inner(in, condition);
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("on", condition);
    }

    @Override
    public String describe() {
        return "InnerJoin";
    }
}
