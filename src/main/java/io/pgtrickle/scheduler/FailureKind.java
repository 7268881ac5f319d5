package io.pgtrickle.scheduler;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;

/**
 * What a failed refresh's SQLSTATE says about the remedy. Checked in declaration order, so an
 * out-of-memory error is never mistaken for another kind.
 */
enum FailureKind {
    /** Lower the table's merge_work_mem_mb and retry at once. */
    OUT_OF_MEMORY,
    /** lock_not_available: stretch the table's interval until it succeeds again. */
    LOCK_TIMEOUT,
    /** The defining query can no longer run: a source table, column, function or type is gone. */
    PERMANENT,
    /** Anything else: count it, and suspend the table at max_consecutive_errors. */
    TRANSIENT;

    private static final Set<String> PERMANENT_STATES = Set.of("42P01", "42703", "42883", "42704");

    static FailureKind of(String sqlState, String message) {
        if (isOutOfMemory(sqlState, message)) {
            return OUT_OF_MEMORY;
        }
        if ("55P03".equals(sqlState)) {
            return LOCK_TIMEOUT;
        }
        return sqlState != null && PERMANENT_STATES.contains(sqlState) ? PERMANENT : TRANSIENT;
    }

    private static boolean isOutOfMemory(String sqlState, String message) {
        return "53200".equals(sqlState)
                || (message != null && message.toLowerCase(Locale.ROOT).contains("out of memory"));
    }

    /**
     * The connection itself is gone (SQLSTATE class 08, or closed): there is nothing to record the
     * failure on, so the caller drops the connection instead.
     */
    static boolean isConnectionLost(SQLException e, Connection c) {
        String st = e.getSQLState();
        try {
            return (st != null && st.startsWith("08")) || c.isClosed();
        } catch (SQLException x) {
            return true;
        }
    }
}
