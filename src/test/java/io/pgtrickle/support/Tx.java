package io.pgtrickle.support;

import io.pgtrickle.api.PgTrickle;
import java.sql.Connection;
import java.sql.SQLException;

/** Runs engine calls the way the CLI host does: one transaction, rolled back on failure. */
public final class Tx {

    @FunctionalInterface
    public interface Work<T> {
        T run(PgTrickle pgt) throws Exception;
    }

    private Tx() {
    }

    public static <T> T run(String url, Work<T> work) throws Exception {
        return run(url, Connection.TRANSACTION_READ_COMMITTED, work);
    }

    /** As {@link #run(String, Work)} at a JDBC isolation level (as the worker refreshes WAL-captured tables). */
    public static <T> T run(String url, int isolation, Work<T> work) throws Exception {
        try (Connection c = TestDatabase.connect(url)) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(isolation);
            try {
                T result = work.run(new PgTrickle(c));
                c.commit();
                return result;
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
        }
    }

    public static void sql(String url, String... statements) throws SQLException {
        try (Connection c = TestDatabase.connect(url); var st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }
}
