package io.pgtrickle.dvm;

import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.FilterOperator;
import io.pgtrickle.dvm.operators.ProjectOperator;
import io.pgtrickle.dvm.operators.ScanOperator;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.babel.SqlBabelParserImpl;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

/**
 * Parses a defining query with Calcite's Babel parser, configured like PostgreSQL, and builds its
 * operator tree. Only this class (and what it calls) touches Calcite, so a refresh never loads it.
 */
public final class QueryAnalyzer {

    private static final SqlParser.Config POSTGRES = SqlParser.config()
            .withParserFactory(SqlBabelParserImpl.FACTORY)
            .withConformance(SqlConformanceEnum.BABEL)
            .withQuoting(Quoting.DOUBLE_QUOTE)
            .withUnquotedCasing(Casing.TO_LOWER)
            .withQuotedCasing(Casing.UNCHANGED)
            .withCaseSensitive(true);

    private final SourceResolver resolver;

    public QueryAnalyzer(SourceResolver resolver) {
        this.resolver = resolver;
    }

    /**
     * @param query       the defining query (already validated by PostgreSQL)
     * @param outputNames the output column names PostgreSQL reports for it
     */
    public Analysis analyze(String query, List<String> outputNames) throws SQLException {
        QueryText text = new QueryText(query);
        SqlNode root;
        try {
            root = SqlParser.create(query, POSTGRES).parseQuery();
        } catch (SqlParseException e) {
            return Analysis.unsupported("syntax the DVM parser does not understand ("
                    + firstLine(e.getMessage()) + ")");
        }
        try {
            List<SourceTable> sources = new ArrayList<>();
            checkFunctions(root);
            DeltaOperator tree = translate(root, text, outputNames, sources);
            return new Analysis(tree, null, List.copyOf(sources));
        } catch (UnsupportedQueryException e) {
            return Analysis.unsupported(e.getMessage());
        }
    }

    private DeltaOperator translate(SqlNode node, QueryText text, List<String> outputNames, List<SourceTable> sources)
            throws SQLException, UnsupportedQueryException {
        if (node.getKind() == SqlKind.ORDER_BY) {
            throw new UnsupportedQueryException("ORDER BY / LIMIT");
        }
        if (!(node instanceof SqlSelect select)) {
            throw new UnsupportedQueryException(describeKind(node));
        }
        if (select.isDistinct() || select.getModifierNode(org.apache.calcite.sql.SqlSelectKeyword.DISTINCT) != null) {
            throw new UnsupportedQueryException("DISTINCT");
        }
        if (select.getGroup() != null && select.getGroup().size() > 0) {
            throw new UnsupportedQueryException("GROUP BY");
        }
        if (select.getHaving() != null) {
            throw new UnsupportedQueryException("HAVING");
        }
        if (select.getWindowList() != null && select.getWindowList().size() > 0) {
            throw new UnsupportedQueryException("WINDOW clause");
        }
        if (select.getFrom() == null) {
            throw new UnsupportedQueryException("SELECT without FROM");
        }
        SqlNode from = select.getFrom();
        String alias;
        SqlIdentifier tableName;
        if (from instanceof SqlIdentifier id) {
            tableName = id;
            alias = id.names.get(id.names.size() - 1);
        } else if (from.getKind() == SqlKind.AS && ((SqlCall) from).operand(0) instanceof SqlIdentifier id
                && ((SqlCall) from).operandCount() == 2) {
            tableName = id;
            alias = ((SqlIdentifier) ((SqlCall) from).operand(1)).getSimple();
        } else {
            throw new UnsupportedQueryException(describeKind(from) + " in FROM");
        }
        SourceTable source = resolver.table(tableName.names)
                .orElseThrow(() -> new UnsupportedQueryException("FROM item " + tableName + " that is not a table"));
        if (!source.isCapturable()) {
            throw new UnsupportedQueryException("source " + source.name().display()
                    + " that is not an ordinary table (views, materialized views and foreign tables have no change capture)");
        }
        sources.add(source);
        String quotedAlias = Sql.q(alias);
        DeltaOperator op = new ScanOperator(source);
        if (select.getWhere() != null) {
            rejectSubqueries(select.getWhere(), "subquery in WHERE");
            op = new FilterOperator(op, quotedAlias, text.of(select.getWhere()));
        }
        return new ProjectOperator(op, quotedAlias, projectItems(select, text, outputNames, source));
    }

    private List<ProjectOperator.Item> projectItems(SqlSelect select, QueryText text, List<String> outputNames,
                                                    SourceTable source) throws UnsupportedQueryException {
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (SqlNode item : select.getSelectList()) {
            rejectSubqueries(item, "subquery in the SELECT list");
            if (item instanceof SqlIdentifier id && id.isStar()) {
                for (String col : source.columnNames()) {
                    items.add(new ProjectOperator.Item(Sql.q(col), outputNames.get(items.size())));
                }
                continue;
            }
            SqlNode expr = item.getKind() == SqlKind.AS ? ((SqlCall) item).operand(0) : item;
            if (expr.getKind() == SqlKind.OVER) {
                throw new UnsupportedQueryException("window function");
            }
            items.add(new ProjectOperator.Item(text.of(expr), outputNames.get(items.size())));
        }
        if (items.size() != outputNames.size()) {
            throw new UnsupportedQueryException("SELECT list whose columns could not be matched to the query output");
        }
        return items;
    }

    private void checkFunctions(SqlNode root) throws SQLException, UnsupportedQueryException {
        Set<String> names = new LinkedHashSet<>();
        root.accept(new SqlBasicVisitor<Void>() {
            @Override
            public Void visit(SqlCall call) {
                if (call.getOperator() instanceof SqlFunction fn) {
                    names.add(fn.getName().toLowerCase(Locale.ROOT));
                }
                return super.visit(call);
            }
        });
        if (names.isEmpty()) {
            return;
        }
        List<String> list = List.copyOf(names);
        List<String> volatiles = resolver.volatileFunctions(list);
        if (!volatiles.isEmpty()) {
            throw new UnsupportedQueryException("volatile function " + volatiles.get(0) + "()");
        }
        List<String> aggregates = resolver.aggregateFunctions(list);
        if (!aggregates.isEmpty()) {
            throw new UnsupportedQueryException("aggregate function " + aggregates.get(0) + "()");
        }
        List<String> srfs = resolver.setReturningFunctions(list);
        if (!srfs.isEmpty()) {
            throw new UnsupportedQueryException("set-returning function " + srfs.get(0) + "()");
        }
    }

    private static void rejectSubqueries(SqlNode node, String construct) throws UnsupportedQueryException {
        boolean[] found = {false};
        node.accept(new SqlBasicVisitor<Void>() {
            @Override
            public Void visit(SqlCall call) {
                if (call instanceof SqlSelect || call.getKind() == SqlKind.UNION || call.getKind() == SqlKind.WITH) {
                    found[0] = true;
                    return null;
                }
                return super.visit(call);
            }
        });
        if (found[0]) {
            throw new UnsupportedQueryException(construct);
        }
    }

    private static String describeKind(SqlNode node) {
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

    private static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }
}
