package io.pgtrickle.bench;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.catalog.CatalogInstaller;
import io.pgtrickle.sql.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * How the benchmark drives pg_trickle: through the Java API on its own JDBC connection (the CLI and
 * worker host), or through the SQL functions of the PL/Java extension, so the engine runs inside
 * the server backend (what a user calling {@code pgtrickle.refresh_stream_table} measures).
 */
interface Engine {

    void install() throws SQLException;

    /** A stream table captured by triggers (the refresh figures compare with earlier runs). */
    default void create(String name, String query, String mode) throws SQLException {
        create(name, query, mode, "trigger");
    }

    void create(String name, String query, String mode, String cdcMode) throws SQLException;

    void refresh(String name) throws SQLException;

    void drop(String name) throws SQLException;

    /** {@code PGTRICKLE_BENCH_IN_SERVER=1}: the PL/Java extension (CREATE EXTENSION pg_trickle). */
    static Engine of(Connection c) {
        return "1".equals(System.getenv("PGTRICKLE_BENCH_IN_SERVER")) ? new InServer(c) : new Client(c);
    }

    /** The Java API over pgjdbc; each call is one committed transaction. */
    record Client(Connection c) implements Engine {
        @Override
        public void install() throws SQLException {
            CatalogInstaller.install(new Db(c));
        }

        @Override
        public void create(String name, String query, String mode, String cdcMode) throws SQLException {
            inTransaction(() -> new PgTrickle(c).createStreamTable(name, query, "1h", mode, true, null, cdcMode));
        }

        @Override
        public void refresh(String name) throws SQLException {
            inTransaction(() -> {
                new PgTrickle(c).refreshStreamTable(name);
            });
        }

        @Override
        public void drop(String name) throws SQLException {
            inTransaction(() -> new PgTrickle(c).dropStreamTable(name, false));
        }

        private void inTransaction(Work w) throws SQLException {
            c.setAutoCommit(false);
            try {
                w.run();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }

        @FunctionalInterface
        private interface Work {
            void run() throws SQLException;
        }
    }

    /** The SQL functions, each call its own (autocommit) statement, so the engine runs in the backend. */
    record InServer(Connection c) implements Engine {
        @Override
        public void install() throws SQLException {
            call("CREATE EXTENSION IF NOT EXISTS pg_trickle CASCADE");
        }

        @Override
        public void create(String name, String query, String mode, String cdcMode) throws SQLException {
            call("SELECT pgtrickle.create_stream_table(?, ?, '1h', ?, cdc_mode => ?)", name, query, mode, cdcMode);
        }

        @Override
        public void refresh(String name) throws SQLException {
            call("SELECT pgtrickle.refresh_stream_table(?)", name);
        }

        @Override
        public void drop(String name) throws SQLException {
            call("SELECT pgtrickle.drop_stream_table(?)", name);
        }

        private void call(String sql, String... args) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setString(i + 1, args[i]);
                }
                ps.execute();
            }
        }
    }
}
