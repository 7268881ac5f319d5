package io.pgtrickle.frontend;

import io.pgtrickle.catalog.PgSourceResolver;
import io.pgtrickle.dvm.Analysis;
import io.pgtrickle.dvm.QueryChecks;
import io.pgtrickle.dvm.UnsupportedQueryException;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.sql.Db;
import io.pgtrickle.sql.PgTrickleException;
import java.sql.SQLException;
import java.util.List;

/**
 * The front end: PostgreSQL parses and analyses the defining query (as a temporary view, so
 * every construct of its SELECT syntax is read by PostgreSQL's own grammar), and the analysed
 * tree is translated into an operator tree. See docs/FRONT_END.md for why.
 */
public final class QueryAnalyzer {

    /** Deeper operator trees are refused for differential refresh (SQLSTATE 54001). */
    static final int MAX_OPERATOR_DEPTH = 200;

    private final Db db;
    private final QueryChecks checks;

    public QueryAnalyzer(Db db, QueryChecks checks) {
        this.db = db;
        this.checks = checks;
    }

    /**
     * @param query       the defining query (already validated by PostgreSQL)
     * @param outputNames the output column names PostgreSQL reports for it
     */
    public Analysis analyze(String query, List<String> outputNames) throws SQLException {
        QueryChecks.Tree tree = checks.analyse(query);
        if (tree.failure() != null) {
            return Analysis.unsupported("a query PostgreSQL does not accept as a view (" + tree.failure() + ")");
        }
        if (!query.chars().allMatch(c -> c < 128) && !"UTF8".equals(db.queryOne(
                "SELECT pg_catalog.current_setting('server_encoding')", rs -> rs.getString(1)).orElse(null))) {
            return Analysis.unsupported("non-ASCII query text in a database whose encoding is not UTF8");
        }
        PgNode root = (PgNode) ((List<?>) NodeTreeReader.read(tree.text())).get(0);
        ExpressionDeparser deparser = new ExpressionDeparser(new PgCatalog(db),
                new LiteralText(query, tree.prefixBytes()));
        QueryTranslator translator = new QueryTranslator(deparser, new PgSourceResolver(db));
        Relation rel;
        try {
            rel = translator.query(root, null, outputNames);
        } catch (UnsupportedQueryException e) {
            return Analysis.unsupported(e.getMessage());
        } catch (StackOverflowError e) {
            // the translator recurses once per nesting level (a long UNION ALL chain too)
            throw tooDeep("its nesting exhausted the analyser's stack");
        }
        if (rel.columns().size() != outputNames.size()) {
            return Analysis.unsupported("a result whose columns could not be matched to the query output");
        }
        // the generated SQL nests deeper than the query; past this PostgreSQL's own parser may run out
        if (depth(rel.op(), 0) > MAX_OPERATOR_DEPTH) {
            throw tooDeep("its operator tree is more than " + MAX_OPERATOR_DEPTH + " operators deep");
        }
        return new Analysis(rel.op(), null, List.copyOf(translator.sources));
    }

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
}
