package io.pgtrickle.frontend;

import io.pgtrickle.dvm.UnsupportedQueryException;
import io.pgtrickle.dvm.operators.AntiJoinOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.FilterOperator;
import io.pgtrickle.dvm.operators.LeftJoinOperator;
import io.pgtrickle.dvm.operators.MarkJoinOperator;
import io.pgtrickle.dvm.operators.ScalarSubqueryOperator;
import io.pgtrickle.dvm.operators.SemiJoinOperator;
import io.pgtrickle.sql.Identifiers;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * WHERE clauses of an analysed query: top-level conjuncts that are [NOT] EXISTS, [NOT] IN / ANY
 * and ALL subqueries become semi- and anti-joins (row-valued comparisons included: PostgreSQL
 * states the comparison as an expression over the subquery's outputs); such subqueries elsewhere
 * (under OR or NOT, in CASE) become mark joins; uncorrelated scalar subqueries that are global
 * aggregates become one-row cross joins; the rest is one filter.
 */
final class WhereTranslator {

    private final QueryTranslator q;

    WhereTranslator(QueryTranslator q) {
        this.q = q;
    }

    Relation apply(Frame frame, Relation input, PgNode quals) throws SQLException, UnsupportedQueryException {
        if (quals == null) {
            return input;
        }
        List<PgNode> conjuncts = Nodes.conjuncts(quals);
        DeltaOperator op = input.op();
        List<PgNode> plain = new ArrayList<>();
        for (PgNode c : conjuncts) {
            boolean negated = c.is("BOOLEXPR") && c.text("boolop").equals("not");
            PgNode inner = negated ? c.nodes("args").get(0) : c;
            if (inner.is("SUBLINK") && SubLinks.kind(inner) <= SubLinks.ANY) { // EXISTS, ALL, ANY
                op = subqueryJoin(frame, op, inner, negated);
            } else {
                plain.add(c);
            }
        }
        if (plain.isEmpty()) {
            return new Relation(op, input.columns());
        }
        ExpressionDeparser.Substitutions subs = new ExpressionDeparser.Substitutions();
        Relation withScalars = scalarSubqueries(frame, new Relation(op, input.columns()), plain, subs);
        List<String> preds = new ArrayList<>();
        for (PgNode c : plain) {
            preds.add(q.deparser.render(c, frame, subs));
        }
        return new Relation(new FilterOperator(withScalars.op(), "__pgt_q", String.join(" AND ", preds)),
                withScalars.columns());
    }

    /**
     * A semi- or anti-join with a subquery. EXISTS keeps rows with a match; {@code x op ANY (S)}
     * rows where the comparison is true for some row; {@code x op ALL (S)} rows where it is not
     * non-true for any row. Negated: NOT EXISTS and NOT ANY (NOT IN) drop rows with a match or an
     * unknown comparison; NOT ALL keeps rows where the comparison is false for some row. A plain
     * subquery (FROM and WHERE only) may be correlated: its WHERE joins the condition.
     */
    private DeltaOperator subqueryJoin(Frame frame, DeltaOperator op, PgNode sublink, boolean negated)
            throws SQLException, UnsupportedQueryException {
        Subquery sub = subquery(frame, sublink);
        List<String> conds = new ArrayList<>(sub.conditions());
        int kind = SubLinks.kind(sublink);
        boolean anti;
        if (kind == SubLinks.EXISTS) {
            anti = negated;
        } else {
            String test = sub.test(q, frame, sublink);
            if (kind == SubLinks.ANY) {
                anti = negated;
                conds.add(negated ? "(" + test + " IS NOT FALSE)" : test);
            } else { // ALL
                anti = !negated;
                conds.add(negated ? "(" + test + " IS FALSE)" : "(" + test + " IS NOT TRUE)");
            }
        }
        String cond = conds.isEmpty() ? "TRUE" : String.join(" AND ", conds);
        return anti ? new AntiJoinOperator(op, sub.op(), cond) : new SemiJoinOperator(op, sub.op(), cond);
    }

    /**
     * A subquery as the right side of a join: its relation, the conditions that tie its rows to
     * the outer row, and its output expressions standing for the SubLink's parameters.
     */
    private record Subquery(DeltaOperator op, List<String> conditions, ExpressionDeparser.Substitutions outputs) {

        /** The SubLink's comparison (ANY / ALL), its parameters replaced by the subquery's outputs. */
        String test(QueryTranslator q, Frame frame, PgNode sublink) throws SQLException, UnsupportedQueryException {
            return q.deparser.render(sublink.node("testexpr"), frame, outputs);
        }

        String condition() {
            return conditions.isEmpty() ? "TRUE" : String.join(" AND ", conditions);
        }
    }

    /**
     * A plain subquery (FROM and WHERE only) may be correlated: its WHERE becomes a join condition,
     * rendered with the outer query's columns visible. Anything else must stand alone.
     */
    private Subquery subquery(Frame frame, PgNode sublink) throws SQLException, UnsupportedQueryException {
        PgNode sub = sublink.node("subselect");
        List<String> conds = new ArrayList<>();
        ExpressionDeparser.Substitutions outputs = new ExpressionDeparser.Substitutions();
        List<PgNode> targets = sub.nodes("targetList").stream().filter(te -> !te.bool("resjunk")).toList();
        if (isPlain(sub)) {
            Frame inner = new Frame(sub, frame);
            Relation r = new FromTranslator(q).fromList(inner, sub.node("jointree").nodes("fromlist"));
            if (sub.node("jointree").has("quals")) {
                conds.add(q.deparser.render(sub.node("jointree").node("quals"), inner));
            }
            for (int i = 0; i < targets.size(); i++) {
                outputs.params.put(i + 1, q.deparser.render(targets.get(i).node("expr"), inner));
            }
            return new Subquery(r.op(), conds, outputs);
        }
        Relation r = q.asItem(q.query(sub, null, null), "__pgt_sq", List.of());
        for (int i = 0; i < r.columns().size(); i++) {
            outputs.params.put(i + 1, Identifiers.quote(r.columns().get(i)));
        }
        return new Subquery(r.op(), conds, outputs);
    }

    /** A subquery with FROM and WHERE only, whose WHERE can become part of a join condition. */
    private static boolean isPlain(PgNode s) {
        return !s.has("setOperations") && !s.bool("hasAggs") && !s.bool("hasWindowFuncs") && !s.bool("hasTargetSRFs")
                && s.list("groupClause").isEmpty() && !s.has("havingQual") && s.list("distinctClause").isEmpty()
                && !s.has("limitCount") && !s.has("limitOffset") && s.list("cteList").isEmpty()
                && !s.node("jointree").list("fromlist").isEmpty();
    }

    /**
     * The subqueries inside {@code exprs}, each joined as a column that stands for it: an
     * uncorrelated scalar subquery that is a global aggregate (exactly one row) as a one-row cross
     * join, a correlated one unnested into a LEFT join ({@link Decorrelator}); EXISTS, ANY and ALL
     * (correlated or not) as a mark join. Records the text that replaces each in {@code subs}.
     */
    Relation scalarSubqueries(Frame frame, Relation input, List<PgNode> exprs, ExpressionDeparser.Substitutions subs)
            throws SQLException, UnsupportedQueryException {
        Relation rel = input;
        for (PgNode link : Nodes.find(exprs, "SUBLINK")) {
            int kind = SubLinks.kind(link);
            if (kind != SubLinks.EXPR && kind > SubLinks.ANY) {
                continue; // ARRAY (subquery), row comparisons: refused by the deparser, naming them
            }
            List<String> cols = new ArrayList<>(rel.columns());
            if (kind != SubLinks.EXPR) {
                Subquery sub = subquery(frame, link);
                String column = QueryTranslator.column(q.alias("__pgt_mark"), "value");
                String test = kind == SubLinks.EXISTS ? null : sub.test(q, frame, link);
                MarkJoinOperator.Kind mark = kind == SubLinks.EXISTS ? MarkJoinOperator.Kind.EXISTS
                        : kind == SubLinks.ANY ? MarkJoinOperator.Kind.ANY : MarkJoinOperator.Kind.ALL;
                cols.add(column);
                rel = new Relation(new MarkJoinOperator(rel.op(), sub.op(), sub.condition(), mark, test, column), cols);
                subs.nodes.put(link, Identifiers.quote(column));
                continue;
            }
            PgNode s = link.node("subselect");
            if (Decorrelator.isCorrelated(s)) {
                Decorrelator.Unnested u = new Decorrelator(q).unnest(frame, s, "__pgt_sq");
                if (!u.leftJoin()) {
                    throw new UnsupportedQueryException("a correlated scalar subquery that is not a single aggregate"
                            + " (it may yield several rows)");
                }
                cols.addAll(u.relation().columns());
                rel = new Relation(new LeftJoinOperator(rel.op(), u.relation().op(), u.condition()), cols);
                subs.nodes.put(link, "(" + u.outputs().get(0) + ")");
                continue;
            }
            if (s.bool("hasTargetSRFs") || !s.bool("hasAggs") || !s.list("groupClause").isEmpty() || s.has("havingQual")
                    || s.has("limitCount") || s.has("limitOffset") || s.has("setOperations")) {
                throw new UnsupportedQueryException("a scalar subquery that is not a single global aggregate");
            }
            Relation sub = q.asItem(q.query(s, null, List.of("__pgt_value")), "__pgt_sq", List.of());
            String column = sub.columns().get(0);
            cols.add(column);
            rel = new Relation(new ScalarSubqueryOperator(rel.op(), sub.op()), cols);
            subs.nodes.put(link, Identifiers.quote(column));
        }
        return rel;
    }
}
