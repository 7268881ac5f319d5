package io.pgtrickle.bench;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.catalog.CatalogInstaller;
import io.pgtrickle.embedded.EmbeddedPostgres;
import io.pgtrickle.sql.Db;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Differential refresh against full recompute and REFRESH MATERIALIZED VIEW, in one run on one
 * embedded server, reported as medians and ratios (see benchmarks/README.md). Not a test.
 */
public final class RefreshBenchmark {

    static final Map<String, String> QUERIES = new LinkedHashMap<>();

    static {
        QUERIES.put("scan", "SELECT id, customer_id, amount, status FROM orders");
        QUERIES.put("filter", "SELECT id, amount * 1.2 AS gross FROM orders WHERE status = 'paid' AND amount > 50");
        QUERIES.put("aggregate", "SELECT customer_id, count(*) AS n, sum(amount) AS total FROM orders GROUP BY customer_id");
        QUERIES.put("join", "SELECT o.id, o.amount, c.region FROM orders o JOIN customers c ON c.id = o.customer_id");
        QUERIES.put("join+aggregate", "SELECT c.region, count(*) AS n, sum(o.amount) AS total"
                + " FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region");
    }

    private final Connection c;
    private final int rows;
    private final int repeats;

    RefreshBenchmark(Connection c, int rows, int repeats) {
        this.c = c;
        this.rows = rows;
        this.repeats = repeats;
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String url = System.getenv("PGTRICKLE_BENCH_URL");
        EmbeddedPostgres pg = null;
        if (url == null) {
            pg = EmbeddedPostgres.start();
            try (Connection admin = pg.connect("postgres"); Statement st = admin.createStatement()) {
                st.execute("CREATE DATABASE bench");
            }
            url = pg.jdbcUrl("bench");
        }
        try (Connection c = DriverManager.getConnection(url)) {
            new RefreshBenchmark(c, rows, repeats).run();
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    void run() throws SQLException {
        c.setAutoCommit(true);
        CatalogInstaller.install(new Db(c));
        sql("CREATE TABLE customers (id int PRIMARY KEY, region text)");
        sql("INSERT INTO customers SELECT g, (ARRAY['north','south','east','west'])[1 + g % 4] FROM generate_series(1, 10000) g");
        sql("CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2), status text)");
        sql("CREATE INDEX ON orders (customer_id)");
        sql("INSERT INTO orders SELECT g, 1 + g % 10000, (g % 1000) / 10.0,"
                + " (ARRAY['new','paid','shipped'])[1 + g % 3] FROM generate_series(1, " + rows + ") g");
        sql("VACUUM ANALYZE orders");
        System.out.printf("source: orders %,d rows; %d repeats per cell; medians in ms%n%n", rows, repeats);
        System.out.printf("%-14s %-8s %12s %12s %12s %10s %10s%n", "query", "delta", "differential", "full",
                "matview", "full/diff", "mv/diff");
        for (Map.Entry<String, String> q : QUERIES.entrySet()) {
            c.setAutoCommit(false);
            PgTrickle pgt = new PgTrickle(c);
            pgt.createStreamTable("bench_diff", q.getValue(), "1h", "DIFFERENTIAL", true, null);
            pgt.createStreamTable("bench_full", q.getValue(), "1h", "FULL", true, null);
            c.commit();
            c.setAutoCommit(true);
            sql("CREATE MATERIALIZED VIEW bench_mv AS " + q.getValue());
            for (double fraction : new double[] {0, 0.001, 0.01, 0.1}) {
                int delta = fraction == 0 ? 1 : (int) (rows * fraction);
                double[] diff = new double[repeats];
                double[] full = new double[repeats];
                double[] mv = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    writes(delta, r);
                    diff[r] = timed(() -> refresh(pgt, "bench_diff"));
                    full[r] = timed(() -> refresh(pgt, "bench_full"));
                    mv[r] = timed(() -> sql("REFRESH MATERIALIZED VIEW bench_mv"));
                }
                double d = median(diff);
                System.out.printf("%-14s %-8s %12.1f %12.1f %12.1f %9.1fx %9.1fx%n", q.getKey(),
                        fraction == 0 ? "1 row" : (fraction * 100) + "%", d, median(full), median(mv),
                        median(full) / d, median(mv) / d);
            }
            c.setAutoCommit(false);
            pgt.dropStreamTable("bench_diff", false);
            pgt.dropStreamTable("bench_full", false);
            c.commit();
            c.setAutoCommit(true);
            sql("DROP MATERIALIZED VIEW bench_mv");
        }
        captureCost();
    }

    /** Per-row cost of trigger capture: the same INSERT/UPDATE/DELETE with and without capture. */
    private void captureCost() throws SQLException {
        int n = Math.min(rows, 100_000);
        System.out.printf("%nchange capture, %,d rows per statement (ms, median of %d)%n", n, repeats);
        System.out.printf("%-8s %12s %12s %12s%n", "op", "plain", "captured", "us/row extra");
        sql("CREATE TABLE plain (id int PRIMARY KEY, v int)");
        sql("CREATE TABLE captured (id int PRIMARY KEY, v int)");
        c.setAutoCommit(false);
        new PgTrickle(c).createStreamTable("captured_st", "SELECT id, v FROM captured", "1h", "DIFFERENTIAL", true, null);
        c.commit();
        c.setAutoCommit(true);
        String[][] ops = {
            {"INSERT", "INSERT INTO %s SELECT g, g FROM generate_series(1, " + n + ") g"},
            {"UPDATE", "UPDATE %s SET v = v + 1"},
            {"DELETE", "DELETE FROM %s"}};
        List<double[]> results = new ArrayList<>();
        for (String[] op : ops) {
            double[] plain = new double[repeats];
            double[] captured = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                if (!op[0].equals("INSERT")) {
                    sql("TRUNCATE plain");
                    sql("INSERT INTO plain SELECT g, g FROM generate_series(1, " + n + ") g");
                    sql("DELETE FROM captured");
                    sql("INSERT INTO captured SELECT g, g FROM generate_series(1, " + n + ") g");
                } else {
                    sql("TRUNCATE plain");
                    sql("DELETE FROM captured");
                }
                plain[r] = timed(() -> sql(String.format(op[1], "plain")));
                captured[r] = timed(() -> sql(String.format(op[1], "captured")));
            }
            results.add(new double[] {median(plain), median(captured)});
            System.out.printf("%-8s %12.1f %12.1f %12.2f%n", op[0], median(plain), median(captured),
                    (median(captured) - median(plain)) * 1000 / n);
        }
    }

    private void writes(int delta, int round) throws SQLException {
        int offset = (round * 7919) % Math.max(1, rows - delta);
        sql("UPDATE orders SET amount = amount + 1, status = CASE status WHEN 'paid' THEN 'new' ELSE 'paid' END"
                + " WHERE id > " + offset + " AND id <= " + (offset + delta));
    }

    private void refresh(PgTrickle pgt, String name) throws SQLException {
        c.setAutoCommit(false);
        pgt.refreshStreamTable(name);
        c.commit();
        c.setAutoCommit(true);
    }

    private void sql(String s) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(s);
        }
    }

    @FunctionalInterface
    interface Action {
        void run() throws SQLException;
    }

    private static double timed(Action a) throws SQLException {
        long t0 = System.nanoTime();
        a.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
