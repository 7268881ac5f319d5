package io.pgtrickle.api;

import io.pgtrickle.sql.PgTrickleException;
import java.security.AccessController;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * PL/Java entry points, declared in the extension script as {@code LANGUAGE java} functions.
 * Each is a thin adapter: the backend's SPI connection, the caller's transaction, one engine call.
 * Arguments are boxed because PL/Java passes SQL NULL to a primitive as 0.
 */
public final class SqlFunctions {

    private static final String DEFAULT_CONNECTION = "jdbc:default:connection";

    private SqlFunctions() {
    }

    /** One engine call; the backend's connection is never closed or committed. */
    @FunctionalInterface
    private interface Call {
        void run(PgTrickle pgt) throws SQLException;
    }

    /**
     * Runs with pg_trickle's own permissions (granted to the jar by pg_trickle.policy) rather than
     * the restricted context PL/Java gives the calling function: Caffeine and OpenTelemetry reflect
     * and read system properties as they load.
     */
    @SuppressWarnings("removal")
    private static void call(Call call) throws SQLException {
        PgTrickle pgt = new PgTrickle(DriverManager.getConnection(DEFAULT_CONNECTION));
        try {
            AccessController.doPrivileged((PrivilegedExceptionAction<Void>) () -> {
                call.run(pgt);
                return null;
            });
        } catch (PrivilegedActionException wrapped) {
            Exception e = wrapped.getException();
            if (!(e instanceof PgTrickleException pe)) {
                throw e instanceof SQLException sql ? sql : new SQLException(e);
            }
            // Re-raised by the server: the client sees our SQLSTATE and message, not a Java class name.
            pgt.db().query("SELECT pgtrickle._raise_error(?, ?)", rs -> null, pe.getSQLState(), pe.getMessage());
            throw pe;
        }
    }

    public static void createStreamTable(String name, String query, String schedule, String refreshMode,
                                         Boolean initialize, String preset, String cdcMode) throws SQLException {
        call(p -> p.createStreamTable(name, query, schedule, refreshMode, initialize, preset, cdcMode));
    }

    public static void alterStreamTable(String name, String query, String schedule, String refreshMode,
                                        String status, String preset, String cdcMode) throws SQLException {
        call(p -> p.alterStreamTable(name, query, schedule, refreshMode, status, preset, cdcMode));
    }

    public static void dropStreamTable(String name, Boolean cascade) throws SQLException {
        call(p -> p.dropStreamTable(name, cascade));
    }

    public static void refreshStreamTable(String name) throws SQLException {
        call(p -> p.refreshStreamTable(name));
    }

    /**
     * Fills pg_temp.__pgt_preview for the SQL wrapper preview_stream_table(query), which returns its
     * rows: a table result without PL/Java's own API on the class path.
     */
    public static void previewFill(String query) throws SQLException {
        call(p -> {
            for (PreviewRow r : p.previewStreamTable(query)) {
                p.db().update("INSERT INTO pg_temp.__pgt_preview VALUES (?, ?, ?, ?, ?, ?, ?::int, ?::int, ?, ?)",
                        r.sourceTable(), r.sourceType(), r.cdcMode(), r.refreshMode(), r.complexity(), r.operatorTree(),
                        String.valueOf(r.deltaTemplateBytes()), String.valueOf(r.fullTemplateBytes()), r.warnings(), r.plan());
            }
        });
    }

    /** explain_refresh(name, analyze): SETOF text, one line per row. */
    public static java.util.Iterator<String> explainRefresh(String name, Boolean analyze) throws SQLException {
        java.util.List<String> lines = new java.util.ArrayList<>();
        call(p -> lines.addAll(p.explainRefresh(name, Boolean.TRUE.equals(analyze))));
        return lines.iterator();
    }

    public static void resumeStreamTable(String name) throws SQLException {
        call(p -> p.resumeStreamTable(name));
    }
}
