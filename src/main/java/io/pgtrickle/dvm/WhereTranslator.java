package io.pgtrickle.dvm;

import io.pgtrickle.dvm.operators.AntiJoinOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.FilterOperator;
import io.pgtrickle.dvm.operators.ScalarSubqueryOperator;
import io.pgtrickle.dvm.operators.SemiJoinOperator;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;

/**
 * WHERE clauses: top-level conjuncts that are [NOT] EXISTS / [NOT] IN subqueries become semi- and
 * anti-joins; scalar subqueries become one-row cross joins; the rest is one filter.
 */
final class WhereTranslator {

    private final QueryTranslator q;

    WhereTranslator(QueryTranslator q) {
        this.q = q;
    }

    Rel apply(Rel input, SqlNode where) throws SQLException, UnsupportedQueryException {
        if (where == null) {
            return input;
        }
        List<SqlNode> conjuncts = new ArrayList<>();
        split(where, conjuncts);
        DeltaOperator op = input.op();
        Scope scope = input.scope();
        List<SqlNode> plain = new ArrayList<>();
        for (SqlNode c : conjuncts) {
            SqlNode inner = c.getKind() == SqlKind.NOT ? ((SqlCall) c).operand(0) : c;
            boolean negated = c.getKind() == SqlKind.NOT;
            if (inner.getKind() == SqlKind.EXISTS) {
                op = subqueryJoin(op, scope, ((SqlCall) inner).operand(0), null, negated, false);
            } else if ((inner.getKind() == SqlKind.IN || inner.getKind() == SqlKind.NOT_IN)
                    && QueryTranslator.isQuery(((SqlCall) inner).operand(1))) {
                boolean anti = negated != (inner.getKind() == SqlKind.NOT_IN);
                op = subqueryJoin(op, scope, ((SqlCall) inner).operand(1), ((SqlCall) inner).operand(0), anti, anti);
            } else {
                plain.add(c);
            }
        }
        if (plain.isEmpty()) {
            return new Rel(op, scope);
        }
        Map<SqlNode, String> repl = new IdentityHashMap<>();
        Rel withScalars = scalarSubqueries(new Rel(op, scope), new SqlNodeList(plain, where.getParserPosition()), repl);
        List<String> preds = new ArrayList<>();
        for (SqlNode c : plain) {
            preds.add(q.rewriter.rewrite(c, withScalars.scope(), repl));
        }
        return new Rel(new FilterOperator(withScalars.op(), "__pgt_q", String.join(" AND ", preds)),
                withScalars.scope());
    }

    private static void split(SqlNode node, List<SqlNode> out) {
        if (node.getKind() == SqlKind.AND) {
            for (SqlNode n : ((SqlCall) node).getOperandList()) {
                split(n, out);
            }
        } else {
            out.add(node);
        }
    }

