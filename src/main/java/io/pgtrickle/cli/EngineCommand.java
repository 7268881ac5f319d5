package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/** A subcommand that runs one engine call in one transaction, rolled back on failure. */
abstract class EngineCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @FunctionalInterface
    interface Work {
        void run(PgTrickle pgt) throws SQLException;
    }

    static int inTransaction(ConnectionOptions options, Work work) throws SQLException {
        try (Connection c = options.open()) {
            c.setAutoCommit(false);
            PgTrickle pgt = new PgTrickle(c);
            pgt.db().onWarning(w -> System.err.println("WARNING: " + w));
            try {
                work.run(pgt);
                c.commit();
                return 0;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    @Override
    public Integer call() throws SQLException {
        return inTransaction(connection, this::run);
    }

    abstract void run(PgTrickle pgt) throws SQLException;
}
