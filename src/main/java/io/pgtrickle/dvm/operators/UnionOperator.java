package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/** UNION: a row is present while its count over both inputs is positive; keyed by content hash. */
public final class UnionOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;

    public UnionOperator(DeltaOperator left, DeltaOperator right) {
        this.left = left;
        this.right = right;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of(left, right);
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> in) {
        String delta = Counting.delta(ctx, in, n -> Counting.positive(n.get(0) + " + " + n.get(1)), true);
        return new DiffResult(Counting.current(in, "UNION", true), delta, in.get(0).columns(), true);
    }

    @Override
    public String describe() {
        return "Union";
    }
}
