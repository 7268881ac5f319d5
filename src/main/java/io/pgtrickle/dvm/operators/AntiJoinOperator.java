package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/**
 * {@code WHERE NOT EXISTS (subquery)} / {@code x NOT IN (subquery)}: the rows of L without a match in R
 * (NOT IN arrives as the condition {@code (x = y) IS NOT FALSE}, which is its NULL semantics).
 * A row's status changes only when it is in ΔL or matches a row of ΔR, and only those are re-checked.
 */
public final class AntiJoinOperator extends TwoInputOperator {

    private final String condition;

    public AntiJoinOperator(DeltaOperator left, DeltaOperator right, String condition) {
        super(left, right);
        this.condition = condition;
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        return Joins.anti(in, condition);
    }

    @Override
    public String detail() {
        return PlanPrinter.detail("on", condition);
    }

    @Override
    public String describe() {
        return "AntiJoin";
    }
}
