package io.pgtrickle.frontend;

import io.pgtrickle.dvm.UnsupportedQueryException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One level of an analysed query while it is translated: the generated column that carries each
 * attribute of each range-table entry (a FROM item) bound so far. A Var {@code (varlevelsup,
 * varno, varattno)} resolves through the frame {@code varlevelsup} levels up; a Var of a join
 * entry resolves through the join's alias variables (USING and NATURAL merged columns).
 */
final class Frame {

    final PgNode query;
    final Frame parent;
    private final Map<Integer, List<String>> columns = new HashMap<>();

    Frame(PgNode query, Frame parent) {
        this.query = query;
        this.parent = parent;
    }

    PgNode rte(int rtindex) {
        return query.nodes("rtable").get(rtindex - 1);
    }

    /** Range-table entry {@code rtindex}'s attributes are carried by {@code cols} (null: a dropped column). */
    void bind(int rtindex, List<String> cols) {
        columns.put(rtindex, cols);
    }

    Frame up(int levels) throws UnsupportedQueryException {
        Frame f = this;
        for (int i = 0; i < levels; i++) {
            f = f.parent;
            if (f == null) {
                throw new UnsupportedQueryException("a correlated subquery in this position");
            }
        }
        return f;
    }

    /** The generated column for a Var of this level that is not a join alias, or null when unbound. */
    String column(int varno, int attno) {
        List<String> cols = columns.get(varno);
        return cols == null || attno < 1 || attno > cols.size() ? null : cols.get(attno - 1);
    }

    /** The generated column names of a range-table entry bound in this frame. */
    List<String> columnsOf(int rtindex) {
        return columns.get(rtindex);
    }

    /** The target entry a sort/group clause refers to. */
    PgNode targetEntry(long sortGroupRef) {
        for (PgNode te : query.nodes("targetList")) {
            if (te.number("ressortgroupref") == sortGroupRef) {
                return te;
            }
        }
        throw new IllegalStateException("no target entry for sort/group reference " + sortGroupRef);
    }
}