    /**
     * A semi- or anti-join with a subquery. A plain subquery (FROM/WHERE only) may be correlated:
     * its WHERE becomes part of the join condition. Anything else must be uncorrelated.
     */
    private DeltaOperator subqueryJoin(DeltaOperator op, Scope scope, SqlNode sub, SqlNode lhs, boolean anti,
                                       boolean notIn) throws SQLException, UnsupportedQueryException {
        List<String> conds = new ArrayList<>();
        DeltaOperator right;
        String rhs = null;
        if (sub instanceof SqlSelect s && isPlain(s)) {
            Rel inner = new FromTranslator(q).from(s.getFrom());
            Scope innerScope = inner.scope().within(scope);
            right = inner.op();
            if (s.getWhere() != null) {
                conds.add(q.rewriter.rewrite(s.getWhere(), innerScope));
            }
            if (lhs != null) {
                if (s.getSelectList().size() != 1 || s.getSelectList().get(0) instanceof SqlIdentifier id && id.isStar()) {
                    throw new UnsupportedQueryException("IN with a multi-column subquery");
                }
                SqlNode item = s.getSelectList().get(0);
                rhs = q.rewriter.rewrite(item.getKind() == SqlKind.AS ? ((SqlCall) item).operand(0) : item, innerScope);
            }
        } else {
            Rel inner = q.query(sub, null, null);
            Rel renamed = FromTranslator.rename(inner.op(), inner.scope().columns(), q.freshAlias(), List.of());
            renamed.scope().within(scope);
            right = renamed.op();
            if (lhs != null) {
                if (renamed.scope().columns().size() != 1) {
                    throw new UnsupportedQueryException("IN with a multi-column subquery");
                }
                rhs = Sql.q(renamed.scope().columns().get(0));
            }
        }
        if (lhs != null) {
            if (lhs instanceof SqlNodeList || lhs.getKind() == SqlKind.ROW) {
                throw new UnsupportedQueryException("row-valued IN");
            }
            String eq = "(" + q.rewriter.rewrite(lhs, scope) + " = " + rhs + ")";
            conds.add(notIn ? "(" + eq + " IS NOT FALSE)" : eq);
        }
        String cond = conds.isEmpty() ? "TRUE" : String.join(" AND ", conds);
        return anti ? new AntiJoinOperator(op, right, cond) : new SemiJoinOperator(op, right, cond);
    }

    private boolean isPlain(SqlSelect s) {
        return s.getFrom() != null && (s.getGroup() == null || s.getGroup().isEmpty()) && s.getHaving() == null
                && !s.isDistinct() && s.getFetch() == null && s.getOffset() == null
                && (s.getWindowList() == null || s.getWindowList().isEmpty())
                && (s.getOrderList() == null || s.getOrderList().isEmpty()) && !q.hasAggregate(s.getSelectList());
    }

    /**
     * Joins every uncorrelated scalar subquery found in {@code exprs} (each must be a global
     * aggregate: exactly one row) and records the column that replaces it.
     */
    Rel scalarSubqueries(Rel input, SqlNodeList exprs, Map<SqlNode, String> repl)
            throws SQLException, UnsupportedQueryException {
        List<SqlSelect> found = new ArrayList<>();
        for (SqlNode e : exprs) {
            find(e, found);
        }
        Rel rel = input;
        for (SqlSelect s : found) {
            if (s.getSelectList().size() != 1 || s.getGroup() != null && !s.getGroup().isEmpty()
                    || s.getHaving() != null || s.getFetch() != null || s.getOffset() != null
                    || !q.hasAggregate(s.getSelectList())) {
                throw new UnsupportedQueryException("a scalar subquery that is not a single global aggregate");
            }
            List<String> value = List.of("__pgt_value");
            Rel sub = q.query(s, value, null);
            Rel renamed = FromTranslator.rename(sub.op(), value, q.freshAlias(), List.of());
            rel = new Rel(new ScalarSubqueryOperator(rel.op(), renamed.op()), rel.scope().concat(renamed.scope()));
            repl.put(s, Sql.q(renamed.scope().columns().get(0)));
        }
        return rel;
    }

    private static void find(SqlNode node, List<SqlSelect> out) throws UnsupportedQueryException {
        if (node == null) {
            return;
        }
        if (node instanceof SqlSelect s) {
            out.add(s);
            return;
        }
        if (node instanceof SqlNodeList list) {
            for (SqlNode n : list) {
                find(n, out);
            }
            return;
        }
        if (node instanceof SqlCall call) {
            SqlKind k = call.getKind();
            if (k == SqlKind.EXISTS || (k == SqlKind.IN || k == SqlKind.NOT_IN) && QueryTranslator.isQuery(call.operand(1))
                    || k == SqlKind.SOME || k == SqlKind.ALL) {
                throw new UnsupportedQueryException("a subquery predicate inside OR, NOT or an expression");
            }
            if (QueryTranslator.isQuery(node)) {
                throw new UnsupportedQueryException("a subquery in this position");
            }
            for (SqlNode n : call.getOperandList()) {
                find(n, out);
            }
        }
    }
}
