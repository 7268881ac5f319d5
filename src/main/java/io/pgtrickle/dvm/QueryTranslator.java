package io.pgtrickle.dvm;

import io.pgtrickle.dvm.operators.AggregateOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.DistinctOperator;
import io.pgtrickle.dvm.operators.ExceptOperator;
import io.pgtrickle.dvm.operators.IntersectOperator;
import io.pgtrickle.dvm.operators.ProjectOperator;
import io.pgtrickle.dvm.operators.TopKOperator;
import io.pgtrickle.dvm.operators.UnionAllOperator;
import io.pgtrickle.dvm.operators.UnionOperator;
import io.pgtrickle.dvm.operators.WindowOperator;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.calcite.sql.SqlAggFunction;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlNumericLiteral;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlSelectKeyword;
import org.apache.calcite.sql.SqlSetOperator;
import org.apache.calcite.sql.SqlWindow;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.SqlWithItem;

/**
 * Translates a parsed query, recursively, into an operator tree: WITH, ORDER BY … LIMIT, set
 * operations and SELECT blocks here; FROM items in {@link FromTranslator}; WHERE subqueries in
 * {@link WhereTranslator}. Anything else raises {@link UnsupportedQueryException}.
 */
final class QueryTranslator {

    record CteDef(SqlNode query, List<String> columns) {
    }

    final SourceResolver resolver;
    final QueryText text;
    final ExprRewriter rewriter;
    final List<SourceTable> sources;
    private final Set<String> aggregates;
    final Map<String, CteDef> ctes = new HashMap<>();
    private int counter;

    QueryTranslator(SourceResolver resolver, QueryText text, ExprRewriter rewriter, Set<String> aggregates,
                    List<SourceTable> sources) {
        this.resolver = resolver;
        this.text = text;
        this.rewriter = rewriter;
        this.aggregates = aggregates;
        this.sources = sources;
    }

    String freshAlias() {
        return "__pgt_sq" + (++counter);
    }

    /** A query block; {@code names} are the wanted output names (null: as the query names them). */
    Rel query(SqlNode node, List<String> names, Scope outer) throws SQLException, UnsupportedQueryException {
        switch (node.getKind()) {
            case WITH:
                return with((SqlWith) node, names, outer);
            case ORDER_BY:
                return orderBy((SqlOrderBy) node, names, outer);
            case UNION:
            case INTERSECT:
            case EXCEPT:
                return setOperation((SqlCall) node, names, outer);
            case SELECT:
                return select((SqlSelect) node, names);
            default:
                throw new UnsupportedQueryException(FromTranslator.describe(node));
        }
    }

    private Rel with(SqlWith with, List<String> names, Scope outer) throws SQLException, UnsupportedQueryException {
        Map<String, CteDef> saved = new HashMap<>(ctes);
        try {
            for (SqlNode n : with.withList) {
                SqlWithItem item = (SqlWithItem) n;
                if (item.recursive != null && item.recursive.booleanValue()) {
                    throw new UnsupportedQueryException("WITH RECURSIVE");
                }
                List<String> cols = null;
                if (item.columnList != null) {
                    cols = new ArrayList<>();
                    for (SqlNode c : item.columnList) {
                        cols.add(((SqlIdentifier) c).getSimple());
                    }
                }
                ctes.put(item.name.getSimple(), new CteDef(item.query, cols));
            }
            return query(with.body, names, outer);
        } finally {
            ctes.clear();
            ctes.putAll(saved);
        }
    }

    private Rel orderBy(SqlOrderBy ob, List<String> names, Scope outer) throws SQLException, UnsupportedQueryException {
        Rel inner = query(ob.query, names, outer);
        if (ob.fetch == null && ob.offset == null) {
            return inner; // a stream table has no order
        }
        List<String> out = inner.scope().columns();
        Scope scope = Scope.output(out);
        List<String> items = new ArrayList<>();
        for (SqlNode item : ob.orderList) {
            SqlNode e = item;
            StringBuilder suffix = new StringBuilder();
            while (e.getKind() == SqlKind.DESCENDING || e.getKind() == SqlKind.NULLS_FIRST
                    || e.getKind() == SqlKind.NULLS_LAST) {
                suffix.insert(0, e.getKind() == SqlKind.DESCENDING ? " DESC" : e.getKind() == SqlKind.NULLS_FIRST
                        ? " NULLS FIRST" : " NULLS LAST");
                e = ((SqlCall) e).operand(0);
            }
            String expr;
            if (e instanceof SqlNumericLiteral lit) {
                expr = Sql.q(out.get(lit.intValue(true) - 1));
            } else {
                expr = rewriter.rewrite(e, scope);
            }
            items.add(expr + suffix);
        }
        Scope none = new Scope(List.of(), null);
        String limit = ob.fetch == null ? null : rewriter.rewrite(ob.fetch, none);
        String offset = ob.offset == null ? null : rewriter.rewrite(ob.offset, none);
        return new Rel(new TopKOperator(inner.op(), String.join(", ", items), limit, offset), inner.scope());
    }

