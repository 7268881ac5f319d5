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
        ExpressionDeparser deparser = new ExpressionDeparser(new PgCatalog(db),
                new LiteralText(query, tree.prefixBytes()));
        QueryTranslator translator = new QueryTranslator(deparser, new PgSourceResolver(db), this::view);
        Relation rel;
        try {
            rel = translator.root(root(tree), outputNames);
        } catch (UnsupportedQueryException e) {
            return Analysis.unsupported(e.getMessage());
        } catch (StackOverflowError e) {
            // the reader and the translator recurse once per nesting level (a long UNION ALL chain too)
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

    private static PgNode root(QueryChecks.Tree tree) {
        return (PgNode) ((List<?>) NodeTreeReader.read(tree.text())).get(0);
    }

    /**
     * A view's query, for inlining: PostgreSQL's own text of it ({@code pg_get_viewdef}) analysed
     * like a defining query, so its constants can be read from that text. A security_barrier view
     * is not inlined: its filters must run before the caller's.
     */
    private QueryTranslator.View view(long oid) throws SQLException, UnsupportedQueryException {
        Object[] v = db.queryOne("SELECT c.oid::regclass::text, pg_catalog.pg_get_viewdef(c.oid),"
                + " coalesce((SELECT o.option_value::boolean FROM pg_catalog.pg_options_to_table(c.reloptions) o"
                + " WHERE o.option_name = 'security_barrier'), false)"
                + " FROM pg_catalog.pg_class c WHERE c.oid = ?::oid", rs -> new Object[] {rs.getString(1),
                        rs.getString(2), rs.getBoolean(3)}, oid).orElseThrow();
        if ((Boolean) v[2]) {
            throw new UnsupportedQueryException("the security_barrier view " + v[0] + " as a source");
        }
        String text = ((String) v[1]).strip().replaceAll(";$", "");
        QueryChecks.Tree tree = checks.analyse(text);
        if (tree.failure() != null) {
            throw new UnsupportedQueryException("the view " + v[0] + " (" + tree.failure() + ")");
        }
        return new QueryTranslator.View(root(tree), new LiteralText(text, tree.prefixBytes()));
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
