package io.pgtrickle.dvm;

import io.pgtrickle.dvm.operators.CrossJoinOperator;
import io.pgtrickle.dvm.operators.CteOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.FullJoinOperator;
import io.pgtrickle.dvm.operators.InnerJoinOperator;
import io.pgtrickle.dvm.operators.LateralFunctionOperator;
import io.pgtrickle.dvm.operators.LeftJoinOperator;
import io.pgtrickle.dvm.operators.ProjectOperator;
import io.pgtrickle.dvm.operators.RightJoinOperator;
import io.pgtrickle.dvm.operators.ScanOperator;
import io.pgtrickle.dvm.operators.StreamTableScanOperator;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import org.apache.calcite.sql.JoinConditionType;
import org.apache.calcite.sql.JoinType;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlUnnestOperator;

/**
 * FROM clauses: tables, stream tables, CTE references, derived tables, joins and UNNEST. Every
 * FROM item's columns are renamed to "alias.column" so that names are unique in the clause.
 */
final class FromTranslator {

    private final QueryTranslator q;

    FromTranslator(QueryTranslator q) {
        this.q = q;
    }

    Rel from(SqlNode node) throws SQLException, UnsupportedQueryException {
        if (node instanceof SqlJoin join) {
            return join(join);
        }
        if (node.getKind() == SqlKind.AS) {
            SqlCall as = (SqlCall) node;
            List<String> cols = new ArrayList<>();
            for (int i = 2; i < as.operandCount(); i++) {
                cols.add(((SqlIdentifier) as.operand(i)).getSimple());
            }
            return item(as.operand(0), ((SqlIdentifier) as.operand(1)).getSimple(), cols);
        }
        if (node instanceof SqlIdentifier id) {
            return item(id, id.names.get(id.names.size() - 1), List.of());
        }
        if (QueryTranslator.isQuery(node)) {
            return item(node, q.freshAlias(), List.of());
        }
        throw new UnsupportedQueryException(describe(node) + " in FROM");
    }

    private Rel join(SqlJoin join) throws SQLException, UnsupportedQueryException {
        if (join.isNatural()) {
            throw new UnsupportedQueryException("NATURAL JOIN");
        }
        if (join.getConditionType() == JoinConditionType.USING) {
            throw new UnsupportedQueryException("JOIN … USING");
        }
        JoinType type = join.getJoinType();
        SqlNode right = join.getRight();
        Rel l = from(join.getLeft());
        if ((type == JoinType.COMMA || type == JoinType.CROSS) && isFunction(right)) {
            return lateral(l, right);
        }
        if (right.getKind() == SqlKind.LATERAL) {
            throw new UnsupportedQueryException("LATERAL subquery");
        }
        Rel r = from(right);
        Scope scope = l.scope().concat(r.scope());
        if (type == JoinType.COMMA || type == JoinType.CROSS) {
            return new Rel(new CrossJoinOperator(l.op(), r.op()), scope);
        }
        if (join.getCondition() == null) {
            throw new UnsupportedQueryException(type + " JOIN without ON");
        }
        String cond = q.rewriter.rewrite(join.getCondition(), scope);
        DeltaOperator op = switch (type) {
            case INNER -> new InnerJoinOperator(l.op(), r.op(), cond);
            case LEFT -> new LeftJoinOperator(l.op(), r.op(), cond);
            case RIGHT -> new RightJoinOperator(l.op(), r.op(), cond);
            case FULL -> new FullJoinOperator(l.op(), r.op(), cond);
            default -> throw new UnsupportedQueryException(type + " JOIN");
        };
        return new Rel(op, scope);
    }

    private static SqlNode unwrapLateral(SqlNode n) {
        return n.getKind() == SqlKind.LATERAL ? ((SqlCall) n).operand(0) : n;
    }

    private static boolean isFunction(SqlNode n) {
        SqlNode x = unwrapLateral(n);
        if (x.getKind() == SqlKind.AS) {
            x = unwrapLateral(((SqlCall) x).operand(0));
        }
        return x.getKind() == SqlKind.UNNEST;
    }

