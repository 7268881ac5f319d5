package io.pgtrickle.dvm;

import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.sql.PgTrickleException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.babel.SqlBabelParserImpl;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

/**
 * Parses a defining query with Calcite's Babel parser, configured like PostgreSQL, and hands it
 * to the recursive {@link QueryTranslator}. Only the dvm translation classes touch Calcite, so a
 * refresh never loads it.
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
        Analysis analysis;
        try {
            analysis = analyzeParsed(query, outputNames);
        } catch (StackOverflowError e) {
            // The parser and the translator recurse once per nesting level (a long UNION ALL chain too).
            throw tooDeep("its nesting exhausted the analyser's stack");
        }
        // The generated SQL nests deeper than the query; past this PostgreSQL's own parser may run out.
        if (analysis.root() != null && depth(analysis.root(), 0) > MAX_OPERATOR_DEPTH) {
            throw tooDeep("its operator tree is more than " + MAX_OPERATOR_DEPTH + " operators deep");
        }
        return analysis;
    }

    /** Deeper operator trees are refused for differential refresh (SQLSTATE 54001). */
    static final int MAX_OPERATOR_DEPTH = 200;

    private static int depth(DeltaOperator op, int above) {
        int deepest = above + 1;
        for (DeltaOperator child : op.children()) {
            if (deepest > MAX_OPERATOR_DEPTH) {
                break;
            }
            deepest = Math.max(deepest, depth(child, above + 1));
        }
        return deepest;
    }

    private static PgTrickleException tooDeep(String why) {
        return new PgTrickleException(PgTrickleException.STATEMENT_TOO_COMPLEX, "defining query is too deeply nested"
                + " for differential analysis (" + why + "); use refresh_mode => 'FULL', or split it into stream"
                + " tables that read each other");
    }

    private Analysis analyzeParsed(String query, List<String> outputNames) throws SQLException {
        QueryText text = new QueryText(query);
        SqlNode root;
        try {
            root = SqlParser.create(query, POSTGRES).parseQuery();
        } catch (SqlParseException e) {
            return Analysis.unsupported("syntax the DVM parser does not understand ("
                    + firstLine(e.getMessage()) + ")");
        }
        try {
            List<String> names = functionNames(root);
            List<String> volatiles = names.isEmpty() ? List.of() : resolver.volatileFunctions(names);
            if (!volatiles.isEmpty()) {
                throw new UnsupportedQueryException("volatile function " + volatiles.get(0) + "()");
            }
            Set<String> aggregates = new HashSet<>(names.isEmpty() ? List.of() : resolver.aggregateFunctions(names));
            Set<String> srfs = new HashSet<>(names.isEmpty() ? List.of() : resolver.setReturningFunctions(names));
            List<SourceTable> sources = new ArrayList<>();
            QueryTranslator translator = new QueryTranslator(resolver, text, new ExprRewriter(text, srfs), aggregates,
                    sources);
            Rel rel = translator.query(root, outputNames, null);
            if (rel.scope().fields().size() != outputNames.size()) {
                throw new UnsupportedQueryException("a result whose columns could not be matched to the query output");
            }
            return new Analysis(rel.op(), null, List.copyOf(sources));
        } catch (UnsupportedQueryException e) {
            return Analysis.unsupported(e.getMessage());
        }
    }

    private static List<String> functionNames(SqlNode root) {
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
        return List.copyOf(names);
    }

    private static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }
}
