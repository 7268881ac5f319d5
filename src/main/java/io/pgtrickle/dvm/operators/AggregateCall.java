package io.pgtrickle.dvm.operators;

/**
 * One SELECT item of a GROUP BY block in the shape the algebraic aggregate understands: a group
 * key, or COUNT / SUM / AVG / MIN / MAX over one argument with an optional FILTER. Expressions
 * are PostgreSQL text over the aggregate's input columns.
 *
 * @param argument   the argument, or null for COUNT(*) and group keys
 * @param filter     the FILTER (WHERE …) condition, or null
 * @param fixedScale every value of the argument has the same numeric scale (an integer, or a
 *                   numeric column with a declared scale): SUM and AVG need not track scales
 */
public record AggregateCall(Kind kind, String argument, String filter, boolean fixedScale) {

    public enum Kind { KEY, COUNT, SUM, AVG, MIN, MAX }

    public static AggregateCall key() {
        return new AggregateCall(Kind.KEY, null, null, false);
    }

    /** The condition a row must meet to be aggregated (FILTER and, except for COUNT(*), a non-null argument). */
    String counted() {
        String f = filter == null ? "true" : "(" + filter + ") IS TRUE";
        return argument == null ? f : f + " AND (" + argument + ") IS NOT NULL";
    }
}