    private Rel lateral(Rel left, SqlNode right) throws UnsupportedQueryException {
        SqlNode x = unwrapLateral(right);
        if (x.getKind() != SqlKind.AS) {
            throw new UnsupportedQueryException("UNNEST without an alias");
        }
        SqlCall as = (SqlCall) x;
        SqlCall call = (SqlCall) unwrapLateral(as.operand(0));
        if (call.operandCount() != 1 || ((SqlUnnestOperator) call.getOperator()).withOrdinality) {
            throw new UnsupportedQueryException("UNNEST of several arrays or WITH ORDINALITY");
        }
        String alias = ((SqlIdentifier) as.operand(1)).getSimple();
        List<String> cols = new ArrayList<>();
        for (int i = 2; i < as.operandCount(); i++) {
            cols.add(((SqlIdentifier) as.operand(i)).getSimple());
        }
        if (cols.isEmpty()) {
            cols.add(alias);
        }
        String text = "unnest(" + q.rewriter.raw(call.operand(0), left.scope(), new IdentityHashMap<>()) + ")";
        Scope fn = Scope.of(alias, cols);
        Scope scope = left.scope().concat(fn);
        return new Rel(new LateralFunctionOperator(left.op(), text, fn.columns()), scope);
    }

    private Rel item(SqlNode node, String alias, List<String> colAliases) throws SQLException, UnsupportedQueryException {
        DeltaOperator op;
        List<String> names;
        if (node instanceof SqlIdentifier id && id.names.size() == 1 && q.ctes.containsKey(id.getSimple())) {
            QueryTranslator.CteDef def = q.ctes.get(id.getSimple());
            Rel body = q.query(def.query(), def.columns(), null);
            names = body.scope().columns();
            op = new CteOperator(body.op(), id.getSimple(), names);
        } else if (node instanceof SqlIdentifier id) {
            SourceTable source = q.resolver.table(id.names)
                    .orElseThrow(() -> new UnsupportedQueryException("FROM item " + id + " that is not a table"));
            if (source.isStreamTable()) {
                op = new StreamTableScanOperator(source);
                names = StreamTableScanOperator.visibleColumns(source);
            } else if (source.isCapturable()) {
                op = new ScanOperator(source);
                names = source.columnNames();
            } else {
                throw new UnsupportedQueryException("source " + source.name().display() + " that is not an ordinary"
                        + " table (views, materialized views and foreign tables have no change capture)");
            }
            q.sources.add(source);
        } else if (QueryTranslator.isQuery(node) && node.getKind() != SqlKind.VALUES) {
            Rel sub = q.query(node, null, null);
            op = sub.op();
            names = sub.scope().columns();
        } else {
            throw new UnsupportedQueryException(describe(node) + " in FROM");
        }
        return rename(op, names, alias, colAliases);
    }

    /** Renames a relation's columns to "alias.name" (column aliases replace the first names). */
    static Rel rename(DeltaOperator op, List<String> names, String alias, List<String> colAliases)
            throws UnsupportedQueryException {
        List<String> visible = new ArrayList<>(names);
        for (int i = 0; i < colAliases.size() && i < visible.size(); i++) {
            visible.set(i, colAliases.get(i));
        }
        if (new HashSet<>(visible).size() != visible.size()) {
            throw new UnsupportedQueryException("a FROM item with duplicate column names");
        }
        Scope scope = Scope.of(alias, visible);
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            items.add(new ProjectOperator.Item(Sql.q(names.get(i)), scope.columns().get(i)));
        }
        return new Rel(new ProjectOperator(op, "__pgt_r", items), scope);
    }

    static String describe(SqlNode node) {
        return switch (node.getKind()) {
            case UNION -> "UNION";
            case INTERSECT -> "INTERSECT";
            case EXCEPT -> "EXCEPT";
            case WITH -> "WITH (common table expression)";
            case JOIN -> "JOIN";
            case VALUES -> "VALUES";
            case SELECT -> "subquery";
            case LATERAL -> "LATERAL";
            default -> node instanceof SqlBasicCall call ? call.getOperator().getName() : node.getKind().toString();
        };
    }
}
