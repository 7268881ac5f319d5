package io.pgtrickle.bench;

import io.pgtrickle.embedded.EmbeddedPostgres;
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
        // numeric(10,2) SUM/AVG over 10,000 groups on a column without an index
        QUERIES.put("agg, no index", "SELECT bucket, count(*) AS n, sum(amount) AS total, avg(amount) AS mean"
                + " FROM orders GROUP BY bucket");
        QUERIES.put("join", "SELECT o.id, o.amount, c.region FROM orders o JOIN customers c ON c.id = o.customer_id");
        QUERIES.put("join+aggregate", "SELECT c.region, count(*) AS n, sum(o.amount) AS total"
                + " FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region");
    }

    private final Connection c;
    private final String url;
    private final Engine engine;
    private final int rows;
    private final int repeats;

    RefreshBenchmark(Connection c, String url, int rows, int repeats) {
        this.c = c;
        this.url = url;
        this.engine = Engine.of(c);
        this.rows = rows;
        this.repeats = repeats;
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String url = System.getenv("PGTRICKLE_BENCH_URL");
        EmbeddedPostgres pg = null;
        if (url == null) {
            pg = EmbeddedPostgres.start("wal_level=logical", "max_replication_slots=4"); // WAL capture for the writers
            try (Connection admin = pg.connect("postgres"); Statement st = admin.createStatement()) {
                st.execute("CREATE DATABASE bench");
            }
            url = pg.jdbcUrl("bench");
        }
        try (Connection c = DriverManager.getConnection(url)) {
            new RefreshBenchmark(c, url, rows, repeats).run();
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    void run() throws Exception {
        c.setAutoCommit(true);
        engine.install();
        System.out.printf("engine: %s%n", engine instanceof Engine.InServer ? "in the server (PL/Java extension)"
                : "Java API over pgjdbc");
        sql("CREATE TABLE customers (id int PRIMARY KEY, region text)");
        sql("INSERT INTO customers SELECT g, (ARRAY['north','south','east','west'])[1 + g % 4] FROM generate_series(1, 10000) g");
        sql("CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2), status text, bucket int)");
        sql("CREATE INDEX ON orders (customer_id)");
        sql("INSERT INTO orders SELECT g, 1 + g % 10000, (g % 1000) / 10.0,"
                + " (ARRAY['new','paid','shipped'])[1 + g % 3], 1 + (g * 7) % 10000 FROM generate_series(1, " + rows + ") g");
        sql("VACUUM ANALYZE orders");
        // PGTRICKLE_BENCH_ONLY=writers (or coldstart, or refresh: the refresh table) runs that part alone
        String only = System.getenv().getOrDefault("PGTRICKLE_BENCH_ONLY", "");
        if (only.equals("writers")) {
            writers();
            return;
        }
        if (only.equals("coldstart")) {
            coldStart();
            return;
        }
        System.out.printf("source: orders %,d rows; %d repeats per cell; medians in ms%n%n", rows, repeats);
        // full: a FULL-mode table (numbered rows, no row id index); keyed full: the recompute a
        // DIFFERENTIAL or AUTO table falls back to (hashed row ids, MERGE key index)
        System.out.printf("%-14s %-8s %12s %12s %12s %12s %12s %10s %10s %10s %12s%n", "query", "delta", "differential",
                "auto", "full", "keyed full", "matview", "full/diff", "mv/diff", "full/mv", "auto/best");
        // PGTRICKLE_BENCH_QUERIES="aggregate;join" (names of QUERIES) measures those shapes alone
        String chosen = System.getenv("PGTRICKLE_BENCH_QUERIES");
        java.util.List<String> shapes = chosen == null ? List.copyOf(QUERIES.keySet()) : List.of(chosen.split(";"));
        for (Map.Entry<String, String> q : QUERIES.entrySet()) {
            if (!shapes.contains(q.getKey())) {
                continue;
            }
            engine.create("bench_diff", q.getValue(), "DIFFERENTIAL");
            engine.create("bench_auto", q.getValue(), "AUTO");
            engine.create("bench_keyed", q.getValue(), "DIFFERENTIAL");
            engine.create("bench_full", q.getValue(), "FULL");
            sql("CREATE MATERIALIZED VIEW bench_mv AS " + q.getValue());
            for (double fraction : new double[] {0, 0.001, 0.01, 0.1}) {
                int delta = fraction == 0 ? 1 : (int) (rows * fraction);
                double[] diff = new double[repeats];
                double[] auto = new double[repeats];
                double[] keyed = new double[repeats];
                double[] full = new double[repeats];
                double[] mv = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    writes(delta, r);
                    diff[r] = timed(() -> engine.refresh("bench_diff"));
                    auto[r] = timed(() -> engine.refresh("bench_auto"));
                    sql("UPDATE pgtrickle.pgt_stream_tables SET needs_full_refresh = true WHERE pgt_name = 'bench_keyed'");
                    keyed[r] = timed(() -> engine.refresh("bench_keyed"));
                    full[r] = timed(() -> engine.refresh("bench_full"));
                    mv[r] = timed(() -> sql("REFRESH MATERIALIZED VIEW bench_mv"));
                }
                double d = median(diff);
                // auto/best: AUTO against the better of the two refreshes it chooses between
                System.out.printf("%-14s %-8s %12.1f %12.1f %12.1f %12.1f %12.1f %9.1fx %9.1fx %9.2fx %11.2fx%n", q.getKey(),
                        fraction == 0 ? "1 row" : (fraction * 100) + "%", d, median(auto), median(full), median(keyed),
                        median(mv), median(full) / d, median(mv) / d, median(full) / median(mv),
                        median(auto) / Math.min(d, median(keyed)));
            }
            engine.drop("bench_diff");
            engine.drop("bench_auto");
            engine.drop("bench_keyed");
            engine.drop("bench_full");
            sql("DROP MATERIALIZED VIEW bench_mv");
        }
        if (shapes.contains("aggregate")) {
            laggingReader();
        }
        if (only.equals("refresh")) {
            return;
        }
        captureCost();
        writers();
        if (engine instanceof Engine.InServer) {
            coldStart();
        }
    }

    /**
     * The 1-row aggregate refresh alone on its source, then while a second stream table over the
     * same source is not refreshed and its buffer keeps 10,000 change rows only that one still
     * needs (analysed, as autovacuum would, so the first refresh's statement is planned again).
     */
    private void laggingReader() throws SQLException {
        engine.create("bench_often", QUERIES.get("aggregate"), "DIFFERENTIAL");
        double alone = oneRowRefreshes("bench_often", 0);
        engine.create("bench_seldom", QUERIES.get("join+aggregate"), "DIFFERENTIAL");
        writes(5_000, 0);
        engine.refresh("bench_often");
        String buffer = "pgtrickle_changes.changes_" + longValue("SELECT 'orders'::regclass::oid::bigint");
        sql("ANALYZE " + buffer);
        long retained = longValue("SELECT count(*) FROM " + buffer);
        double lagging = oneRowRefreshes("bench_often", repeats);
        System.out.printf("%naggregate, 1 row, differential: %.1f ms alone; %.1f ms while another stream table over"
                + " orders leaves %,d change rows unconsumed (%.2fx)%n", alone, lagging, retained, lagging / alone);
        engine.drop("bench_seldom");
        engine.drop("bench_often");
    }

    private double oneRowRefreshes(String streamTable, int round) throws SQLException {
        double[] ms = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            writes(1, round + r);
            ms[r] = timed(() -> engine.refresh(streamTable));
        }
        return median(ms);
    }

    /**
     * Writer throughput on a WAL-captured and on a trigger-captured source against an uncaptured
     * twin, with the worker refreshing three stream tables of each every second: 4 clients of
     * one-row UPDATE transactions, runs alternated, medians; then the commit-to-visible latency the
     * worker measured for each capture (commit_latency_stats()).
     */
    private void writers() throws Exception {
        int n = 10_000;
        double seconds = Double.parseDouble(System.getenv().getOrDefault("PGTRICKLE_BENCH_WRITER_SECONDS", "10"));
        for (String t : List.of("w_plain", "w_trigger", "w_wal")) {
            sql("CREATE TABLE " + t + " (id int PRIMARY KEY, v int)");
            sql("INSERT INTO " + t + " SELECT g, g FROM generate_series(1, " + n + ") g");
        }
        for (String cdc : List.of("trigger", "wal")) {
            String src = "w_" + cdc;
            engine.create(src + "_scan", "SELECT id, v FROM " + src, "DIFFERENTIAL", cdc);
            engine.create(src + "_filter", "SELECT id, v FROM " + src + " WHERE v % 2 = 0", "DIFFERENTIAL", cdc);
            engine.create(src + "_agg", "SELECT id % 100 AS k, count(*) AS n, sum(v) AS s FROM " + src + " GROUP BY 1",
                    "DIFFERENTIAL", cdc);
        }
        sql("UPDATE pgtrickle.pgt_stream_tables SET schedule = '1s' WHERE pgt_name LIKE 'w\\_%'");
        writePathOnly(n, seconds);
        sql("DELETE FROM pgtrickle.pgt_commit_latency");
        try (io.pgtrickle.scheduler.Worker w = new io.pgtrickle.scheduler.Worker(
                io.pgtrickle.scheduler.Worker.ConnectionFactory.of(url),
                io.pgtrickle.config.SettingsSource.of(Map.of("pg_trickle.metrics_port", "0")))) {
            w.start();
            writerRuns(n, seconds, "worker refreshing 3 stream tables of each captured table every 1 s");
            Thread.sleep(3000); // the last writes become visible
        }
        System.out.printf("%ncommit-to-visible while the writers ran (commit_latency_stats, ms):%n");
        System.out.printf("%-20s %10s %10s %10s %10s%n", "stream table", "samples", "p50", "p99", "max");
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT name, samples, p50_ms, p99_ms, max_ms"
                + " FROM pgtrickle.commit_latency_stats('1 hour') WHERE name LIKE 'public.w\\_%' ORDER BY name")) {
            while (rs.next()) {
                System.out.printf("%-20s %10d %10.0f %10.0f %10.0f%n", rs.getString(1), rs.getLong(2), rs.getDouble(3),
                        rs.getDouble(4), rs.getDouble(5));
            }
        }
    }

    /**
     * 4 clients of one-row UPDATE transactions on the uncaptured, trigger-captured and WAL-captured
     * tables in turn, 3 runs each; prints and returns their TPS (uncaptured, trigger, WAL).
     */
    private double[][] writerRuns(int n, double seconds, String during) throws Exception {
        String[] tables = {"w_plain", "w_trigger", "w_wal"};
        double[][] tps = new double[3][3];
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < 3; i++) {
                int t = (r + i) % 3; // each table first once: what runs first pays for what the last one left
                tps[t][r] = WriterLoad.tps(url, tables[t], n, 4, seconds);
            }
        }
        System.out.printf("%nwriters: 4 clients, one-row UPDATE transactions, %.0f s per run, 3 rounds, the order"
                + " rotated, %s%n",
                seconds, during);
        System.out.printf("%-22s %10s %10s %10s%n", "", "run 1", "run 2", "run 3");
        String[] labels = {"uncaptured TPS", "trigger-captured TPS", "WAL-captured TPS"};
        for (int t = 0; t < 3; t++) {
            System.out.printf("%-22s %10.0f %10.0f %10.0f%n", labels[t], tps[t][0], tps[t][1], tps[t][2]);
        }
        System.out.printf("trigger / uncaptured (medians): %.3f%n", median(tps[1]) / median(tps[0]));
        System.out.printf("WAL / uncaptured (medians): %.3f%n", median(tps[2]) / median(tps[0]));
        return tps;
    }

    /**
     * What capture alone costs the writers: the same alternated runs with no worker, so nothing is
     * refreshed while they write (the changes wait in the buffers, or in the WAL); then one refresh
     * of each stream table catches up, timed.
     */
    private void writePathOnly(int n, double seconds) throws Exception {
        double[][] tps = writerRuns(n, seconds, "no worker running");
        double[] trigger = tps[1];
        double[] wal = tps[2];
        System.out.printf("catch-up, one refresh of each stream table (ms):%n%-22s %10s %10s %10s%n", "", "scan", "filter", "agg");
        for (String cdc : List.of("trigger", "wal")) {
            double[] ms = new double[3];
            String[] kinds = {"scan", "filter", "agg"};
            for (int k = 0; k < 3; k++) {
                String st = "w_" + cdc + "_" + kinds[k];
                ms[k] = timed(() -> engine.refresh(st));
            }
            System.out.printf("%-22s %10.0f %10.0f %10.0f%n", cdc + " (" + Math.round(seconds * java.util.Arrays.stream(
                    cdc.equals("wal") ? wal : trigger).sum()) + " changes)", ms[0], ms[1], ms[2]);
        }
    }

    /** The first call of each kind in a new backend, 5 backends each; medians. */
    private void coldStart() throws SQLException {
        sql("CREATE TABLE cold_t (id int PRIMARY KEY, k int, amount numeric(10,2))");
        sql("INSERT INTO cold_t SELECT g, g % 10, g FROM generate_series(1, 1000) g");
        engine.create("cold_st", "SELECT k, count(*) AS n FROM cold_t GROUP BY 1", "DIFFERENTIAL");
        String[][] calls = {
            {"status", "SELECT count(*) FROM pgtrickle.pgt_status()"},
            {"refresh", "SELECT pgtrickle.refresh_stream_table('cold_st')"},
            {"create", "SELECT pgtrickle.create_stream_table('cold_st2', 'SELECT id, amount FROM cold_t WHERE id <= 500',"
                    + " '1h', 'DIFFERENTIAL', false)"}};
        System.out.printf("%nfirst call in a new backend (5 backends, medians; memory of the backend after it, MB:"
                + " resident, proportional share, private)%n%-10s %10s %10s %10s %10s%n", "call", "ms", "RSS", "PSS", "private");
        for (String[] call : calls) {
            double[][] m = new double[4][5];
            for (int i = 0; i < 5; i++) {
                double[] one = ColdStart.firstCall(url, call[1]);
                for (int k = 0; k < 4; k++) {
                    m[k][i] = one[k];
                }
                if (call[0].equals("create")) {
                    engine.drop("cold_st2");
                }
            }
            System.out.printf("%-10s %10.1f %10.1f %10.1f %10.1f%n", call[0], median(m[0]), median(m[1]), median(m[2]),
                    median(m[3]));
        }
        engine.drop("cold_st");
        sql("DROP TABLE cold_t");
    }

    /** Per-row cost of trigger capture: the same INSERT/UPDATE/DELETE with and without capture. */
    private void captureCost() throws SQLException {
        int n = Math.min(rows, 100_000);
        System.out.printf("%nchange capture, %,d rows per statement (ms, median of %d)%n", n, repeats);
        System.out.printf("%-8s %12s %12s %12s%n", "op", "plain", "captured", "us/row extra");
        sql("CREATE TABLE plain (id int PRIMARY KEY, v int)");
        sql("CREATE TABLE captured (id int PRIMARY KEY, v int)");
        engine.create("captured_st", "SELECT id, v FROM captured", "DIFFERENTIAL");
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

    private long longValue(String query) throws SQLException {
        try (Statement st = c.createStatement(); var rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
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
