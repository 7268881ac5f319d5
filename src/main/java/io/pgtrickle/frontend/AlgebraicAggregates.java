package io.pgtrickle.frontend;

import io.pgtrickle.dvm.Sql;
import io.pgtrickle.dvm.UnsupportedQueryException;
import io.pgtrickle.dvm.operators.AggregateCall;
import io.pgtrickle.dvm.operators.CounterHaving;
import io.pgtrickle.dvm.operators.ProjectOperator;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether a GROUP BY block can be kept with counters in the storage ({@code
 * AlgebraicAggregateOperator}): its SELECT items are group keys or plain COUNT / SUM / AVG / MIN /
 * MAX calls of pg_catalog, and its HAVING, if any, reads only those keys and such calls.
 */
final class AlgebraicAggregates {

    /** Nodes a condition over the stored counters cannot contain: they read the input rows or other levels. */
    private static final Set<String> INPUT_READERS = Set.of("VAR", "SUBLINK", "WINDOWFUNC", "GROUPINGFUNC", "PARAM",
            "QUERY");

    private final ExpressionDeparser deparser;

    AlgebraicAggregates(ExpressionDeparser deparser) {
        this.deparser = deparser;
    }

    /** The aggregate calls, item by item, or null when some item is neither a key nor an algebraic call. */
    List<AggregateCall> selectList(Frame frame, List<PgNode> entries, List<ProjectOperator.Item> items,
                                   List<String> keys) throws SQLException, UnsupportedQueryException {
        List<AggregateCall> calls = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            AggregateCall call = keys.contains(items.get(i).expression()) ? AggregateCall.key()
                    : call(frame, entries.get(i).node("expr"));
            if (call == null) {
                return null;
            }
            calls.add(call);
        }
        return calls;
    }

    /**
     * HAVING as a condition over the group's new values, or null when it reads anything else. The
     * SELECT list's keys and calls are read from their output columns; other calls it makes become
     * hidden items ({@code __pgt_h1}, …), kept with the counters. A result-collated call (MIN / MAX
     * of text) that is not in the SELECT list would be stored without its collation: refused.
     */
    CounterHaving having(Frame frame, PgNode qual, List<PgNode> entries, List<ProjectOperator.Item> items)
            throws SQLException, UnsupportedQueryException {
        ExpressionDeparser.Substitutions subs = new ExpressionDeparser.Substitutions();
        for (int i = 0; i < entries.size(); i++) {
            subs.expressions.put(entries.get(i).node("expr"), Sql.q(items.get(i).name()));
        }
        List<ProjectOperator.Item> extra = new ArrayList<>();
        List<AggregateCall> calls = new ArrayList<>();
        List<String> types = new ArrayList<>();
        if (!overCounters(qual, frame, subs, extra, calls, types)) {
            return null;
        }
        return new CounterHaving(deparser.render(qual, frame, subs), extra, calls, types);
    }

    private boolean overCounters(Object node, Frame frame, ExpressionDeparser.Substitutions subs,
                                 List<ProjectOperator.Item> extra, List<AggregateCall> calls, List<String> types)
            throws SQLException, UnsupportedQueryException {
        if (node instanceof List<?> list) {
            for (Object v : list) {
                if (!overCounters(v, frame, subs, extra, calls, types)) {
                    return false;
                }
            }
            return true;
        }
        if (!(node instanceof PgNode n)) {
            return true;
        }
        for (PgNode known : subs.expressions.keySet()) {
            if (Nodes.sameExpression(n, known)) {
                return true;
            }
        }
        if (n.is("AGGREF")) {
            AggregateCall call = call(frame, n);
            if (call == null || n.number("aggcollid") != 0) {
                return false;
            }
            String name = "__pgt_h" + (extra.size() + 1);
            extra.add(new ProjectOperator.Item(deparser.render(n, frame), name));
            calls.add(call);
            types.add(deparser.catalog().type(n.number("aggtype"), -1));
            subs.expressions.put(n, Sql.q(name));
            return true;
        }
        if (INPUT_READERS.contains(n.type())) {
            return false;
        }
        for (Map.Entry<String, Object> f : n.fields().entrySet()) {
            if (!overCounters(f.getValue(), frame, subs, extra, calls, types)) {
                return false;
            }
        }
        return true;
    }

    /** A plain COUNT / SUM / AVG / MIN / MAX of pg_catalog with at most one argument and a FILTER, or null. */
    private AggregateCall call(Frame frame, PgNode e) throws SQLException, UnsupportedQueryException {
        if (!e.is("AGGREF") || !e.text("aggkind").equals("n") || !e.list("aggdistinct").isEmpty()
                || !e.list("aggorder").isEmpty()) {
            return null;
        }
        PgCatalog.Function fn = deparser.catalog().function(e.number("aggfnoid"));
        if (!fn.schema().equals("pg_catalog")) {
            return null;
        }
        AggregateCall.Kind kind = switch (fn.name()) {
            case "count" -> AggregateCall.Kind.COUNT;
            case "sum" -> AggregateCall.Kind.SUM;
            case "avg" -> AggregateCall.Kind.AVG;
            case "min" -> AggregateCall.Kind.MIN;
            case "max" -> AggregateCall.Kind.MAX;
            default -> null;
        };
        List<PgNode> args = e.nodes("args");
        if (kind == null || args.size() > 1 || args.isEmpty() && !e.bool("aggstar")) {
            return null;
        }
        String filter = e.has("aggfilter") ? deparser.render(e.node("aggfilter"), frame) : null;
        String arg = args.isEmpty() ? null : deparser.render(args.get(0).node("expr"), frame);
        return new AggregateCall(kind, arg, filter, args.isEmpty() || Types.fixedScale(args.get(0).node("expr")));
    }
}
