package io.pgtrickle.dvm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWindow;

/**
 * Turns a user expression into generated SQL: the user's own text, with only its column
 * references replaced by the generated column names of a {@link Scope} (and chosen nodes, such
 * as scalar subqueries, replaced by given text). Nothing goes through Calcite's unparser.
 */
public final class ExprRewriter {

    private record Edit(int start, int end, String text) {
    }

    private final QueryText text;
    private final Set<String> setReturning;

    public ExprRewriter(QueryText text, Set<String> setReturning) {
        this.text = text;
        this.setReturning = setReturning;
    }

    public String rewrite(SqlNode expr, Scope scope) throws UnsupportedQueryException {
        return rewrite(expr, scope, new IdentityHashMap<>());
    }

    public String rewrite(SqlNode expr, Scope scope, Map<SqlNode, String> replacements)
            throws UnsupportedQueryException {
        return "(" + raw(expr, scope, replacements) + "\n)";
    }

    /** Like {@link #rewrite} but without the protective parentheses (ORDER BY items, FROM calls). */
    public String raw(SqlNode expr, Scope scope, Map<SqlNode, String> replacements)
            throws UnsupportedQueryException {
        int[] range = text.range(expr);
        List<Edit> edits = new ArrayList<>();
        walk(expr, scope, replacements, edits);
        edits.sort(Comparator.comparingInt(Edit::start));
        StringBuilder out = new StringBuilder();
        int at = range[0];
        for (Edit e : edits) {
            if (e.start() < at || e.end() > range[1]) {
                throw new UnsupportedQueryException("an expression whose source text could not be located");
            }
            out.append(text.slice(at, e.start())).append(e.text());
            at = e.end();
        }
        return out.append(text.slice(at, range[1])).toString();
    }

    private void walk(SqlNode node, Scope scope, Map<SqlNode, String> repl, List<Edit> edits)
            throws UnsupportedQueryException {
        if (node == null || node instanceof SqlLiteral || node instanceof SqlDataTypeSpec
                || node instanceof org.apache.calcite.sql.SqlIntervalQualifier) {
            return;
        }
        if (repl.containsKey(node)) {
            int[] r = text.range(node);
            edits.add(new Edit(r[0], r[1], repl.get(node)));
            return;
        }
        if (node instanceof SqlIdentifier id) {
            if (id.isStar()) {
                if (id.names.size() > 1) {
                    throw new UnsupportedQueryException("a row reference " + id);
                }
                return; // count(*)
            }
            String column = scope.resolve(id.names);
            if (column == null) {
                throw new UnsupportedQueryException("the reference " + String.join(".", id.names)
                        + " (not a column of the FROM clause)");
            }
            int[] r = text.range(id);
            edits.add(new Edit(r[0], r[1], Sql.q(column)));
            return;
        }
        if (node instanceof SqlNodeList list) {
            for (SqlNode n : list) {
                walk(n, scope, repl, edits);
            }
            return;
        }
        if (node instanceof SqlSelect || node.getKind() == SqlKind.WITH || node.getKind() == SqlKind.UNION
                || node.getKind() == SqlKind.INTERSECT || node.getKind() == SqlKind.EXCEPT
                || node.getKind() == SqlKind.ORDER_BY) {
            throw new UnsupportedQueryException("a subquery in this position");
        }
        if (node instanceof SqlWindow w) {
            if (w.getDeclName() != null || w.getRefName() != null) {
                throw new UnsupportedQueryException("a named window");
            }
            walk(w.getPartitionList(), scope, repl, edits);
            walk(w.getOrderList(), scope, repl, edits);
            walk(w.getLowerBound(), scope, repl, edits);
            walk(w.getUpperBound(), scope, repl, edits);
            return;
        }
        if (node instanceof SqlCall call) {
            if (call.getKind() == SqlKind.UNNEST || call.getOperator() instanceof SqlFunction fn
                    && setReturning.contains(fn.getName().toLowerCase(Locale.ROOT))) {
                throw new UnsupportedQueryException("a set-returning function in an expression");
            }
            if (call.getKind() == SqlKind.AS) {
                walk(call.operand(0), scope, repl, edits);
                return;
            }
            for (SqlNode operand : call.getOperandList()) {
                walk(operand, scope, repl, edits);
            }
            return;
        }
        throw new UnsupportedQueryException("the expression element " + node.getKind());
    }
}
