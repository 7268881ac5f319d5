package io.pgtrickle.frontend;

import io.pgtrickle.dvm.UnsupportedQueryException;
import io.pgtrickle.dvm.operators.CrossJoinOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.FilterOperator;
import io.pgtrickle.dvm.operators.InnerJoinOperator;
import io.pgtrickle.dvm.operators.ProjectOperator;
import io.pgtrickle.dvm.operators.RecursiveCteOperator;
import io.pgtrickle.dvm.operators.RecursiveReferenceOperator;
import io.pgtrickle.sql.Identifiers;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code WITH RECURSIVE}: maintained differentially when the query selects every column of one
 * recursive CTE and nothing else ({@code SELECT * FROM tree}), because the previous result the
 * semi-naive refresh starts from is then the stream table's own storage
 * ({@link RecursiveCteOperator}). Anywhere else a recursive CTE is refused by name.
 */
final class RecursiveCtes {

    static final String ELSEWHERE = "WITH RECURSIVE other than as the whole result (a recursive CTE is maintained"
            + " differentially when the query selects each of its columns from it and nothing else)";

    /** What the step's reference to its own CTE is translated into. */
    record Reference(RecursiveReferenceOperator op, List<String> columns) {
    }

    private final QueryTranslator q;

    RecursiveCtes(QueryTranslator q) {
        this.q = q;
    }

    /** The query as a recursive CTE's whole result, or null when it is not of that shape. */
    Relation wholeResult(PgNode query, List<String> names) throws SQLException, UnsupportedQueryException {
        if (!query.bool("hasRecursive") || query.has("setOperations") || query.bool("hasAggs")
                || !query.list("groupClause").isEmpty() || query.has("havingQual") || query.bool("hasWindowFuncs")
                || !query.list("distinctClause").isEmpty() || QueryTranslator.hasLimit(query)
                || query.bool("hasTargetSRFs") || query.bool("hasSubLinks")) {
            return null;
        }
        PgNode jointree = query.node("jointree");
        List<PgNode> from = jointree.nodes("fromlist");
        if (from.size() != 1 || !from.get(0).is("RANGETBLREF") || jointree.has("quals")) {
            return null;
        }
        int rtindex = from.get(0).integer("rtindex");
        Frame frame = new Frame(query, null);
        PgNode rte = frame.rte(rtindex);
        if (rte.integer("rtekind") != FromTranslator.RTE_CTE || rte.integer("ctelevelsup") != 0) {
            return null;
        }
        PgNode cte = null;
        for (PgNode c : query.nodes("cteList")) {
            if (c.text("ctename").equals(rte.text("ctename"))) {
                cte = c;
            }
        }
        if (cte == null || !cte.bool("cterecursive")) {
            return null;
        }
        List<String> columns = FromTranslator.strings(cte.list("ctecolnames"));
        List<PgNode> output = query.nodes("targetList").stream().filter(te -> !te.bool("resjunk")).toList();
        List<String> outNames = QueryTranslator.outputNames(output, names);
        String[] stored = new String[columns.size()];
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (int i = 0; i < output.size(); i++) {
            PgNode e = output.get(i).node("expr");
            if (!e.is("VAR") || e.integer("varno") != rtindex || e.integer("varlevelsup") != 0
                    || e.integer("varattno") < 1 || e.integer("varattno") > columns.size()) {
                return null;
            }
            int at = e.integer("varattno") - 1;
            if (stored[at] == null) {
                stored[at] = outNames.get(i);
            }
            items.add(new ProjectOperator.Item(Identifiers.quote(columns.get(at)), outNames.get(i)));
        }
        for (String s : stored) {
            if (s == null) {
                return null;
            }
        }
        return new Relation(new ProjectOperator(operator(cte, columns, List.of(stored)), "__pgt_p", items), outNames);
    }

    private RecursiveCteOperator operator(PgNode cte, List<String> columns, List<String> stored)
            throws SQLException, UnsupportedQueryException {
        if (cte.has("search_clause") || cte.has("cycle_clause")) {
            throw new UnsupportedQueryException("WITH RECURSIVE … SEARCH / CYCLE");
        }
        PgNode body = cte.node("ctequery");
        PgNode setOp = body.node("setOperations");
        Frame frame = new Frame(body, null);
        boolean union = !setOp.bool("all");
        if (union) {
            for (PgNode te : body.nodes("targetList")) {
                q.requireHashable(te.node("expr"), "a column of a recursive UNION");
            }
        }
        DeltaOperator base = q.setOperation(frame, setOp.node("larg"), columns);
        RecursiveReferenceOperator self = new RecursiveReferenceOperator(columns);
        PgNode stepRte = frame.rte(setOp.node("rarg").integer("rtindex"));
        q.recursiveReference = new Reference(self, columns);
        DeltaOperator step;
        try {
            step = q.query(stepRte.node("subquery"), null, null).op();
        } finally {
            q.recursiveReference = null;
        }
        if (!linearPath(step, self)) {
            throw new UnsupportedQueryException("a recursive term that reaches its CTE through other than"
                    + " projections, filters and inner or cross joins");
        }
        return new RecursiveCteOperator(base, step, self, columns, union, stored);
    }

    /** Whether {@code target} is under {@code op} through linear operators only. */
    private static boolean linearPath(DeltaOperator op, DeltaOperator target) {
        if (op == target) {
            return true;
        }
        boolean linear = op instanceof ProjectOperator || op instanceof FilterOperator
                || op instanceof InnerJoinOperator || op instanceof CrossJoinOperator;
        for (DeltaOperator child : op.children()) {
            if (contains(child, target)) {
                return linear && linearPath(child, target);
            }
        }
        return false;
    }

    private static boolean contains(DeltaOperator op, DeltaOperator target) {
        if (op == target) {
            return true;
        }
        for (DeltaOperator child : op.children()) {
            if (contains(child, target)) {
                return true;
            }
        }
        return false;
    }
}
