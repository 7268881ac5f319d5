package io.pgtrickle.api;

import java.sql.Connection;
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

    private static PgTrickle engine() throws SQLException {
        // The default connection belongs to the backend: never close or commit it.
        Connection c = DriverManager.getConnection(DEFAULT_CONNECTION);
        return new PgTrickle(c);
    }

    public static void createStreamTable(String name, String query, String schedule, String refreshMode,
                                         Boolean initialize, String preset) throws SQLException {
        engine().createStreamTable(name, query, schedule, refreshMode, initialize, preset);
    }

    public static void alterStreamTable(String name, String query, String schedule, String refreshMode,
                                        String status, String preset) throws SQLException {
        engine().alterStreamTable(name, query, schedule, refreshMode, status, preset);
    }

    public static void dropStreamTable(String name, Boolean cascade) throws SQLException {
        engine().dropStreamTable(name, cascade);
    }

    public static void refreshStreamTable(String name) throws SQLException {
        engine().refreshStreamTable(name);
    }

    public static void resumeStreamTable(String name) throws SQLException {
        engine().resumeStreamTable(name);
    }
}
