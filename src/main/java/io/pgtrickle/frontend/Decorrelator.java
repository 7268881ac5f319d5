package io.pgtrickle.frontend;

import io.pgtrickle.dvm.UnsupportedQueryException;
import io.pgtrickle.dvm.operators.AggregateOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.FilterOperator;
import io.pgtrickle.dvm.operators.ProjectOperator;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Correlated subqueries (a scalar subquery, a LATERAL derived table) as joins. The subquery's
 * WHERE conjuncts that equate an expression of its own rows with one of the outer row become
 * the join condition; the others filter its rows. An aggregate subquery is grouped by its sides
 * of those comparisons; without GROUP BY it yields exactly one row per outer row, so it is
 * LEFT-joined and an outer row without a match gets the aggregates' values over no rows (COUNT 0,
 * the others NULL: the "COUNT bug" of naive unnesting). A subquery without aggregates is joined
 * as it is, its whole WHERE becoming the join condition.
 */
final class Decorrelator {

    /**
     * The unnested subquery: the relation to join, the join condition, the expressions (over the
     * join's columns) that stand for the subquery's outputs, and whether the join must be a LEFT
     * join (the subquery yields a row even where nothing matches).
     */
    record Unnested(Relation relation, String condition, List<String> outputs, boolean leftJoin) {
    }

    private final QueryTranslator q;

    Decorrelator(QueryTranslator q) {
        this.q = q;
    }

