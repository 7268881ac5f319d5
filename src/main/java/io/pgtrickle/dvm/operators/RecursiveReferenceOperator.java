package io.pgtrickle.dvm.operators;

import io.pgtrickle.dvm.DiffContext;
import io.pgtrickle.dvm.DiffResult;
import io.pgtrickle.dvm.Sql;
import java.util.List;

/**
 * The recursive term's reference to its own CTE. What it reads depends on where its
 * {@link RecursiveCteOperator} puts the term: the CTE itself inside {@code WITH RECURSIVE}, the
 * previous result or the new rows of a refresh. It never changes on its own: its delta is empty.
 */
public final class RecursiveReferenceOperator implements DeltaOperator {

    private final List<String> columns;
    private String relation;

    public RecursiveReferenceOperator(List<String> columns) {
        this.columns = List.copyOf(columns);
    }

    /** The relation (a CTE name of the statement) the reference reads in the next generation. */
    void readFrom(String relation) {
        this.relation = relation;
    }

    @Override
    public List<DeltaOperator> children() {
        return List.of();
    }

    @Override
    public DiffResult generateDelta(DiffContext ctx, List<DiffResult> children) {
        String cols = Sql.columns("w", columns);
        String from = " FROM " + relation + " w";
        return new DiffResult("SELECT " + cols + ", NULL::bigint AS " + DiffResult.ROW_ID + from,
                "SELECT " + cols + ", NULL::bigint AS " + DiffResult.ROW_ID + ", 0 AS " + DiffResult.WEIGHT + from
                        + " WHERE false", columns, false);
    }

    @Override
    public boolean isMonotone() {
        return true;
    }

    @Override
    public String describe() {
        return "RecursiveReference";
    }
}
