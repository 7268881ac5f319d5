package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** EXCEPT [ALL]: max(n_left − n_right, 0) copies (ALL) or one copy when only the left has the row. */
public final class ExceptOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;
    private final boolean all;

    public ExceptOperator(DeltaOperator left, DeltaOperator right, boolean all) {
        this.left = left;
        this.right = right;
        this.all = all;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(left, right);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        String delta = Counting.delta(ctx, in, n -> all ? "greatest(" + n.get(0) + " - " + n.get(1) + ", 0)"
                : "(" + Counting.positive(n.get(0)) + ") * (1 - " + Counting.positive(n.get(1)) + ")", !all);
        return new DiffResult(Counting.current(in, all ? "EXCEPT ALL" : "EXCEPT", !all), delta,
                in.get(0).columns(), !all);
    }

    @Override
    public String describe() {
        return "Except";
    }
}
