package io.pgtrickle.demo;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.catalog.CatalogInstaller;
import io.pgtrickle.refresh.RefreshOutcome;
import io.pgtrickle.sql.Db;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Source tables, stream tables over them, a stream of writes, and after each round a refresh of
 * every stream table and a from-scratch check that it equals its query.
 */
public final class Demo {

    /** The stream tables the demo creates: name -> defining query. */
    static final Map<String, String> STREAM_TABLES = new LinkedHashMap<>();

    static {
        STREAM_TABLES.put("big_orders",
                "SELECT o.id, o.customer_id, round(o.amount * 1.2, 2) AS amount_with_tax, upper(o.status) AS status"
                        + " FROM orders o WHERE o.amount > 100 AND o.status <> 'cancelled'");
        STREAM_TABLES.put("customer_labels",
                "SELECT id, name || ' (' || coalesce(region, 'unknown') || ')' AS label FROM customers");
        STREAM_TABLES.put("revenue_by_region",
                "SELECT c.region, count(*) AS orders, sum(o.amount) AS revenue"
                        + " FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region");
    }

    private final PrintStream out;
    private final Random random = new Random(42);
    private int nextOrderId = 1;

    public Demo(PrintStream out) {
        this.out = out;
    }

    /** Runs the demo against the database at {@code url}; returns false if any check failed. */
    public boolean run(String url, int rounds) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            CatalogInstaller.install(new Db(c));
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text)");
                st.execute("CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2),"
                        + " status text NOT NULL)");
                st.execute("INSERT INTO customers SELECT g, 'customer ' || g,"
                        + " (ARRAY['north','south','east','west',NULL])[1 + g % 5] FROM generate_series(1, 200) g");
            }
            for (int i = 0; i < 5_000; i++) {
                insertOrder(c);
            }
            c.commit();
            PgTrickle pgt = new PgTrickle(c);
            pgt.db().onWarning(w -> out.println("  WARNING: " + w));
            for (Map.Entry<String, String> e : STREAM_TABLES.entrySet()) {
                long t0 = System.nanoTime();
                pgt.createStreamTable(e.getKey(), e.getValue(), "1s", "AUTO", true, null);
                c.commit();
                out.printf("created %-18s mode %-12s rows %6d  (%.1f ms)%n  %s%n", e.getKey(),
                        mode(c, e.getKey()), count(c, e.getKey()), (System.nanoTime() - t0) / 1e6, e.getValue());
            }
            boolean allEqual = true;
            for (int round = 1; round <= rounds; round++) {
                String writes = applyWrites(c);
                c.commit();
                out.printf("%nround %d: %s%n", round, writes);
                for (String name : STREAM_TABLES.keySet()) {
                    RefreshOutcome o = pgt.refreshStreamTable(name);
                    c.commit();
                    long diff = differences(c, name, STREAM_TABLES.get(name));
                    allEqual &= diff == 0;
                    out.printf("  %-18s %-12s +%-4d -%-4d %7.1f ms   %s%n", name, o.action(), o.rowsInserted(),
                            o.rowsDeleted(), o.elapsedMillis(),
                            diff == 0 ? "equals its query" : "DIFFERS from its query by " + diff + " rows");
                }
            }
            out.println();
            out.println(allEqual ? "every stream table equalled its defining query after every refresh"
                    : "MISMATCH: a stream table differed from its query");
            return allEqual;
        }
    }

    private String applyWrites(Connection c) throws SQLException {
        int inserts = 20 + random.nextInt(30);
        int updates = 10 + random.nextInt(20);
        int deletes = 5 + random.nextInt(10);
        for (int i = 0; i < inserts; i++) {
            insertOrder(c);
        }
        try (Statement st = c.createStatement()) {
            for (int i = 0; i < updates; i++) {
                int id = 1 + random.nextInt(nextOrderId - 1);
                st.execute("UPDATE orders SET amount = amount + " + (random.nextInt(200) - 100)
                        + ", status = '" + status() + "' WHERE id = " + id);
            }
            for (int i = 0; i < deletes; i++) {
                st.execute("DELETE FROM orders WHERE id = " + (1 + random.nextInt(nextOrderId - 1)));
            }
            st.execute("UPDATE customers SET region = (ARRAY['north','south','east','west'])[1 + "
                    + random.nextInt(4) + "] WHERE id = " + (1 + random.nextInt(200)));
        }
        return inserts + " inserts, " + updates + " updates, " + deletes + " deletes on orders; 1 customer moved region";
    }

    private void insertOrder(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("INSERT INTO orders VALUES (" + nextOrderId++ + ", " + (1 + random.nextInt(200)) + ", "
                    + random.nextInt(50_000) / 100.0 + ", '" + status() + "')");
        }
    }

    private String status() {
        return List.of("new", "paid", "shipped", "cancelled").get(random.nextInt(4));
    }

    private static String mode(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = '" + name + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Rows by which the stream table and a fresh run of its query differ, as multisets. */
    static long differences(Connection c, String table, String query) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = '" + table + "'::regclass"
                        + " AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_\\_pgt\\_%' ORDER BY attnum")) {
            while (rs.next()) {
                cols.add(rs.getString(1));
            }
        }
        String stored = "SELECT ROW(" + String.join(", ", cols) + ")::text FROM " + table;
        String fresh = "SELECT ROW(q.*)::text FROM (" + query + ") q";
        long n = count(c, "(" + "(" + stored + " EXCEPT ALL " + fresh + ") UNION ALL (" + fresh + " EXCEPT ALL "
                + stored + ")) d");
        c.commit();
        return n;
    }
}
