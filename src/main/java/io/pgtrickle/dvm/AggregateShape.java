package io.pgtrickle.dvm;

import io.pgtrickle.dvm.operators.AggregateCall;
import io.pgtrickle.dvm.operators.ProjectOperator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelectKeyword;

/**
 * Recognises a GROUP BY block's SELECT list as algebraic: every item is a group key or a plain
 * COUNT / SUM / AVG / MIN / MAX call (FILTER allowed, DISTINCT and ORDER BY not).
 */
final class AggregateShape {

    private AggregateShape() {
    }

    /** The calls, item by item, or null when some item needs the touched-group recompute. */
    static List<AggregateCall> of(SqlNodeList select, List<ProjectOperator.Item> items, List<String> groupBy,
                                  Scope scope, ExprRewriter rewriter) throws UnsupportedQueryException {
        if (select.size() != items.size()) {
            return null; // a star expanded into several items
        }
        List<AggregateCall> calls = new ArrayList<>();
        for (int i = 0; i < select.size(); i++) {
            SqlNode node = select.get(i);
            if (node.getKind() == SqlKind.AS) {
                node = ((SqlCall) node).operand(0);
            }
            if (groupBy.contains(items.get(i).expression())) {
                calls.add(AggregateCall.key());
                continue;
            }
            AggregateCall call = call(node, scope, rewriter);
            if (call == null) {
                return null;
            }
            calls.add(call);
        }
        return calls;
    }

    private static AggregateCall call(SqlNode node, Scope scope, ExprRewriter rewriter)
            throws UnsupportedQueryException {
        String filter = null;
        if (node.getKind() == SqlKind.FILTER) {
            SqlCall f = (SqlCall) node;
            filter = rewriter.rewrite(f.operand(1), scope);
            node = f.operand(0);
        }
        if (!(node instanceof SqlCall call) || call.getOperator() == null) {
            return null;
        }
        if (call.getFunctionQuantifier() != null
                && call.getFunctionQuantifier().getValue() == SqlSelectKeyword.DISTINCT) {
            return null;
        }
        AggregateCall.Kind kind;
        switch (call.getOperator().getName().toLowerCase(Locale.ROOT)) {
            case "count" -> kind = AggregateCall.Kind.COUNT;
            case "sum" -> kind = AggregateCall.Kind.SUM;
            case "avg" -> kind = AggregateCall.Kind.AVG;
            case "min" -> kind = AggregateCall.Kind.MIN;
            case "max" -> kind = AggregateCall.Kind.MAX;
            default -> {
                return null;
            }
        }
        if (call.operandCount() != 1 || call.operand(0) == null) {
            return null;
        }
        SqlNode arg = call.operand(0);
        if (arg instanceof SqlIdentifier id && id.isStar()) {
            return kind == AggregateCall.Kind.COUNT ? new AggregateCall(kind, null, filter) : null;
        }
        return new AggregateCall(kind, rewriter.rewrite(arg, scope), filter);
    }
}
