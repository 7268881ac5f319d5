package io.pgtrickle.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.support.Oracle;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes that statement triggers on the source alone never see: each is captured, or detected and
 * repaired by a FULL refresh, so the stream table is exact after the next refresh.
 */
class CaptureDriftTest {

    private String url;

    @BeforeEach
    void setUp() throws Exception {
        url = TestDatabase.freshDatabase();
    }

    private void create(String name, String query) throws Exception {
        Tx.run(url, p -> { p.createStreamTable(name, query, "1m", "DIFFERENTIAL", true, null); return null; });
    }

    private void refreshAndCheck(String name, String query) throws Exception {
        Tx.run(url, p -> p.refreshStreamTable(name));
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(List.of(), Oracle.differences(c, name, query));
        }
    }

    @Test
    void writesAfterARefreshInTheSameTransactionAreNotLost() throws Exception {
        // 11: they carry the refresh's own transaction id but come after it.
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        create("st", "SELECT id, v FROM t");
        try (Connection c = TestDatabase.connect(url)) {
            c.setAutoCommit(false);
            try (var st = c.createStatement()) {
                st.execute("INSERT INTO t VALUES (2, 2)");
                new PgTrickle(c).refreshStreamTable("st");
                st.execute("INSERT INTO t VALUES (3, 3)");
                st.execute("UPDATE t SET v = 10 WHERE id = 1");
            }
            c.commit();
        }
        refreshAndCheck("st", "SELECT id, v FROM t");
        refreshAndCheck("st", "SELECT id, v FROM t");   // and nothing is applied twice
    }

    @Test
    void dmlStraightIntoAPartitionAndAttachDetach() throws Exception {
        Tx.sql(url, "CREATE TABLE p (id int, v int) PARTITION BY RANGE (id)",
                "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (100)",
                "CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (100) TO (200)",
                "INSERT INTO p SELECT g, g FROM generate_series(1, 150) g");
        String q = "SELECT id % 7 AS k, count(*) AS n, sum(v) AS s FROM p GROUP BY id % 7";
        create("agg", q);
        Tx.sql(url, "INSERT INTO p1 VALUES (5, 500)", "UPDATE p2 SET v = 0 WHERE id < 110", "DELETE FROM p1 WHERE id < 10");
        refreshAndCheck("agg", q);
        // a partition created later is captured too
        Tx.sql(url, "CREATE TABLE p3 PARTITION OF p FOR VALUES FROM (200) TO (300)", "INSERT INTO p3 VALUES (250, 1)");
        refreshAndCheck("agg", q);
        // ATTACH brings rows no trigger saw; DETACH takes rows away; both force FULL
        Tx.sql(url, "CREATE TABLE p4 (id int, v int)", "INSERT INTO p4 SELECT g, 1 FROM generate_series(300, 320) g",
                "ALTER TABLE p ATTACH PARTITION p4 FOR VALUES FROM (300) TO (400)");
        refreshAndCheck("agg", q);
        Tx.sql(url, "ALTER TABLE p DETACH PARTITION p2");
        refreshAndCheck("agg", q);
        // the detached table is no longer captured into p's buffer
        Tx.sql(url, "INSERT INTO p2 VALUES (150, 9)", "INSERT INTO p4 VALUES (399, 2)");
        refreshAndCheck("agg", q);
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(0, Oracle.count(c, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'p2'::regclass AND tgname LIKE '\\_\\_pgt\\_cdc%'"));
        }
    }

    @Test
    void rowsWrittenIntoAnInheritanceChild() throws Exception {
        Tx.sql(url, "CREATE TABLE parent (id int, v int)", "CREATE TABLE child (extra text) INHERITS (parent)",
                "INSERT INTO parent VALUES (1, 1)", "INSERT INTO child VALUES (2, 2, 'x')");
        String q = "SELECT id, v FROM parent";
        create("inh", q);
        Tx.sql(url, "INSERT INTO child VALUES (3, 3, 'y')", "UPDATE child SET v = 20 WHERE id = 2",
                "UPDATE parent SET v = v + 1", "DELETE FROM child WHERE id = 3");
        refreshAndCheck("inh", q);
    }

    @Test
    void disabledCaptureTriggersAreRepairedByFullRefreshes() throws Exception {
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 20) g");
        String q = "SELECT id, v FROM t WHERE v > 3";
        create("st", q);
        Tx.sql(url, "ALTER TABLE t DISABLE TRIGGER ALL", "INSERT INTO t VALUES (100, 100)", "DELETE FROM t WHERE id = 10");
        refreshAndCheck("st", q);
        Tx.sql(url, "UPDATE t SET v = 0 WHERE id = 11");     // still disabled
        refreshAndCheck("st", q);
        Tx.sql(url, "UPDATE t SET v = 0 WHERE id = 12", "ALTER TABLE t ENABLE TRIGGER ALL", "UPDATE t SET v = 50 WHERE id = 1");
        refreshAndCheck("st", q);
        Tx.sql(url, "UPDATE t SET v = 60 WHERE id = 2");
        refreshAndCheck("st", q);
        // and differential again once capture is whole
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals("DIFFERENTIAL", Oracle.single(c, "SELECT action FROM pgtrickle.pgt_refresh_history ORDER BY refresh_id DESC LIMIT 1"));
        }
    }

    @Test
    void droppedCaptureTriggerIsPutBack() throws Exception {
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        create("st", "SELECT id, v FROM t");
        Tx.sql(url, "DROP TRIGGER __pgt_cdc_insert ON t", "INSERT INTO t VALUES (2, 2)");
        refreshAndCheck("st", "SELECT id, v FROM t");
        try (Connection c = TestDatabase.connect(url)) {
            assertEquals(4, Oracle.count(c, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 't'::regclass AND tgname LIKE '\\_\\_pgt\\_cdc%'"));
        }
    }

    @Test
    void sourceWrittenByALogicalReplicationSubscription() throws Exception {
        // The apply worker fires no statement trigger: such a source is refreshed FULL, never silently stale.
        try (Connection c = TestDatabase.connect(url)) {
            org.junit.jupiter.api.Assumptions.assumeTrue("logical".equals(Oracle.single(c, "SHOW wal_level")),
                    "needs wal_level = logical");
        }
        String publisher = TestDatabase.freshDatabase();
        String slot = "pgt_drift_" + ProcessHandle.current().pid();
        Tx.sql(publisher, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 10) g",
                "CREATE PUBLICATION pgt_pub FOR TABLE t", "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)");
        String q = "SELECT id, v FROM t";
        create("before", q);          // DIFFERENTIAL, created before the subscription existed
        java.net.URI uri = java.net.URI.create(publisher.substring("jdbc:".length()));
        String db = uri.getPath().substring(1);
        Tx.sql(url, "CREATE SUBSCRIPTION pgt_sub CONNECTION 'host=" + uri.getHost() + " port=" + uri.getPort()
                + " dbname=" + db + " user=postgres' PUBLICATION pgt_pub WITH (create_slot = false, slot_name = '" + slot + "')");
        try {
            io.pgtrickle.support.Await.until(java.time.Duration.ofSeconds(60), "initial sync", () -> {
                try (Connection c = TestDatabase.connect(url)) {
                    return Oracle.count(c, "SELECT count(*) FROM t") == 10;
                }
            });
            Tx.run(url, p -> { p.createStreamTable("after", q, "1m", null, true, null); return null; });
            try (Connection c = TestDatabase.connect(url)) {
                assertEquals("FULL", Oracle.single(c, "SELECT effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'after'"));
            }
            Tx.sql(publisher, "INSERT INTO t VALUES (11, 11)", "UPDATE t SET v = 0 WHERE id = 1", "DELETE FROM t WHERE id = 2");
            io.pgtrickle.support.Await.until(java.time.Duration.ofSeconds(60), "changes replicated", () -> {
                try (Connection c = TestDatabase.connect(url)) {
                    return Oracle.count(c, "SELECT count(*) FROM t WHERE id = 11 OR (id = 1 AND v = 0)") == 2
                            && Oracle.count(c, "SELECT count(*) FROM t WHERE id = 2") == 0;
                }
            });
            refreshAndCheck("before", q);
            refreshAndCheck("after", q);
        } finally {
            Tx.sql(url, "DROP SUBSCRIPTION pgt_sub");
        }
    }
}
