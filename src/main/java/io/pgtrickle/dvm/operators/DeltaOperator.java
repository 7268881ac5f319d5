package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import java.util.List;

/**
 * One node of a stream table's operator tree. It turns its children's results into its own:
 * the relation as of the refresh snapshot and its delta since the frontier.
 */
public interface DeltaOperator {

    /** The inputs, in the order their results are passed to {@link #generateDelta}. */
    List<DeltaOperator> children();

    DiffResult generateDelta(DiffContext ctx, List<DiffResult> children);

    /** Whether the delta could be applied inside the writing transaction (IMMEDIATE mode). */
    default boolean supportsImmediateMode() {
        return false;
    }

    /** Whether inserts into the inputs only ever produce inserts in the output. */
    default boolean isMonotone() {
        return false;
    }

    /**
     * The operator's parameters as a printed plan shows them (expressions as PostgreSQL text, keys,
     * names), "" when it has none; see {@link PlanPrinter}.
     */
    default String detail() {
        return "";
    }

    /** A short name for previews and error messages. */
    String describe();
}
