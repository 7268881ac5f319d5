package io.pgtrickle.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.Await;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Writers with overlapping transactions (some held open across several refreshes, some rolled
 * back) race a refresher. Nothing may be lost or applied twice: the final table equals its query.
 * Refreshes alternate between READ COMMITTED (a manual refresh) and REPEATABLE READ (how the worker
 * refreshes WAL-captured tables); the WAL run (TestDatabase.WAL_RUN) repeats it with WAL capture.
 */
class ConcurrentWritersTest {

    private static final String KEYED = "SELECT id, v, v * 10 AS v10 FROM acct WHERE v % 3 <> 0";
    private static final String KEYLESS = "SELECT v FROM events";

    @Test
    void nothingLostOrDoubledUnderConcurrentWriters() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL)", "CREATE TABLE events (v int)",
                "INSERT INTO acct SELECT g, g FROM generate_series(1, 200) g");
        Tx.run(url, p -> { p.createStreamTable("acct_st", KEYED, null, "DIFFERENTIAL", true, null); return null; });
        Tx.run(url, p -> { p.createStreamTable("events_st", KEYLESS, null, "DIFFERENTIAL", true, null); return null; });

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger nextId = new AtomicInteger(1000);
        AtomicInteger committed = new AtomicInteger();
        AtomicInteger rolledBack = new AtomicInteger();
        AtomicInteger refreshes = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int seed = w;
            writers.add(pool.submit(() -> {
                Random r = new Random(seed);
                try (Connection c = TestDatabase.connect(url)) {
                    c.setAutoCommit(false);
                    for (int txn = 0; txn < 40; txn++) {
                        if (txn == 30) {
                            // however slow the machine, the last writes meet several refreshes
                            Await.until(Duration.ofSeconds(120), "refreshes while writing", () -> refreshes.get() > 3);
                        }
                        try (Statement st = c.createStatement()) {
                            int ops = 1 + r.nextInt(4);
                            for (int i = 0; i < ops; i++) {
                                switch (r.nextInt(4)) {
                                    case 0 -> st.execute("INSERT INTO acct VALUES (" + nextId.incrementAndGet() + ", " + r.nextInt(100) + ")");
                                    case 1 -> st.execute("UPDATE acct SET v = v + 1 WHERE id = " + (1 + r.nextInt(200)));
                                    case 2 -> st.execute("DELETE FROM acct WHERE id = " + (1 + r.nextInt(200)));
                                    default -> st.execute("INSERT INTO events SELECT " + r.nextInt(5) + " FROM generate_series(1, 3)");
                                }
                            }
                            if (seed == 0 && txn % 10 == 0) {
                                Thread.sleep(150); // long-running: stays open across several refreshes
                            }
                        }
                        if (r.nextInt(5) == 0) {
                            c.rollback();
                            rolledBack.incrementAndGet();
                        } else {
                            c.commit();
                            committed.incrementAndGet();
                        }
                    }
                }
                return null;
            }));
        }
        Future<?> refresher = pool.submit(() -> {
            while (running.get()) {
                int isolation = refreshes.get() % 2 == 0 ? Connection.TRANSACTION_READ_COMMITTED
                        : Connection.TRANSACTION_REPEATABLE_READ;
                Tx.run(url, isolation, p -> p.refreshStreamTable("acct_st"));
                Tx.run(url, isolation, p -> p.refreshStreamTable("events_st"));
                refreshes.incrementAndGet();
            }
            return null;
        });
        for (Future<?> w : writers) {
            w.get();
        }
        running.set(false);
        refresher.get();
        pool.shutdown();
        Tx.run(url, p -> p.refreshStreamTable("acct_st"));
        Tx.run(url, p -> p.refreshStreamTable("events_st"));

        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, "acct_st", KEYED));
            assertEquals(List.of(), Oracle.differences(c, "events_st", KEYLESS));
            assertTrue(refreshes.get() > 3, "refreshes ran while writers wrote: " + refreshes.get());
            assertTrue(rolledBack.get() > 0 && committed.get() > 0);
            long differential = Oracle.count(c, "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE action = 'DIFFERENTIAL'");
            assertTrue(differential > 2, "differential refreshes: " + differential);
            assertEquals(TestDatabase.WAL_RUN ? 2 : 0, Oracle.count(c,
                    "SELECT count(*) FROM pgtrickle.pgt_dependencies WHERE cdc_mode = 'WAL'"));
            // Consumed changes are cleaned up once every reader has them.
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pgtrickle_changes.changes_" + oid(c, "acct")));
        }
    }

    private static long oid(Connection c, String table) throws Exception {
        return Oracle.count(c, "SELECT '" + table + "'::regclass::oid::bigint");
    }
}