    private Rel setOperation(SqlCall call, List<String> names, Scope outer)
            throws SQLException, UnsupportedQueryException {
        boolean all = ((SqlSetOperator) call.getOperator()).isAll();
        Rel l = query(call.operand(0), names, outer);
        Rel r = query(call.operand(1), null, outer);
        if (l.scope().fields().size() != r.scope().fields().size()) {
            throw new UnsupportedQueryException("set operation with different column counts");
        }
        DeltaOperator op = switch (call.getKind()) {
            case UNION -> all ? new UnionAllOperator(l.op(), r.op()) : new UnionOperator(l.op(), r.op());
            case INTERSECT -> new IntersectOperator(l.op(), r.op(), all);
            default -> new ExceptOperator(l.op(), r.op(), all);
        };
        return new Rel(op, l.scope());
    }

    private Rel select(SqlSelect s, List<String> names) throws SQLException, UnsupportedQueryException {
        if (s.getFrom() == null) {
            throw new UnsupportedQueryException("SELECT without FROM");
        }
        if (s.getWindowList() != null && !s.getWindowList().isEmpty()) {
            throw new UnsupportedQueryException("WINDOW clause");
        }
        if (s.getFetch() != null || s.getOffset() != null || (s.getOrderList() != null && !s.getOrderList().isEmpty())) {
            throw new UnsupportedQueryException("ORDER BY / LIMIT inside a SELECT block");
        }
        Rel from = new FromTranslator(this).from(s.getFrom());
        WhereTranslator where = new WhereTranslator(this);
        Rel filtered = where.apply(from, s.getWhere());
        DeltaOperator op = filtered.op();
        Scope scope = filtered.scope();
        boolean grouped = (s.getGroup() != null && !s.getGroup().isEmpty()) || s.getHaving() != null
                || hasAggregate(s.getSelectList());
        Map<SqlNode, String> repl = new IdentityHashMap<>();
        if (!grouped) {
            Rel withScalars = where.scalarSubqueries(new Rel(op, scope), s.getSelectList(), repl);
            op = withScalars.op();
            scope = withScalars.scope();
        }
        List<ProjectOperator.Item> items = items(s.getSelectList(), scope, repl, names);
        List<String> outNames = items.stream().map(ProjectOperator.Item::name).toList();
        if (new HashSet<>(outNames).size() != outNames.size()) {
            throw new UnsupportedQueryException("a subquery with duplicate column names");
        }
        if (grouped) {
            List<String> keys = groupBy(s, scope, items);
            String having = s.getHaving() == null ? null : rewriter.rewrite(s.getHaving(), scope);
            op = new AggregateOperator(op, keys, items, having,
                    having == null ? AggregateShape.of(s.getSelectList(), items, keys, scope, rewriter) : null);
            if (hasWindow(s.getSelectList())) {
                throw new UnsupportedQueryException("window functions over GROUP BY");
            }
        } else if (hasWindow(s.getSelectList())) {
            op = new WindowOperator(op, partitionBy(s.getSelectList(), scope), items);
        } else {
            op = new ProjectOperator(op, "__pgt_p", items);
        }
        if (s.isDistinct() || s.getModifierNode(SqlSelectKeyword.DISTINCT) != null) {
            op = new DistinctOperator(op);
        }
        return new Rel(op, Scope.output(outNames));
    }

    private List<ProjectOperator.Item> items(SqlNodeList list, Scope scope, Map<SqlNode, String> repl,
                                             List<String> names) throws UnsupportedQueryException {
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (SqlNode item : list) {
            if (item instanceof SqlIdentifier id && id.isStar()) {
                String alias = id.names.size() == 1 ? null : id.names.get(id.names.size() - 2);
                List<Scope.Field> fields = scope.star(alias);
                if (fields.isEmpty()) {
                    throw new UnsupportedQueryException("the star reference " + id);
                }
                for (Scope.Field f : fields) {
                    items.add(new ProjectOperator.Item(Sql.q(f.column()), name(names, items.size(), f.name())));
                }
                continue;
            }
            SqlNode expr = item.getKind() == SqlKind.AS ? ((SqlCall) item).operand(0) : item;
            items.add(new ProjectOperator.Item(rewriter.rewrite(expr, scope, repl),
                    name(names, items.size(), itemName(item))));
        }
        if (names != null && items.size() != names.size()) {
            throw new UnsupportedQueryException("a SELECT list whose columns could not be matched to the query output");
        }
        return items;
    }

