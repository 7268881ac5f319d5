package io.pgtrickle.pljava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Oracle;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.DockerImageName;

/**
 * The in-database host: CREATE EXTENSION pg_trickle CASCADE and the SQL API as PL/Java functions.
 * Runs against PGTRICKLE_PLJAVA_URL (a database on a server with PL/Java and pg_trickle installed,
 * whose user may CREATE DATABASE), else a container built from docker/Dockerfile.pljava when
 * Docker is available; skipped otherwise.
 */
class PlJavaExtensionIT {

    private static PostgreSQLContainer<?> container;
    private static String url;

    @BeforeAll
    static void server() throws Exception {
        String external = System.getenv("PGTRICKLE_PLJAVA_URL");
        if (external != null && !external.isBlank()) {
            String admin = external;
            String db = "pgt_pljava_it_" + ProcessHandle.current().pid();
            try (Connection c = DriverManager.getConnection(admin); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + db);
                st.execute("CREATE DATABASE " + db);
            }
            int q = admin.indexOf('?');
            String base = q < 0 ? admin : admin.substring(0, q);
            url = base.substring(0, base.lastIndexOf('/') + 1) + db + (q < 0 ? "" : admin.substring(q));
            sql("CREATE EXTENSION pg_trickle CASCADE");
            return;
        }
        Assumptions.assumeTrue(DockerClientFactory.instance().isDockerAvailable(),
                "no PL/Java server (PGTRICKLE_PLJAVA_URL) and no Docker: PL/Java tests skipped");
        ImageFromDockerfile image = new ImageFromDockerfile("pg-trickle-pljava-it", false)
                .withFileFromPath("docker", Path.of("docker"))
                .withFileFromPath("target/pg-trickle.jar", Path.of("target/pg-trickle.jar"))
                .withFileFromPath("target/pg-trickle-engine.jar", Path.of("target/pg-trickle-engine.jar"))
                .withFileFromPath("Dockerfile", Path.of("docker/Dockerfile.pljava"));
        container = new PostgreSQLContainer<>(DockerImageName.parse(image.get()).asCompatibleSubstituteFor("postgres"));
        container.start();
        url = container.getJdbcUrl() + "&user=" + container.getUsername() + "&password=" + container.getPassword();
    }

    @AfterAll
    static void stop() {
        if (container != null) {
            container.stop();
        }
    }

    private static void sql(String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    /** write_class_archive trains a JVM on every API call (all rolled back) and writes its archive at session end. */
    @Test
    void classArchiveIsWrittenWhenTheSessionEnds() throws Exception {
        String archive = "pgt_it_" + ProcessHandle.current().pid() + ".jsa";
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pgtrickle.write_class_archive('" + archive + "')")) {
            assertTrue(rs.next() && rs.getString(1).contains("-XX:SharedArchiveFile=" + archive), "the options to use");
        }
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            assertEquals(0, count(st, "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgtrickle_class_archive'"),
                    "the training leaves nothing behind");
            // the ending session's JVM writes the file after the connection closed
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (count(st, "SELECT (pg_stat_file('" + archive + "', true)).size") <= 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(count(st, "SELECT (pg_stat_file('" + archive + "', true)).size") > 1_000_000, "archive written");
        }
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void streamTableThroughSqlFunctions() throws Exception {
        String query = "SELECT id, region, amount * 2 AS doubled FROM orders WHERE amount > 50";
        sql("CREATE TABLE orders (id int PRIMARY KEY, region text, amount numeric)",
                "INSERT INTO orders SELECT g, 'r' || (g % 3), g FROM generate_series(1, 100) g",
                // A comment and a ? in the query: the SPI driver must not rewrite it.
                "SELECT pgtrickle.create_stream_table('big_orders', $q$" + query + " -- why? because\n$q$,"
                        + " schedule => '5s', refresh_mode => 'DIFFERENTIAL')",
                "UPDATE orders SET amount = 1 WHERE id = 90",
                "DELETE FROM orders WHERE id = 80",
                "INSERT INTO orders VALUES (500, 'x', 77)",
                "SELECT pgtrickle.refresh_stream_table('big_orders')");
        try (Connection c = DriverManager.getConnection(url)) {
            assertEquals(List.of(), Oracle.differences(c, "big_orders", query));
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pgtrickle.get_refresh_history('big_orders')"
                    + " WHERE action = 'DIFFERENTIAL' AND initiated_by = 'MANUAL'"));
        }
        SQLException dml = assertThrows(SQLException.class, () -> sql("DELETE FROM big_orders"));
        assertEquals("55000", dml.getSQLState());
        SQLException dup = assertThrows(SQLException.class,
                () -> sql("SELECT pgtrickle.create_stream_table('big_orders', 'SELECT 1')"));
        assertEquals("42P07", dup.getSQLState());
        assertTrue(dup.getMessage().contains("already exists"), dup.getMessage());
        SQLException unsupported = assertThrows(SQLException.class, () -> sql(
                "SELECT pgtrickle.create_stream_table('x', 'SELECT random() AS r FROM orders', refresh_mode => 'DIFFERENTIAL')"));
        assertEquals("0A000", unsupported.getSQLState());
        String agg = "SELECT region, count(*) AS n, sum(amount) AS total FROM orders GROUP BY region";
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            try (var rs = st.executeQuery("SELECT refresh_mode, complexity FROM pgtrickle.preview_stream_table('" + agg + "')")) {
                assertTrue(rs.next());
                assertEquals("DIFFERENTIAL", rs.getString(1));
                assertEquals("GROUP_RECOMPUTE", rs.getString(2));
            }
            st.execute("SELECT pgtrickle.create_stream_table('by_region', '" + agg + "')");
            st.execute("SET TimeZone = 'Pacific/Auckland'");
            st.execute("UPDATE orders SET region = 'moved' WHERE id % 7 = 0");
            // the pending delta and its plan, read through SPI (SETOF text from Java)
            assertTrue(Oracle.count(c, "SELECT count(*) FROM pgtrickle.explain_refresh('by_region', run_analyze => true)"
                    + " l WHERE l LIKE '%actual time%'") > 0);
            st.execute("SELECT pgtrickle.refresh_stream_table('by_region')");
            assertEquals(List.of(), Oracle.differences(c, "by_region", agg));
            // the front end in the backend: jsonb, USING, DISTINCT ON, a view, LATERAL, a correlated subquery
            st.execute("CREATE TABLE docs (id int PRIMARY KEY, region text, doc jsonb)");
            st.execute("INSERT INTO docs SELECT g, 'r' || (g % 3), jsonb_build_object('k', g % 4) FROM generate_series(1, 60) g");
            st.execute("CREATE VIEW docs_orders AS SELECT d.id, d.doc, o.amount FROM docs d JOIN orders o USING (id)");
            String front = "SELECT DISTINCT ON (v.doc->>'k') v.doc->>'k' AS k, v.id, v.amount,"
                    + " (SELECT count(*) FROM orders o WHERE o.region = r.region) AS peers, x.n"
                    + " FROM docs_orders v JOIN docs r USING (id), LATERAL (SELECT count(*) AS n FROM orders o2"
                    + " WHERE o2.region = r.region AND o2.amount > 10) x WHERE v.doc @> '{\"k\": 1}' OR v.amount > 40"
                    + " ORDER BY v.doc->>'k', v.amount DESC, v.id";
            st.execute("SELECT pgtrickle.create_stream_table('front', $q$" + front + "$q$, refresh_mode => 'DIFFERENTIAL')");
            st.execute("UPDATE orders SET amount = amount + 13 WHERE id % 5 = 0");
            st.execute("UPDATE docs SET doc = '{\"k\": 1}' WHERE id % 6 = 0");
            st.execute("SELECT pgtrickle.refresh_stream_table('front')");
            assertEquals(List.of(), Oracle.differences(c, "front", front));
            st.execute("SELECT pgtrickle.drop_stream_table('front')");
            st.execute("SELECT pgtrickle.drop_stream_table('by_region')");
        }
        sql("SELECT pgtrickle.drop_stream_table('big_orders')");
        try (Connection c = DriverManager.getConnection(url)) {
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_stream_tables"));
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle_changes'::regnamespace AND relkind = 'r'"));
        }
    }

    /** WAL capture in the backend: the slot decoded through SPI, in READ COMMITTED and REPEATABLE READ refreshes. */
    @Test
    void walCaptureDecodesThroughSpi() throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SHOW wal_level")) {
                rs.next();
                Assumptions.assumeTrue("logical".equals(rs.getString(1)), "the PL/Java server has no wal_level = logical");
            }
            String agg = "SELECT id % 5 AS k, count(*) AS n, sum(v) AS s FROM wsrc GROUP BY 1";
            String filter = "SELECT id, v FROM wsrc WHERE v > 50";
            st.execute("CREATE TABLE wsrc (id int PRIMARY KEY, v int)");
            st.execute("INSERT INTO wsrc SELECT g, g FROM generate_series(1, 100) g");
            st.execute("SELECT pgtrickle.create_stream_table('w_agg', '" + agg + "', '1h', 'DIFFERENTIAL', true, NULL, 'wal')");
            st.execute("SELECT pgtrickle.create_stream_table('w_filter', '" + filter + "', '1h', 'DIFFERENTIAL', true, NULL, 'wal')");
            assertEquals(2, Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_status() WHERE capture = 'WAL'"));
            for (String isolation : List.of("READ COMMITTED", "REPEATABLE READ")) {
                st.execute("UPDATE wsrc SET v = v + 1 WHERE id % 3 = 0");
                st.execute("DELETE FROM wsrc WHERE id IN (SELECT max(id) FROM wsrc)");
                st.execute("INSERT INTO wsrc SELECT max(id) + 10, 7 FROM wsrc");
                c.setAutoCommit(false);
                st.execute("SET TRANSACTION ISOLATION LEVEL " + isolation);
                st.execute("SELECT pgtrickle.refresh_stream_table('w_agg')");
                st.execute("SELECT pgtrickle.refresh_stream_table('w_filter')");
                c.commit();
                c.setAutoCommit(true);
                assertEquals(List.of(), Oracle.differences(c, "w_agg", agg), isolation);
                assertEquals(List.of(), Oracle.differences(c, "w_filter", filter), isolation);
            }
            assertEquals(4, Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_refresh_history h"
                    + " JOIN pgtrickle.pgt_stream_tables t USING (pgt_id) WHERE t.pgt_name IN ('w_agg', 'w_filter')"
                    + " AND h.action = 'DIFFERENTIAL'"));
            st.execute("SELECT pgtrickle.drop_stream_table('w_filter')");
            st.execute("SELECT pgtrickle.drop_stream_table('w_agg')");
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = pgtrickle._wal_slot()"),
                    "the slot goes with the last WAL-captured source");
        }
    }

    private static String as(String role) {
        return io.pgtrickle.support.Roles.as(url, role);
    }

    private static void sqlAs(String role, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(as(role)); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    /** The security model in the backend: real roles, SQL functions, a superuser refreshing. */
    @Test
    void securityModelInTheBackend() throws Exception {
        for (String role : List.of("pj_alice", "pj_bob", "pj_carol", "pj_dave")) {
            sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role + "') THEN CREATE ROLE "
                    + role + " LOGIN; END IF; END $$", "CREATE SCHEMA " + role + " AUTHORIZATION " + role);
        }
        sql("GRANT pgtrickle_user TO pj_alice, pj_carol", "CREATE TABLE public.who_ran (who text)",
                "GRANT INSERT ON public.who_ran TO PUBLIC");
        sqlAs("pj_bob", "CREATE TABLE pj_bob.src (id int PRIMARY KEY, \"*/$pgt$; ALTER ROLE pj_bob SUPERUSER; SELECT /*\" int)",
                "INSERT INTO pj_bob.src SELECT g, g FROM generate_series(1, 10) g",
                "GRANT USAGE ON SCHEMA pj_bob TO pj_alice", "GRANT SELECT, TRIGGER ON pj_bob.src TO pj_alice");
        sqlAs("pj_alice", "CREATE FUNCTION pj_alice.me(int) RETURNS text LANGUAGE sql STABLE AS 'SELECT current_user::text'",
                "SELECT pgtrickle.create_stream_table('st', 'SELECT id, me(id) AS who FROM pj_bob.src',"
                        + " refresh_mode => 'DIFFERENTIAL')");
        sqlAs("pj_bob", "UPDATE pj_bob.src SET \"*/$pgt$; ALTER ROLE pj_bob SUPERUSER; SELECT /*\" = 0 WHERE id < 4",
                "INSERT INTO pj_bob.src VALUES (11, 11)");
        sql("SELECT pgtrickle.refresh_stream_table('pj_alice.st')");       // as the superuser
        try (Connection c = DriverManager.getConnection(url)) {
            assertEquals(List.of(), Oracle.differences(c, "pj_alice.st", "SELECT id, 'pj_alice'::text AS who FROM pj_bob.src"));
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'pj\\_%' AND rolsuper"));
        }
        for (String call : List.of("SELECT pgtrickle.refresh_stream_table('pj_alice.st')",
                "SELECT pgtrickle.drop_stream_table('pj_alice.st')",
                "SELECT pgtrickle.alter_stream_table('pj_alice.st', schedule => '5s')")) {
            SQLException e = assertThrows(SQLException.class, () -> sqlAs("pj_carol", call));
            assertEquals("42501", e.getSQLState(), e.getMessage());
        }
        SQLException noApi = assertThrows(SQLException.class,
                () -> sqlAs("pj_dave", "SELECT pgtrickle.create_stream_table('x', 'SELECT 1 AS a')"));
        assertEquals("42501", noApi.getSQLState());
        sqlAs("pj_dave", "CREATE TABLE pj_dave.t (id int, c int)", "ALTER TABLE pj_dave.t DROP COLUMN c", "DROP TABLE pj_dave.t");
        sqlAs("pj_alice", "GRANT USAGE ON SCHEMA pj_alice TO pj_carol", "GRANT DELETE ON pj_alice.st TO pj_carol",
                "CREATE TABLE pj_alice.victim (x int)");
        SQLException guard = assertThrows(SQLException.class,
                () -> sqlAs("pj_carol", "SET pg_trickle.internal_apply = on", "DELETE FROM pj_alice.st"));
        assertEquals("55000", guard.getSQLState());
        assertThrows(SQLException.class, () -> sqlAs("pj_alice",
                "SELECT * FROM pgtrickle.preview_stream_table('SELECT 1) x; DROP TABLE pj_alice.victim; SELECT * FROM (SELECT 1')"));
        sqlAs("pj_bob", "ALTER TABLE pj_bob.src RENAME TO src_old",
                "CREATE VIEW pj_bob.src AS SELECT id, 0 AS v FROM pj_bob.src_old", "GRANT SELECT ON pj_bob.src TO pj_alice");
        SQLException renamed = assertThrows(SQLException.class, () -> sql("SELECT pgtrickle.refresh_stream_table('pj_alice.st')"));
        assertEquals("42P01", renamed.getSQLState(), renamed.getMessage());
        try (Connection c = DriverManager.getConnection(url)) {
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE oid = 'pj_alice.victim'::regclass"));
        }
        sqlAs("pj_alice", "SELECT pgtrickle.drop_stream_table('pj_alice.st')");
    }

    /**
     * DROP EXTENSION ... CASCADE with stream tables left takes the owners' functions along (they are
     * extension members), so the schema is empty and CREATE EXTENSION works again.
     */
    @Test
    void dropExtensionCascadeLeavesNothingThatBlocksCreatingItAgain() throws Exception {
        String db = "pgt_pljava_drop_" + ProcessHandle.current().pid();
        sql("DROP DATABASE IF EXISTS " + db, "CREATE DATABASE " + db);
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q);
        String other = base.substring(0, base.lastIndexOf('/') + 1) + db + (q < 0 ? "" : url.substring(q));
        try (Connection c = DriverManager.getConnection(other); Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION pg_trickle CASCADE");
            st.execute("CREATE TABLE t (id int PRIMARY KEY, v int)");
            st.execute("SELECT pgtrickle.create_stream_table('st', 'SELECT id, v FROM t', refresh_mode => 'DIFFERENTIAL',"
                    + " cdc_mode => 'trigger')");
            boolean logical = Oracle.count(c, "SELECT count(*) FROM pg_settings WHERE name = 'wal_level'"
                    + " AND setting = 'logical'") == 1;
            String slots = "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgtrickle_' || (SELECT oid"
                    + " FROM pg_database WHERE datname = current_database())";
            if (logical) {
                st.execute("CREATE TABLE w (id int PRIMARY KEY, v int)");
                st.execute("SELECT pgtrickle.create_stream_table('sw', 'SELECT id, v FROM w',"
                        + " refresh_mode => 'DIFFERENTIAL', cdc_mode => 'wal')");
            }
            st.execute("INSERT INTO t VALUES (1, 1)");
            st.execute("SELECT pgtrickle.refresh_stream_table('st')");   // made the owner's function
            assertEquals(1, Oracle.count(c, "SELECT count(*) FROM pg_proc WHERE proname LIKE '\\_as\\_owner\\_%'"));
            st.execute("DROP EXTENSION pg_trickle CASCADE");
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_proc WHERE proname LIKE '\\_as\\_owner\\_%'"));
            // the slot of the WAL-captured source stays (README), until the next install drops it
            assertEquals(logical ? 1 : 0, Oracle.count(c, slots));
            st.execute("CREATE EXTENSION pg_trickle");
            assertEquals(0, Oracle.count(c, slots));
            st.execute("SELECT pgtrickle.create_stream_table('st2', 'SELECT id, v FROM t', refresh_mode => 'DIFFERENTIAL',"
                    + " cdc_mode => 'trigger')");
            st.execute("SELECT pgtrickle.drop_stream_table('st2')");
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_proc WHERE proname LIKE '\\_as\\_owner\\_%'"));
        } finally {
            sql("DROP DATABASE IF EXISTS " + db);
        }
    }
}
