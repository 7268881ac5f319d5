package io.pgtrickle.pljava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Oracle;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
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
            st.execute("SELECT pgtrickle.refresh_stream_table('by_region')");
            assertEquals(List.of(), Oracle.differences(c, "by_region", agg));
            st.execute("SELECT pgtrickle.drop_stream_table('by_region')");
        }
        sql("SELECT pgtrickle.drop_stream_table('big_orders')");
        try (Connection c = DriverManager.getConnection(url)) {
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_stream_tables"));
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle_changes'::regnamespace AND relkind = 'r'"));
        }
    }
}
