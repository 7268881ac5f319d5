package io.pgtrickle.dvm.operators;

import java.util.List;

/**
 * The input of an operator over one relation (filter, project, aggregate, window, TopK,
 * DISTINCT), kept here once so each operator states only its delta rule. Not a
 * {@link DeltaOperator} of its own: the operator classes are the ones extending it.
 */
abstract class OneInputOperator implements DeltaOperator {

    private final DeltaOperator child;

    OneInputOperator(DeltaOperator child) {
        this.child = child;
    }

    DeltaOperator child() {
        return child;
    }

    @Override
    public final List<DeltaOperator> children() {
        return List.of(child);
    }
}