    /** {@code sub}, a subquery of the level {@code outer}, whose output is wanted under {@code alias}. */
    Unnested unnest(Frame outer, PgNode sub, String alias) throws SQLException, UnsupportedQueryException {
        if (sub.has("setOperations") || !sub.list("cteList").isEmpty() || sub.has("limitCount")
                || sub.has("limitOffset") || sub.bool("hasWindowFuncs") || sub.bool("hasTargetSRFs")
                || !sub.list("distinctClause").isEmpty() || !sub.list("groupingSets").isEmpty()
                || sub.node("jointree").list("fromlist").isEmpty()) {
            throw new UnsupportedQueryException("a correlated subquery with LIMIT, DISTINCT, windows, set operations"
                    + " or WITH");
        }
        if (!Nodes.find(sub.get("targetList"), "SUBLINK").isEmpty() || !Nodes.find(sub.get("jointree"), "SUBLINK").isEmpty()
                || sub.has("havingQual") && refersOutside(sub.node("havingQual"), 0)) {
            throw new UnsupportedQueryException("a correlated subquery with subqueries of its own");
        }
        if (refersOutside(sub.node("jointree").get("fromlist"), 0) || refersOutside(sub.get("rtable"), 0)) {
            throw new UnsupportedQueryException("a correlated subquery whose FROM items are correlated");
        }
        Frame inner = new Frame(sub, outer);
        Relation from = new FromTranslator(q).fromList(inner, sub.node("jointree").nodes("fromlist"));
        List<PgNode> conjuncts = Nodes.conjuncts(sub.node("jointree").node("quals"));
        List<PgNode> targets = sub.nodes("targetList").stream().filter(te -> !te.bool("resjunk")).toList();
        boolean aggregate = sub.bool("hasAggs") || !sub.list("groupClause").isEmpty() || sub.has("havingQual");
        if (!aggregate) { // joined as it is: its WHERE (correlated or not) is the join condition
            List<String> outputs = new ArrayList<>();
            for (PgNode te : targets) {
                outputs.add(q.deparser.render(te.node("expr"), inner));
            }
            String cond = conjuncts.isEmpty() ? "TRUE" : q.deparser.render(sub.node("jointree").node("quals"), inner);
            return new Unnested(from, cond, outputs, false);
        }
        for (PgNode te : targets) {
            if (refersOutside(te.node("expr"), 0)) {
                throw new UnsupportedQueryException("a correlated aggregate subquery whose SELECT list uses the outer row");
            }
        }
        // correlation: inner_expr op outer_expr; everything else must stay inside
        List<PgNode> comparisons = new ArrayList<>();
        List<PgNode> innerSides = new ArrayList<>();
        List<String> filters = new ArrayList<>();
        for (PgNode c : conjuncts) {
            if (!refersOutside(c, 0)) {
                filters.add(q.deparser.render(c, inner));
                continue;
            }
            PgNode side = innerSide(c);
            if (side == null) {
                throw new UnsupportedQueryException("a correlated aggregate subquery whose correlation is not an"
                        + " equality between its rows and the outer row");
            }
            comparisons.add(c);
            innerSides.add(side);
        }
        DeltaOperator op = from.op();
        if (!filters.isEmpty()) {
            op = new FilterOperator(op, "__pgt_q", String.join(" AND ", filters));
        }
        List<String> keys = new ArrayList<>();
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (int i = 0; i < innerSides.size(); i++) {
            q.requireHashable(innerSides.get(i), "a correlation key");
            String key = q.deparser.render(innerSides.get(i), inner);
            keys.add(key);
            items.add(new ProjectOperator.Item(key, "__pgt_ck" + i));
        }
        for (PgNode gc : sub.nodes("groupClause")) {
            keys.add(q.deparser.render(inner.targetEntry(gc.number("tleSortGroupRef")).node("expr"), inner));
        }
        for (int i = 0; i < targets.size(); i++) {
            items.add(new ProjectOperator.Item(q.deparser.render(targets.get(i).node("expr"), inner), "__pgt_v" + i));
        }
        items.add(new ProjectOperator.Item("true", "__pgt_hit"));
        String having = sub.has("havingQual") ? q.deparser.render(sub.node("havingQual"), inner) : null;
        List<String> names = items.stream().map(ProjectOperator.Item::name).toList();
        Relation grouped = q.asItem(new Relation(new AggregateOperator(op, keys, items, having, null), names), alias,
                List.of());
        // the condition: each comparison with its inner side replaced by the group's key column
        ExpressionDeparser.Substitutions subs = new ExpressionDeparser.Substitutions();
        for (int i = 0; i < innerSides.size(); i++) {
            subs.nodes.put(innerSides.get(i), io.pgtrickle.sql.Identifiers.quote(grouped.columns().get(i)));
        }
        List<String> conds = new ArrayList<>();
        for (PgNode c : comparisons) {
            conds.add(q.deparser.render(c, inner, subs));
        }
        String hit = io.pgtrickle.sql.Identifiers.quote(grouped.columns().get(grouped.columns().size() - 1));
        boolean oneRow = sub.list("groupClause").isEmpty() && !sub.has("havingQual");
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            String value = io.pgtrickle.sql.Identifiers.quote(grouped.columns().get(innerSides.size() + i));
            outputs.add(oneRow ? "CASE WHEN " + hit + " THEN " + value + " ELSE " + overNoRows(targets.get(i)
                    .node("expr"), inner) + " END" : value);
        }
        return new Unnested(grouped, conds.isEmpty() ? "TRUE" : String.join(" AND ", conds), outputs, oneRow);
    }

    /** Whether subquery {@code sub} uses a column of an enclosing query. */
    static boolean isCorrelated(PgNode sub) {
        return refersOutside(sub.fields(), 0);
    }

    /** An aggregate expression's value over no rows: COUNT is 0, pg_catalog's other aggregates NULL. */
    private String overNoRows(PgNode expr, Frame inner) throws SQLException, UnsupportedQueryException {
        ExpressionDeparser.Substitutions empty = new ExpressionDeparser.Substitutions();
        for (PgNode a : Nodes.find(expr, "AGGREF")) {
            PgCatalog.Function fn = q.deparser.catalog().function(a.number("aggfnoid"));
            if (!fn.schema().equals("pg_catalog")) {
                throw new UnsupportedQueryException("a correlated subquery over the aggregate " + fn.name()
                        + "() (its value over no rows is not known)");
            }
            empty.nodes.put(a, fn.name().equals("count") ? "0::bigint"
                    : "NULL::" + q.deparser.catalog().type(a.number("aggtype"), -1));
        }
        return q.deparser.render(expr, inner, empty);
    }

    /**
     * For {@code a = b} where one side uses only the subquery's own rows and the other only outer
     * rows, the inner side; else null. Only an equality: then an outer row matches one group.
     */
    private PgNode innerSide(PgNode c) throws SQLException {
        if (!c.is("OPEXPR") || c.nodes("args").size() != 2 || !q.deparser.catalog().operator(c.number("opno")).equality()) {
            return null;
        }
        PgNode l = c.nodes("args").get(0);
        PgNode r = c.nodes("args").get(1);
        boolean lIn = !refersOutside(l, 0) && refersTo(l, 0);
        boolean rIn = !refersOutside(r, 0) && refersTo(r, 0);
        boolean lOut = !refersTo(l, 0);
        boolean rOut = !refersTo(r, 0);
        return lIn && rOut ? l : rIn && lOut ? r : null;
    }

    /** Whether {@code node} has a Var of a level above {@code level} (relative to it). */
    private static boolean refersOutside(Object node, int level) {
        return varLevels(node, level, true);
    }

    /** Whether {@code node} has a Var of exactly {@code level}. */
    private static boolean refersTo(Object node, int level) {
        return varLevels(node, level, false);
    }

    private static boolean varLevels(Object node, int level, boolean above) {
        if (node instanceof PgNode n) {
            if (n.is("VAR")) {
                int up = n.integer("varlevelsup");
                return above ? up > level : up == level;
            }
            if (n.is("QUERY")) {
                return varLevels(n.fields(), level + 1, above);
            }
            for (Object v : n.fields().values()) {
                if (varLevels(v, level, above)) {
                    return true;
                }
            }
        } else if (node instanceof java.util.Map<?, ?> m) {
            for (Object v : m.values()) {
                if (varLevels(v, level, above)) {
                    return true;
                }
            }
        } else if (node instanceof List<?> list) {
            for (Object v : list) {
                if (varLevels(v, level, above)) {
                    return true;
                }
            }
        }
        return false;
    }
}
