package io.pgtrickle.dvm;

import io.pgtrickle.catalog.PgSourceResolver;
import io.pgtrickle.catalog.CdcMode;
import io.pgtrickle.catalog.RefreshMode;
import io.pgtrickle.dvm.operators.AggregateOperator;
import io.pgtrickle.dvm.operators.AlgebraicAggregateOperator;
import io.pgtrickle.frontend.QueryAnalyzer;
import io.pgtrickle.sql.Db;
import io.pgtrickle.sql.PgTrickleException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A defining query checked by PostgreSQL and analysed for differential maintenance: its output
 * columns, the relations it reads, the refresh mode it gets and the SQL templates to refresh it.
 */
public record StreamTableDefinition(String query, List<SourceTable.Column> columns, List<SourceTable> relations,
                                    RefreshMode effectiveMode, MaintenancePlan plan, String fullReason,
                                    Analysis analysis, Set<Long> throughViews) {

    /** A FULL-only definition: only the relations the query names are its sources. */
    private StreamTableDefinition(String query, List<SourceTable.Column> columns, List<SourceTable> relations,
                                  MaintenancePlan plan, String fullReason, Analysis analysis) {
        this(query, columns, relations, RefreshMode.FULL, plan, fullReason, analysis, Set.of());
    }

    /** Whether {@code source} is read only through an inlined view (the query does not name it). */
    public boolean isThroughView(SourceTable source) {
        return throughViews.contains(source.oid());
    }

    private static final Pattern SELECT_START = Pattern.compile("^\\s*(\\(\\s*)*(select|with|values|table)\\b",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern TRAILING_SEMICOLONS = Pattern.compile("[\\s;]+$");

    public static StreamTableDefinition analyze(Db db, String rawQuery, RefreshMode requested) throws SQLException {
        return analyze(db, QueryChecks.asCaller(db), rawQuery, requested, null);
    }

    /** As {@link #analyze(Db, String, RefreshMode)}, for a stream table asking for {@code cdc} capture (null: the setting's). */
    public static StreamTableDefinition analyze(Db db, String rawQuery, RefreshMode requested, CdcMode cdc)
            throws SQLException {
        return analyze(db, QueryChecks.asCaller(db), rawQuery, requested, cdc);
    }

    /** With PostgreSQL's answers about the query taken from {@code checks} (see {@link QueryChecks}). */
    public static StreamTableDefinition analyze(Db db, QueryChecks checks, String rawQuery, RefreshMode requested,
                                                CdcMode cdc) throws SQLException {
        if (rawQuery == null || rawQuery.isBlank()) {
            throw new PgTrickleException(PgTrickleException.SYNTAX_ERROR, "defining query must not be empty");
        }
        String query = TRAILING_SEMICOLONS.matcher(rawQuery).replaceAll("");
        if (!SELECT_START.matcher(stripLeadingComments(query)).find()) {
            throw new PgTrickleException(PgTrickleException.SYNTAX_ERROR,
                    "defining query must be a SELECT statement (or WITH ... SELECT, VALUES, TABLE)");
        }
        // PostgreSQL is the judge of validity: syntax, missing tables and columns keep their SQLSTATE.
        List<SourceTable.Column> columns = checks.describe(query);
        checkColumnNames(columns);
        PgSourceResolver resolver = new PgSourceResolver(db);
        List<SourceTable> relations = new ArrayList<>();
        for (long oid : checks.relations(query)) {
            relations.add(resolver.byOid(oid));
        }
        List<String> names = columns.stream().map(SourceTable.Column::name).toList();
        if (requested == RefreshMode.FULL) {
            return new StreamTableDefinition(query, columns, relations, PlanBuilder.fullOnly(query, names), "refresh_mode FULL was requested", null);
        }
        Analysis analysis = new QueryAnalyzer(db, checks).analyze(query, names);
        if (analysis.root() instanceof AggregateOperator agg) {
            // the top-level aggregate can keep counters in the storage when every item is algebraic
            AlgebraicAggregateOperator algebraic = AlgebraicAggregateOperator.of(agg,
                    columns.stream().map(SourceTable.Column::type).toList());
            if (algebraic != null) {
                analysis = new Analysis(algebraic, null, analysis.sources());
            }
        }
        if (analysis.isDifferentiable()) {
            // tables read through inlined views are sources too: they are captured
            List<SourceTable> captured = new ArrayList<>(relations);
            Set<Long> throughViews = new HashSet<>();
            for (SourceTable s : analysis.sources()) {
                if (captured.stream().noneMatch(r -> r.oid() == s.oid())) {
                    captured.add(s);
                    throughViews.add(s.oid());
                }
            }
            CaptureObstacle obstacle = captureObstacle(db, captured, cdc);
            if (obstacle != null) {
                if (requested == RefreshMode.DIFFERENTIAL) {
                    throw new PgTrickleException(obstacle.sqlState(), "cannot use refresh_mode DIFFERENTIAL: " + obstacle.reason());
                }
                return new StreamTableDefinition(query, columns, relations, PlanBuilder.fullOnly(query, names),
                        obstacle.reason(), analysis);
            }
            List<Boolean> hashable = db.query("SELECT pgtrickle._hashable(u.t::regtype)"
                            + " FROM unnest(string_to_array(?, chr(1))) WITH ORDINALITY u(t, n) ORDER BY u.n",
                    rs -> rs.getBoolean(1), String.join("\u0001", columns.stream().map(SourceTable.Column::type).toList()));
            MaintenancePlan plan = PlanBuilder.differential(analysis.root(), names, hashable);
            String rejected = checks.planError(plan.fullSql());
            if (rejected == null) {
                return new StreamTableDefinition(query, columns, captured, RefreshMode.DIFFERENTIAL, plan, null,
                        analysis, throughViews);
            }
            analysis = Analysis.unsupported("an expression the DVM translation could not carry over (" + rejected + ")");
        }
        String reason = "the query uses " + analysis.unsupportedReason()
                + ", which differential refresh does not support";
        if (requested == RefreshMode.DIFFERENTIAL) {
            throw PgTrickleException.notSupported("cannot use refresh_mode DIFFERENTIAL: " + reason);
        }
        return new StreamTableDefinition(query, columns, relations, PlanBuilder.fullOnly(query, names), reason, analysis);
    }

    /** The WARNING create and alter raise when AUTO falls back to FULL, or null. */
    public String fallbackWarning() {
        return analysis != null && effectiveMode == RefreshMode.FULL
                ? "pg_trickle: " + fullReason + "; the stream table will use FULL refresh" : null;
    }

    /** Why the changes of a source cannot be captured by triggers, with the SQLSTATE DIFFERENTIAL fails with. */
    private record CaptureObstacle(String sqlState, String reason) {
    }

    /**
     * Trigger capture installs triggers on every source, which PostgreSQL allows only to roles with
     * the TRIGGER privilege; and some changes no capture trigger sees (pgtrickle._capture_gap: a
     * subscription writing the source, a foreign partition), which would be missed silently. A source
     * that WAL capture will serve has neither problem. Null when nothing stands in the way.
     */
    private static CaptureObstacle captureObstacle(Db db, List<SourceTable> relations, CdcMode cdc) throws SQLException {
        for (SourceTable s : relations) {
            if (!s.isCapturable()) {
                continue;
            }
            CaptureObstacle o = db.queryOne("SELECT NOT has_table_privilege(?::oid, 'TRIGGER'), pgtrickle._capture_gap(?::oid),"
                            + " coalesce(?, pgtrickle._setting('cdc_mode')) <> 'trigger' AND pgtrickle._wal_obstacle(?::oid) IS NULL"
                            + " AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st"
                            + " ON st.pgt_id = d.pgt_id WHERE d.source_relid = ?::oid AND st.cdc_mode = 'trigger')",
                    rs -> rs.getBoolean(3) ? null
                            : rs.getBoolean(1)
                            ? new CaptureObstacle(PgTrickleException.INSUFFICIENT_PRIVILEGE,
                                    "change capture needs the TRIGGER privilege on " + s.name().display())
                            : rs.getString(2) != null
                            ? new CaptureObstacle(PgTrickleException.FEATURE_NOT_SUPPORTED, rs.getString(2))
                            : null,
                    s.oid(), s.oid(), cdc == null ? null : cdc.sqlName(), s.oid(), s.oid()).orElse(null);
            if (o != null) {
                return o;
            }
        }
        return null;
    }

    private static void checkColumnNames(List<SourceTable.Column> columns) throws PgTrickleException {
        Set<String> seen = new HashSet<>();
        for (SourceTable.Column c : columns) {
            if (c.name().toLowerCase(Locale.ROOT).startsWith("__pgt_")) {
                throw new PgTrickleException(PgTrickleException.INVALID_NAME, "column name \"" + c.name()
                        + "\" is reserved: names starting with __pgt_ belong to pg_trickle (when reading another"
                        + " stream table, list its columns instead of using *)");
            }
            if (!seen.add(c.name())) {
                throw new PgTrickleException(PgTrickleException.DUPLICATE_COLUMN, "column \"" + c.name()
                        + "\" appears more than once in the query output; give each column a distinct alias");
            }
        }
    }

    private static String stripLeadingComments(String q) {
        String s = q;
        while (true) {
            String t = s.stripLeading();
            if (t.startsWith("--")) {
                int nl = t.indexOf('\n');
                s = nl < 0 ? "" : t.substring(nl + 1);
            } else if (t.startsWith("/*")) {
                int end = t.indexOf("*/");
                s = end < 0 ? "" : t.substring(end + 2);
            } else {
                return t;
            }
        }
    }
}
