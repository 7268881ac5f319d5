package io.pgtrickle.cdc.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.refresh.RefreshOutcome;
import io.pgtrickle.support.Await;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What WAL capture must get right besides plain DML: moving a source between triggers and the WAL
 * under live writers, partitions written directly and attached, a logical replication subscriber,
 * TRUNCATE, a lost slot, sources it must refuse, a suspended reader holding WAL, and asynchronous
 * commits.
 */
class WalScenariosTest {

    private final List<String> urls = new ArrayList<>();

    /** Each test's stream tables go, and with the last WAL-captured source the database's slot. */
    @AfterEach
    void dropStreamTables() throws Exception {
        for (String url : urls) {
            for (String st : strings(url, "SELECT quote_ident(pgt_schema) || '.' || quote_ident(pgt_name)"
                    + " FROM pgtrickle.pgt_stream_tables ORDER BY pgt_id DESC")) {
                Tx.run(url, p -> { p.dropStreamTable(st, true); return null; });
            }
        }
    }

    private String walDatabase() throws Exception {
        String url = TestDatabase.freshWalDatabase();
        urls.add(url);
        return url;
    }

    @Test
    void triggerToWalAndBackUnderLiveWritersLosesAndDoublesNothing() throws Exception {
        String url = walDatabase();
        String q = "SELECT id, v FROM acct WHERE v % 2 = 0";
        Tx.sql(url, "CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL)",
                "INSERT INTO acct SELECT g, g FROM generate_series(1, 300) g");
        Tx.run(url, p -> { p.createStreamTable("acct_st", q, "1m", "DIFFERENTIAL", true, null, "trigger"); return null; });
        assertEquals("TRIGGER", capture(url));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger commits = new AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            Random r = new Random(w);
            Thread t = new Thread(() -> {
                try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    while (running.get()) {
                        st.execute("UPDATE acct SET v = v + 1 WHERE id = " + (1 + r.nextInt(300)));
                        st.execute("INSERT INTO acct VALUES (" + (1000 + commits.get() * 10 + r.nextInt(10)) + ", 2)"
                                + " ON CONFLICT (id) DO UPDATE SET v = acct.v + 2");
                        c.commit();
                        commits.incrementAndGet();
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            writers.add(t);
            t.start();
        }
        try {
            Await.until(Duration.ofSeconds(30), "writers to commit", () -> commits.get() > 30);
            Tx.run(url, p -> p.refreshStreamTable("acct_st"));
            Tx.run(url, p -> { p.alterStreamTable("acct_st", null, null, null, null, null, "wal"); return null; });
            assertEquals("WAL", capture(url));
            for (int i = 0; i < 3; i++) {
                int before = commits.get();
                Await.until(Duration.ofSeconds(30), "more commits", () -> commits.get() > before + 20);
                // the trigger rows left in the buffer and the decoded rows meet here: no FULL needed
                assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("acct_st")).action().name());
            }
            Tx.run(url, p -> { p.alterStreamTable("acct_st", null, null, null, null, null, "trigger"); return null; });
            assertEquals("TRIGGER", capture(url));
            int before = commits.get();
            Await.until(Duration.ofSeconds(30), "more commits", () -> commits.get() > before + 20);
            Tx.run(url, p -> p.refreshStreamTable("acct_st"));
        } finally {
            running.set(false);
            for (Thread t : writers) {
                t.join();
            }
        }
        assertEquals(List.of(), failures);
        Tx.run(url, p -> p.refreshStreamTable("acct_st"));
        assertEqual(url, "acct_st", q);
        assertEquals("0", one(url, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = pgtrickle._wal_slot()"),
                "the slot goes with the last WAL-captured source");
    }

    @Test
    void aTicksRefreshesShareOneDecodeAndSnapshotUnderLiveWriters() throws Exception {
        String url = walDatabase();
        Tx.sql(url, "CREATE TABLE tick_src (id int PRIMARY KEY, v int NOT NULL)",
                "INSERT INTO tick_src SELECT g, g FROM generate_series(1, 200) g");
        String[][] sts = {
            {"tick_scan", "SELECT id, v FROM tick_src"},
            {"tick_filter", "SELECT id, v FROM tick_src WHERE v % 3 = 0"},
            {"tick_agg", "SELECT id % 7 AS k, count(*) AS n, sum(v) AS s FROM tick_src GROUP BY 1"}};
        for (String[] st : sts) {
            Tx.run(url, p -> { p.createStreamTable(st[0], st[1], "1h", "DIFFERENTIAL", true, null, "wal"); return null; });
        }
        // reads a stream table: refreshed after its upstream, at a snapshot of its own
        Tx.run(url, p -> { p.createStreamTable("tick_down", "SELECT k, n FROM tick_agg WHERE n > 0", "1h", "DIFFERENTIAL",
                true, null); return null; });
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger commits = new AtomicInteger();
        List<Exception> failures = new ArrayList<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            Random r = new Random(w);
            Thread t = new Thread(() -> {
                try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement()) {
                    while (running.get()) {
                        int id = 1 + r.nextInt(300);
                        st.execute(r.nextInt(5) == 0 ? "DELETE FROM tick_src WHERE id = " + id
                                : "INSERT INTO tick_src VALUES (" + id + ", " + r.nextInt(100) + ")"
                                        + " ON CONFLICT (id) DO UPDATE SET v = tick_src.v + 1");
                        commits.incrementAndGet();
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            writers.add(t);
            t.start();
        }
        try (io.pgtrickle.scheduler.Worker w = new io.pgtrickle.scheduler.Worker(
                io.pgtrickle.scheduler.Worker.ConnectionFactory.of(url),
                io.pgtrickle.config.SettingsSource.of(java.util.Map.of("pg_trickle.metrics_port", "0")))) {
            for (int tick = 0; tick < 4; tick++) {
                int before = commits.get();
                Await.until(Duration.ofSeconds(30), "more commits", () -> commits.get() > before + 50);
                Tx.sql(url, "UPDATE pgtrickle.pgt_stream_tables SET last_refresh_at = now() - interval '1 day'");
                io.pgtrickle.scheduler.Worker.TickReport report = w.runOneTick();
                assertEquals(4, report.refreshed() + report.unchanged(), report.toString());
                // the writers committed all along: one snapshot for the three means they shared it
                assertEquals(1, strings(url, "SELECT DISTINCT frontier::text FROM pgtrickle.pgt_stream_tables"
                        + " WHERE pgt_name LIKE 'tick\\_%' AND pgt_name <> 'tick_down'").size(), "tick " + tick);
            }
            running.set(false);
            for (Thread t : writers) {
                t.join();
            }
            Tx.sql(url, "UPDATE pgtrickle.pgt_stream_tables SET last_refresh_at = now() - interval '1 day'");
            io.pgtrickle.scheduler.Worker.TickReport report = w.runOneTick();
            assertEquals(4, report.refreshed() + report.unchanged(), report.toString());
        } finally {
            running.set(false);
            for (Thread t : writers) {
                t.join();
            }
        }
        assertEquals(List.of(), failures);
        for (String[] st : sts) {
            assertEqual(url, st[0], st[1]);
        }
        assertEqual(url, "tick_down", "SELECT k, n FROM tick_agg WHERE n > 0");
        assertEquals("DIFFERENTIAL", one(url, "SELECT string_agg(DISTINCT action, ',') FROM pgtrickle.pgt_refresh_history"
                + " WHERE initiated_by = 'SCHEDULER'"));
    }

    @Test
    void partitionsWrittenDirectlyAndAttachedAreSeen() throws Exception {
        String url = walDatabase();
        String q = "SELECT id, k, v FROM p WHERE v > 0";
        Tx.sql(url, "CREATE TABLE p (id int, k int, v int, PRIMARY KEY (id, k)) PARTITION BY RANGE (k)",
                "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10)",
                "CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (10) TO (20)",
                "INSERT INTO p SELECT g, g % 20, g FROM generate_series(1, 100) g");
        Tx.run(url, p -> { p.createStreamTable("p_st", q, "1m", "DIFFERENTIAL", true, null, "wal"); return null; });
        Tx.sql(url, "INSERT INTO p1 VALUES (500, 5, 5)", "UPDATE p2 SET v = -v WHERE id % 3 = 0",
                "DELETE FROM p1 WHERE id % 4 = 0", "UPDATE p SET k = k + 10 WHERE k = 3"); // moves rows p1 -> p2
        assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("p_st")).action().name());
        assertEqual(url, "p_st", q);
        // rows that arrive with a partition are no change to decode: the next refresh recomputes
        Tx.sql(url, "CREATE TABLE p3 (id int, k int, v int, PRIMARY KEY (id, k))",
                "INSERT INTO p3 SELECT g, 25, g FROM generate_series(1, 10) g",
                "ALTER TABLE p ATTACH PARTITION p3 FOR VALUES FROM (20) TO (30)");
        assertNotEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("p_st")).action().name());
        assertEqual(url, "p_st", q);
        assertEquals("f", one(url, "SELECT relreplident FROM pg_class WHERE oid = 'p3'::regclass"));
        Tx.sql(url, "INSERT INTO p3 VALUES (600, 21, 1)", "UPDATE p SET v = v + 1 WHERE k >= 20");
        assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("p_st")).action().name());
        assertEqual(url, "p_st", q);
        Tx.sql(url, "ALTER TABLE p DETACH PARTITION p2");
        Tx.run(url, p -> p.refreshStreamTable("p_st"));
        assertEqual(url, "p_st", q);
    }

    @Test
    void aLogicalReplicationSubscriberIsMaintainedDifferentially() throws Exception {
        String pub = TestDatabase.freshDatabase();
        String sub = walDatabase();
        String q = "SELECT id, v FROM src WHERE v <> 3";
        Tx.sql(pub, "CREATE TABLE src (id int PRIMARY KEY, v int)", "INSERT INTO src SELECT g, g % 5 FROM generate_series(1, 50) g",
                "CREATE PUBLICATION test_pub FOR TABLE src", "SELECT pg_create_logical_replication_slot('" + slotFor(sub) + "', 'pgoutput')");
        Tx.sql(sub, "CREATE TABLE src (id int PRIMARY KEY, v int)");
        Tx.sql(sub, "CREATE SUBSCRIPTION " + slotFor(sub) + " CONNECTION '" + libpq(pub) + "' PUBLICATION test_pub"
                + " WITH (create_slot = false, slot_name = '" + slotFor(sub) + "')");
        try {
            Await.until(Duration.ofSeconds(60), "the initial copy", () -> "50".equals(one(sub, "SELECT count(*) FROM src")));
            Tx.run(sub, p -> { p.createStreamTable("src_st", q, "1m", "DIFFERENTIAL", true, null, "wal"); return null; });
            Tx.sql(pub, "INSERT INTO src VALUES (100, 1)", "UPDATE src SET v = 3 WHERE id <= 5", "DELETE FROM src WHERE id > 45");
            Await.until(Duration.ofSeconds(60), "the changes to be applied", // 50 + 1 - 6 (ids over 45, 100 too)
                    () -> "45".equals(one(sub, "SELECT count(*) FROM src")) && "3".equals(one(sub, "SELECT v FROM src WHERE id = 1")));
            RefreshOutcome outcome = Tx.run(sub, p -> p.refreshStreamTable("src_st"));
            // capture triggers would not see the apply worker's writes: that refresh would be FULL
            assertEquals("DIFFERENTIAL", outcome.action().name());
            assertEqual(sub, "src_st", q);
        } finally {
            Tx.sql(sub, "ALTER SUBSCRIPTION " + slotFor(sub) + " DISABLE",
                    "ALTER SUBSCRIPTION " + slotFor(sub) + " SET (slot_name = NONE)", "DROP SUBSCRIPTION " + slotFor(sub));
            Tx.sql(pub, "SELECT pg_drop_replication_slot('" + slotFor(sub) + "')");
        }
    }

    @Test
    void writesBeforeAndAfterARefreshInTheWritersOwnTransactionAreNotLost() throws Exception {
        String url = walDatabase();
        String q = "SELECT id, v FROM t";
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        Tx.run(url, p -> { p.createStreamTable("t_st", q, "1m", "DIFFERENTIAL", true, null, "wal"); return null; });
        for (int isolation : new int[] {Connection.TRANSACTION_READ_COMMITTED, Connection.TRANSACTION_REPEATABLE_READ}) {
            int base = isolation * 10;
            RefreshOutcome inside = Tx.run(url, isolation, p -> {
                try (Statement st = p.db().connection().createStatement()) {
                    st.execute("INSERT INTO t VALUES (" + (base + 2) + ", 2)");
                    RefreshOutcome o = p.refreshStreamTable("t_st");
                    st.execute("INSERT INTO t VALUES (" + (base + 3) + ", 3)");
                    st.execute("UPDATE t SET v = v + 10 WHERE id = 1");
                    return o;
                }
            });
            // its own changes are not decoded yet: it recomputes, and so does the next refresh
            assertEquals("FULL", inside.action().name());
            Tx.run(url, p -> p.refreshStreamTable("t_st"));
            assertEqual(url, "t_st", q);
            Tx.sql(url, "UPDATE t SET v = v + 1 WHERE id = 1");
            assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("t_st")).action().name());
            assertEqual(url, "t_st", q);
        }
    }

    @Test
    void truncateMakesTheNextRefreshRecompute() throws Exception {
        String url = walDatabase();
        String q = "SELECT id, v FROM t";
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 20) g");
        Tx.run(url, p -> { p.createStreamTable("t_st", q, "1m", "DIFFERENTIAL", true, null, "wal"); return null; });
        Tx.sql(url, "TRUNCATE t", "INSERT INTO t VALUES (1, 100)");
        RefreshOutcome outcome = Tx.run(url, p -> p.refreshStreamTable("t_st"));
        assertEquals("FULL", outcome.action().name());
        assertEqual(url, "t_st", q);
        Tx.sql(url, "INSERT INTO t VALUES (2, 200)");
        assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("t_st")).action().name());
        assertEqual(url, "t_st", q);
    }

    @Test
    void aLostSlotFallsBackToTriggersWithOneFullRefresh() throws Exception {
        String url = walDatabase();
        String q = "SELECT id, v FROM t WHERE v > 2";
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 20) g");
        Tx.run(url, p -> { p.createStreamTable("t_st", q, "1m", "DIFFERENTIAL", true, null, "auto"); return null; });
        assertEquals("WAL", capture(url));
        Tx.sql(url, "SELECT pg_drop_replication_slot(pgtrickle._wal_slot())", "UPDATE t SET v = 0 WHERE id = 10");
        RefreshOutcome outcome = Tx.run(url, p -> p.refreshStreamTable("t_st"));
        assertEquals("FULL", outcome.action().name());
        assertTrue(outcome.reason().contains("replication slot"), outcome.reason());
        assertEqual(url, "t_st", q);
        assertEquals("TRIGGER", capture(url));
        Tx.sql(url, "UPDATE t SET v = 0 WHERE id = 11");
        assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("t_st")).action().name());
        assertEqual(url, "t_st", q);
    }

    @Test
    void sourcesDecodingCannotServeAreRefusedForWalAndKeepTriggersInAuto() throws Exception {
        String url = walDatabase();
        Tx.sql(url, "CREATE TABLE g (id int PRIMARY KEY, v int, twice int GENERATED ALWAYS AS (v * 2) STORED)");
        SQLException e = assertThrows(SQLException.class, () -> Tx.run(url, p -> {
            p.createStreamTable("g_st", "SELECT id, twice FROM g", "1m", "DIFFERENTIAL", true, null, "wal");
            return null;
        }));
        assertEquals("55000", e.getSQLState());
        assertTrue(e.getMessage().contains("generated columns"), e.getMessage());
        Tx.run(url, p -> { p.createStreamTable("g_st", "SELECT id, twice FROM g", "1m", "DIFFERENTIAL", true, null, "auto"); return null; });
        assertEquals("TRIGGER", one(url, "SELECT capture FROM pgtrickle.pgt_status()"));
        SQLException bad = assertThrows(SQLException.class, () -> Tx.run(url, p -> {
            p.createStreamTable("x_st", "SELECT id FROM g", "1m", "DIFFERENTIAL", true, null, "logical");
            return null;
        }));
        assertEquals("22023", bad.getSQLState());
    }

    @Test
    void aSuspendedStreamTableLetsGoOfTheSlotPastTheLimit() throws Exception {
        String url = walDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "CREATE TABLE filler (x text)");
        Tx.run(url, p -> { p.createStreamTable("t_st", "SELECT id, v FROM t", "1m", "DIFFERENTIAL", true, null, "wal"); return null; });
        Tx.run(url, p -> { p.alterStreamTable("t_st", null, null, null, "SUSPENDED", null); return null; });
        Tx.sql(url, "INSERT INTO t VALUES (1, 1)", "INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 3000)");
        assertTrue(Long.parseLong(one(url, "SELECT wal_lag_bytes FROM pgtrickle.pgt_status()")) > 1 << 20);
        assertEquals(List.of("public.t_st"), strings(url, "SELECT * FROM pgtrickle._wal_release_inactive(1)"));
        assertEquals("t", one(url, "SELECT needs_full_refresh FROM pgtrickle.pgt_stream_tables"));
        assertEquals(null, one(url, "SELECT wal_restart_lsn FROM pgtrickle.pgt_stream_tables"));
        Tx.run(url, p -> { p.resumeStreamTable("t_st"); return null; });
        Tx.run(url, p -> p.refreshStreamTable("t_st"));
        assertEqual(url, "t_st", "SELECT id, v FROM t");
    }

    @Test
    void asynchronousCommitsAreDecodedBeforeTheyAreConsumed() throws Exception {
        String url = walDatabase();
        Tx.sql(url, "ALTER DATABASE " + one(url, "SELECT current_database()") + " SET synchronous_commit = off");
        String q = "SELECT k, count(*) AS n, sum(v) AS s FROM t GROUP BY k";
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, k int, v int)",
                "INSERT INTO t SELECT g, g % 4, g FROM generate_series(1, 40) g");
        Tx.run(url, p -> { p.createStreamTable("t_st", q, "1m", "DIFFERENTIAL", true, null, "wal"); return null; });
        for (int i = 0; i < 5; i++) {
            Tx.sql(url, "UPDATE t SET v = v + 1 WHERE id % 5 = " + i, "INSERT INTO t VALUES (" + (100 + i) + ", " + i + ", 1)");
            assertEquals("DIFFERENTIAL", Tx.run(url, p -> p.refreshStreamTable("t_st")).action().name());
            assertEqual(url, "t_st", q);
        }
    }

    private static void assertEqual(String url, String st, String q) throws Exception {
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, st, q), st + " for: " + q);
        }
    }

    private static String capture(String url) throws Exception {
        return one(url, "SELECT string_agg(DISTINCT cdc_mode, '+') FROM pgtrickle.pgt_dependencies");
    }

    private static String slotFor(String url) throws Exception {
        return "sub_" + one(url, "SELECT current_database()");
    }

    /** A libpq connection string for the server and database of a JDBC URL. */
    private static String libpq(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            return "host=" + one(url, "SELECT coalesce(host(inet_server_addr()), 'localhost')") + " port="
                    + one(url, "SELECT current_setting('port')") + " dbname=" + one(url, "SELECT current_database()")
                    + " user=" + c.getMetaData().getUserName();
        }
    }

    static String one(String url, String sql) throws Exception {
        List<String> rows = strings(url, sql);
        return rows.isEmpty() ? null : rows.get(0);
    }

    static List<String> strings(String url, String sql) throws Exception {
        try (Connection c = TestDatabase.connect(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
