package io.pgtrickle.dvm.operators;

import java.util.List;

/**
 * The inputs of an operator over two relations (joins, set operations, scalar subqueries), kept
 * here once so each operator states only its delta rule. Not a {@link DeltaOperator} of its own:
 * the operator classes are the ones extending it.
 */
abstract class TwoInputOperator implements DeltaOperator {

    private final DeltaOperator left;
    private final DeltaOperator right;

    /** {@code left}'s result is the first one passed to {@link #generateDelta}, {@code right}'s the second. */
    TwoInputOperator(DeltaOperator left, DeltaOperator right) {
        this.left = left;
        this.right = right;
    }

    @Override
    public final List<DeltaOperator> children() {
        return List.of(left, right);
    }
}
