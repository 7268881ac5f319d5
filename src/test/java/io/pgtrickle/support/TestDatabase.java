package io.pgtrickle.support;

import io.pgtrickle.catalog.CatalogInstaller;
import io.pgtrickle.embedded.EmbeddedPostgres;
import io.pgtrickle.sql.Db;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server per test JVM: the embedded distribution by default, or the server
 * named by PGTRICKLE_TEST_URL (a JDBC URL to a database whose user may CREATE DATABASE).
 * Each caller gets a fresh database with the pg_trickle catalog installed.
 */
public final class TestDatabase {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres embedded;
    private static String adminUrl;

    private TestDatabase() {
    }

    private static synchronized String adminUrl() throws Exception {
        if (adminUrl == null) {
            String external = System.getenv("PGTRICKLE_TEST_URL");
            if (external != null && !external.isBlank()) {
                adminUrl = external;
            } else {
                // logical: tests of sources a logical replication subscription writes
                embedded = EmbeddedPostgres.start("wal_level=logical", "max_replication_slots=40", "max_wal_senders=10");
                adminUrl = embedded.jdbcUrl("postgres");
            }
        }
        return adminUrl;
    }

    /** The capture mode test databases default to: system property pgtrickle.test.cdc (wal or trigger). */
    public static final boolean WAL_RUN = "wal".equals(System.getProperty("pgtrickle.test.cdc"));

    /**
     * Creates a new database with the catalog installed; returns its JDBC URL. Its stream tables
     * capture with triggers, or from the WAL in a WAL run ({@link #WAL_RUN}, as
     * {@link #freshWalDatabase}); the WAL is asked for by the tests of WAL capture itself, since one
     * replication slot per database would soon exhaust the server's.
     */
    public static String freshDatabase() throws Exception {
        if (WAL_RUN) {
            return freshWalDatabase();
        }
        return freshTriggerDatabase();
    }

    private static String freshTriggerDatabase() throws Exception {
        String url = emptyDatabase();
        Tx.sql(url, "ALTER DATABASE " + databaseName(url) + " SET pg_trickle.cdc_mode = 'trigger'");
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            CatalogInstaller.install(new Db(c));
            c.commit();
        }
        return url;
    }

    /**
     * A new database whose stream tables capture from the WAL where they can (cdc_mode auto), with
     * synchronous commits: a decode then never waits for the WAL writer (the embedded server
     * commits asynchronously; WalAsyncCommitTest covers that).
     */
    public static String freshWalDatabase() throws Exception {
        String url = freshTriggerDatabase();
        try (Connection c = connect(url); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            // (the embedded server always has it; a server named by PGTRICKLE_TEST_URL may not)
            org.junit.jupiter.api.Assumptions.assumeTrue("logical".equals(rs.getString(1)), "WAL capture needs wal_level = logical");
        }
        Tx.sql(url, "ALTER DATABASE " + databaseName(url) + " SET pg_trickle.cdc_mode = 'auto'",
                "ALTER DATABASE " + databaseName(url) + " SET synchronous_commit = on");
        return url;
    }

    static String databaseName(String url) {
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q);
        return base.substring(base.lastIndexOf('/') + 1);
    }

    /** Creates a new database without the catalog; returns its JDBC URL (as the admin user). */
    public static String emptyDatabase() throws Exception {
        String admin = adminUrl();
        String name = "pgt_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = DriverManager.getConnection(admin); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return withDatabase(admin, name);
    }

    public static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url);
    }

    static String withDatabase(String url, String database) {
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q);
        String params = q < 0 ? "" : url.substring(q);
        return base.substring(0, base.lastIndexOf('/') + 1) + database + params;
    }
}