    private static String name(List<String> names, int i, String fallback) {
        return names != null && i < names.size() ? names.get(i) : fallback;
    }

    /** The column name PostgreSQL gives a SELECT item. */
    static String itemName(SqlNode item) {
        if (item.getKind() == SqlKind.AS) {
            return ((SqlIdentifier) ((SqlCall) item).operand(1)).getSimple();
        }
        if (item instanceof SqlIdentifier id) {
            return id.names.get(id.names.size() - 1);
        }
        if (item.getKind() == SqlKind.CAST) {
            return itemName(((SqlCall) item).operand(0));
        }
        if (item instanceof SqlCall call && call.getOperator() instanceof SqlFunction fn) {
            return fn.getName().toLowerCase(Locale.ROOT);
        }
        return "?column?";
    }

    private List<String> groupBy(SqlSelect s, Scope scope, List<ProjectOperator.Item> items)
            throws UnsupportedQueryException {
        List<String> out = new ArrayList<>();
        if (s.getGroup() == null) {
            return out;
        }
        for (SqlNode g : s.getGroup()) {
            switch (g.getKind()) {
                case ROLLUP, CUBE, GROUPING_SETS -> throw new UnsupportedQueryException(g.getKind().toString());
                default -> {
                }
            }
            if (g instanceof SqlNumericLiteral lit) {
                out.add(items.get(lit.intValue(true) - 1).expression());
            } else if (g instanceof SqlIdentifier id && id.names.size() == 1 && scope.resolve(id.names) == null) {
                String name = id.getSimple();
                ProjectOperator.Item match = items.stream().filter(i -> i.name().equals(name)).findFirst()
                        .orElseThrow(() -> new UnsupportedQueryException("GROUP BY " + name));
                out.add(match.expression());
            } else {
                out.add(rewriter.rewrite(g, scope));
            }
        }
        return out;
    }

    private List<String> partitionBy(SqlNodeList list, Scope scope) throws UnsupportedQueryException {
        List<List<String>> seen = new ArrayList<>();
        List<SqlCall> overs = new ArrayList<>();
        collect(list, SqlKind.OVER, overs);
        for (SqlCall over : overs) {
            if (!(over.operand(1) instanceof SqlWindow w)) {
                throw new UnsupportedQueryException("a named window");
            }
            List<String> keys = new ArrayList<>();
            for (SqlNode p : w.getPartitionList()) {
                keys.add(rewriter.rewrite(p, scope));
            }
            seen.add(keys);
        }
        if (seen.stream().distinct().count() != 1) {
            throw new UnsupportedQueryException("window functions with different PARTITION BY lists");
        }
        return seen.get(0);
    }

    boolean hasAggregate(SqlNode node) {
        if (node instanceof SqlNodeList list) {
            for (SqlNode n : list) {
                if (hasAggregate(n)) {
                    return true;
                }
            }
            return false;
        }
        if (!(node instanceof SqlCall call) || node instanceof SqlSelect || node.getKind() == SqlKind.OVER) {
            return false;
        }
        if (call.getOperator() instanceof SqlAggFunction || call.getOperator() instanceof SqlFunction fn
                && aggregates.contains(fn.getName().toLowerCase(Locale.ROOT))) {
            return true;
        }
        for (SqlNode n : call.getOperandList()) {
            if (n != null && hasAggregate(n)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasWindow(SqlNodeList list) {
        List<SqlCall> overs = new ArrayList<>();
        collect(list, SqlKind.OVER, overs);
        return !overs.isEmpty();
    }

    private static void collect(SqlNode node, SqlKind kind, List<SqlCall> out) {
        if (node instanceof SqlNodeList list) {
            for (SqlNode n : list) {
                collect(n, kind, out);
            }
        } else if (node instanceof SqlCall call && !(node instanceof SqlSelect)) {
            if (call.getKind() == kind) {
                out.add(call);
                return;
            }
            for (SqlNode n : call.getOperandList()) {
                if (n != null) {
                    collect(n, kind, out);
                }
            }
        }
    }

    static boolean isQuery(SqlNode node) {
        return node instanceof SqlSelect || node.getKind() == SqlKind.WITH || node.getKind() == SqlKind.UNION
                || node.getKind() == SqlKind.INTERSECT || node.getKind() == SqlKind.EXCEPT
                || node.getKind() == SqlKind.ORDER_BY || node instanceof SqlBasicCall b && b.getKind() == SqlKind.VALUES;
    }
}
